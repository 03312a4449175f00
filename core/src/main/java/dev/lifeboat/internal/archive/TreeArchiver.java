package dev.lifeboat.internal.archive;

import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.TreeStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Writes file trees as a POSIX (PAX) tar stream: long names and entries over 8 GiB are fine, symlinks are
 * stored as links and never followed, a file with several names (hard links) is stored once and its other names
 * as hard-link entries, sockets/FIFOs/devices are skipped with a notice, and a file that is
 * unreadable or changes while it is read is recorded as an {@link Issue.Severity#INCOMPLETE} issue. Entries are
 * written in sorted order, so the same tree gives the same archive. Subdirectories and files are opened relative
 * to their parent's open descriptor without following links (Linux), so a directory swapped for a symlink while
 * the tree is read cannot lead outside it.
 */
public final class TreeArchiver {
    /** At most this many issues are recorded one by one; the rest are summarised. */
    static final int MAX_ISSUES = 1000;
    /**
     * Memory for remembering files with several names (their first name and identity, ≈ 160 bytes plus the name
     * each: ≈ 100,000 files with typical names); past it, a further name of a file not remembered is stored as a
     * copy: a bigger archive, never more memory.
     */
    static final long HARD_LINK_MEMORY = 16L << 20;
    private static final int BUFFER = 1024 * 1024;
    private static final String UNREADABLE_NAME = "name is not valid in this JVM's file name encoding ("
            + System.getProperty("sun.jnu.encoding") + "), so it could not be stored faithfully and was left out;"
            + " run Lifeboat with a UTF-8 locale (LANG=C.UTF-8)";
    /** A constant set: FileChannel.open(path, options...) builds a new HashSet for every file. */
    private static final Set<OpenOption> READ_NOFOLLOW = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final TarWriter tar;
    private final List<PathMatcher> excludes;
    /** Directories whose whole content is excluded ({@code dir/**}): stored empty, never opened. */
    private final List<PathMatcher> pruned;
    private final List<Issue> issues = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    /** Files stored with more names to come, by identity (device and inode); forgotten after their last name. */
    private final Map<Object, FirstName> hardLinks = new HashMap<>();
    private final long hardLinkBudget;
    private long hardLinkMemory;
    private long droppedIncomplete;
    private long droppedNotices;
    private long files;
    private long directories;
    private long symlinks;
    private long bytes;

    TreeArchiver(TarWriter tar, List<String> excludeGlobs) {
        this(tar, excludeGlobs, HARD_LINK_MEMORY);
    }

    /** With {@code hardLinkBudget} bytes of memory for files with several names (tests use a small one). */
    TreeArchiver(TarWriter tar, List<String> excludeGlobs, long hardLinkBudget) {
        this.hardLinkBudget = hardLinkBudget;
        this.tar = tar;
        this.excludes = excludeGlobs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
        // "cache/**" excludes everything below cache: the directory itself is kept (empty), and never listed
        this.pruned = excludeGlobs.stream().filter(g -> g.endsWith("/**") && g.length() > 3)
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g.substring(0, g.length() - 3))).toList();
    }

    /**
     * Archives the tree under {@code root} (the root itself may be a symlink to a directory; nothing below it
     * is followed), naming entries {@code prefix + relative path}.
     */
    public void addTree(Path root, String prefix) throws IOException {
        Path dir = root.toRealPath();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(root.toString(), null, "not a directory");
        }
        walk(dir, dir, prefix);
    }

    /** Ends the archive. */
    public void finish() throws IOException {
        tar.finish();
    }

    /**
     * Archives one file (or directory tree) under the entry name {@code name}. A {@code path} that is itself a
     * symlink (a Kubernetes secret mount, {@code sites-enabled/shop.conf}) was named for its content: what it
     * points to is archived under {@code name}, with a notice saying so; nothing below it is followed.
     */
    public void addPath(Path path, String name) throws IOException {
        FileStat a;
        try {
            a = FileStat.of(path);
            if (a.type() == FileStat.S_IFLNK) {
                Path real = path.toRealPath();
                issue(Issue.Severity.NOTICE, name, "is a symlink; the content of " + real + " is stored under its name");
                path = real;
                a = FileStat.of(real);
            }
        } catch (NoSuchFileException e) {
            issue(Issue.Severity.INCOMPLETE, name, "does not exist (it was configured but is gone, or is a symlink to"
                    + " nothing)");
            return;
        } catch (AccessDeniedException e) {
            issue(Issue.Severity.INCOMPLETE, name, "cannot be read: permission denied");
            return;
        }
        if (a.type() == FileStat.S_IFDIR) {
            addDirectoryEntry(path, name, a);
            walk(path, path, name + "/");
        } else {
            addEntry(path, name, a, null);
        }
    }

    public TreeStats stats() {
        return new TreeStats(files, directories, symlinks, bytes);
    }

    public List<Issue> issues() {
        List<Issue> all = new ArrayList<>(issues);
        if (droppedIncomplete > 0) {
            all.add(new Issue(Issue.Severity.INCOMPLETE, "…", droppedIncomplete + " more incompletely captured paths not listed"));
        }
        if (droppedNotices > 0) {
            all.add(new Issue(Issue.Severity.NOTICE, "…", droppedNotices + " more skipped paths not listed"));
        }
        return all;
    }

    /** Archives the children of {@code dir}, named {@code base + file name} ({@code base} is empty or ends in /). */
    private void walk(Path root, Path dir, String base) throws IOException {
        DirectoryStream<Path> ds;
        try {
            ds = Files.newDirectoryStream(dir);
        } catch (AccessDeniedException e) {
            issue(Issue.Severity.INCOMPLETE, dirName(base), "directory cannot be read: permission denied");
            return;
        } catch (NoSuchFileException e) {
            issue(Issue.Severity.INCOMPLETE, dirName(base), "directory disappeared while being read");
            return;
        }
        try (ds) {
            walk(root, dir, base, ds);
        }
    }

    /**
     * Archives the entries of {@code ds}, the open directory {@code dir}. Where the platform offers it (Linux), each
     * subdirectory and file is opened relative to its parent's open descriptor and without following a link: a
     * directory swapped for a symlink between its {@code lstat} and its opening (by someone who can write to the
     * tree) is then refused, and nothing outside the tree is ever read.
     */
    private void walk(Path root, Path dir, String base, DirectoryStream<Path> ds) throws IOException {
        SecureDirectoryStream<Path> parent = ds instanceof SecureDirectoryStream<Path> sds ? sds : null;
        List<Path> children = new ArrayList<>();
        try {
            for (Path p : ds) {
                children.add(p);
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            issue(Issue.Severity.INCOMPLETE, dirName(base), "directory could not be read to its end: "
                    + reason(e.getCause()));
        }
        int n = children.size();
        String[] names = new String[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            names[i] = children.get(i).getFileName().toString();
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> names[x].compareTo(names[y]));
        for (int i : order) {
            Path child = children.get(i);
            String rel = base + names[i];
            if (!excludes.isEmpty() && excluded(root.relativize(child))) {
                continue;
            }
            if (!faithful(child.getFileName(), names[i])) {
                issue(Issue.Severity.INCOMPLETE, rel, UNREADABLE_NAME);
                continue;
            }
            FileStat a;
            try {
                a = FileStat.of(child);
            } catch (NoSuchFileException e) {
                continue; // deleted between listing and reading: it is simply not part of this backup
            } catch (IOException e) {
                issue(Issue.Severity.INCOMPLETE, rel, "cannot be read: " + e.getMessage());
                continue;
            }
            if (a.type() == FileStat.S_IFDIR && !pruned.isEmpty() && matchesAny(pruned, root.relativize(child))) {
                addDirectoryEntry(child, rel, a); // its content is excluded: an unreadable one is no loss
                continue;
            }
            if (a.type() == FileStat.S_IFDIR) {
                DirectoryStream<Path> sub;
                beforeOpening.accept(child);
                try {
                    sub = parent != null ? parent.newDirectoryStream(child.getFileName(), LinkOption.NOFOLLOW_LINKS)
                            : Files.newDirectoryStream(child);
                } catch (AccessDeniedException e) {
                    addDirectoryEntry(child, rel, a);
                    issue(Issue.Severity.INCOMPLETE, rel, "directory cannot be read: permission denied");
                    continue;
                } catch (NoSuchFileException e) {
                    continue; // deleted between listing and reading
                } catch (IOException e) {
                    // ELOOP, ENOTDIR: no longer the directory lstat saw (replaced by a symlink or a file)
                    issue(Issue.Severity.INCOMPLETE, rel, "changed while being read (no longer a directory): "
                            + reason(e));
                    continue;
                }
                try (sub) {
                    addDirectoryEntry(child, rel, a);
                    walk(root, child, rel + "/", sub);
                }
            } else {
                beforeReading.accept(child);
                addEntry(child, rel, a, parent);
            }
        }
    }

    /** A seam for tests, to change the tree at the worst moment: after a subdirectory's lstat, before it is opened. */
    static volatile java.util.function.Consumer<Path> beforeOpening = p -> { };

    /** The same for an entry that is not a directory: after its lstat, before it is read. */
    static volatile java.util.function.Consumer<Path> beforeReading = p -> { };

    private void addDirectoryEntry(Path dir, String name, FileStat a) throws IOException {
        tar.directory(name, a.permissions(), a.uid(), a.gid(), mtime(a));
        directories++;
    }

    /** Archives one entry that is not a directory; {@code parent} (may be null) is its open directory. */
    private void addEntry(Path path, String name, FileStat a, SecureDirectoryStream<Path> parent) throws IOException {
        switch (a.type()) {
            case FileStat.S_IFLNK -> {
                Path target;
                try {
                    target = Files.readSymbolicLink(path);
                } catch (NoSuchFileException e) {
                    return; // deleted since it was listed (an editor's lock link): gone, like a deleted file
                } catch (IOException e) {
                    // replaced by a file or directory since its lstat (NotLinkException), or unreadable
                    issue(Issue.Severity.INCOMPLETE, name, "changed while being read (no longer the symlink it was): "
                            + reason(e));
                    return;
                }
                // not a round trip: a target's text is normalised when parsed ("a//b/" becomes "a/b")
                if (target.toString().indexOf('\uFFFD') >= 0) {
                    issue(Issue.Severity.INCOMPLETE, name, "symlink target: " + UNREADABLE_NAME);
                    return;
                }
                tar.symlink(name, target.toString(), a.permissions(), a.uid(), a.gid(), mtime(a));
                symlinks++;
            }
            case FileStat.S_IFREG -> addFile(path, name, a, parent);
            case FileStat.S_IFSOCK -> issue(Issue.Severity.NOTICE, name, "socket skipped");
            case FileStat.S_IFIFO -> issue(Issue.Severity.NOTICE, name, "FIFO skipped");
            case FileStat.S_IFCHR, FileStat.S_IFBLK -> issue(Issue.Severity.NOTICE, name, "device skipped");
            default -> issue(Issue.Severity.NOTICE, name, "special file skipped");
        }
    }

    private void addFile(Path path, String name, FileStat a, SecureDirectoryStream<Path> parent) throws IOException {
        long size = a.size();
        FileTime mtime = a.lastModified();
        Object identity = a.links() > 1 ? a.fileKey() : null;
        if (identity != null) {
            FirstName first = hardLinks.get(identity);
            // unchanged since it was stored under its first name: this name gets the same content, as a link
            if (first != null && first.size == size && first.mtime.equals(mtime)) {
                tar.hardLink(name, first.name, a.permissions(), a.uid(), a.gid(), mtime(a));
                if (--first.namesToCome <= 0) {
                    hardLinks.remove(identity);
                    hardLinkMemory -= first.memory();
                }
                files++;
                return;
            }
        }
        SeekableByteChannel ch;
        try {
            // relative to the open parent, never through a link: the file lstat saw in this tree, or nothing
            ch = parent != null ? parent.newByteChannel(path.getFileName(), READ_NOFOLLOW) : FileChannel.open(path, READ_NOFOLLOW);
        } catch (NoSuchFileException e) {
            return; // deleted before we got to it
        } catch (IOException e) {
            issue(Issue.Severity.INCOMPLETE, name, "cannot be read: " + reason(e));
            return;
        }
        tar.beginFile(name, size, a.permissions(), a.uid(), a.gid(), mtime(a));
        long written = 0;
        String problem = null;
        try (ch) {
            while (written < size) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), size - written));
                int n;
                try {
                    n = ch.read(buffer);
                } catch (IOException ex) {
                    problem = "read failed after " + written + " bytes: " + reason(ex);
                    break;
                }
                if (n < 0) {
                    problem = "shrank while being read (" + size + " bytes expected, " + written + " read)";
                    break;
                }
                tar.write(buffer.array(), 0, n);
                written += n;
            }
            if (problem == null) {
                buffer.clear().limit(1);
                try {
                    if (ch.read(buffer) > 0) {
                        problem = "grew while being read (only the first " + size + " bytes were stored)";
                    }
                } catch (IOException ex) {
                    problem = "read failed at its end: " + reason(ex);
                }
            }
        }
        if (written < size) {
            // the entry's size is fixed in its header: pad so the archive stays well-formed
            byte[] zeros = new byte[64 * 1024];
            while (written < size) {
                int n = (int) Math.min(zeros.length, size - written);
                tar.write(zeros, 0, n);
                written += n;
            }
        }
        tar.endFile();
        if (problem == null) {
            try {
                FileStat after = FileStat.of(path);
                if (after.size() != size || !after.lastModified().equals(mtime)) {
                    problem = "changed while being read";
                }
            } catch (NoSuchFileException ex) {
                problem = "was deleted while being read";
            } catch (IOException ex) {
                problem = "changed while being read (cannot be checked after: " + reason(ex) + ")";
            }
        }
        if (problem != null) {
            issue(Issue.Severity.INCOMPLETE, name, problem);
        } else if (identity != null) {
            FirstName first = new FirstName(name, size, mtime, a.links() - 1);
            if (hardLinkMemory + first.memory() <= hardLinkBudget) {
                hardLinks.put(identity, first);
                hardLinkMemory += first.memory();
            }
        }
        files++;
        bytes += size;
    }

    /** The name a file with several names was stored under, as it was then, and how many of its names may follow. */
    private static final class FirstName {
        final String name;
        final long size;
        final FileTime mtime;
        int namesToCome;

        FirstName(String name, long size, FileTime mtime, int namesToCome) {
            this.name = name;
            this.size = size;
            this.mtime = mtime;
            this.namesToCome = namesToCome;
        }

        /** An upper estimate of the heap this entry takes in the map, with its key and name. */
        long memory() {
            return 160 + 2L * name.length();
        }
    }

    /**
     * Whether {@code name} is {@code path}'s name as the file system has it. The JVM decodes file names with its
     * file name encoding ({@code sun.jnu.encoding}, from the locale): without a UTF-8 locale every non-ASCII name,
     * and under one a name that is not valid UTF-8, decodes lossily, and would be stored, and restored, under
     * another name (two such names may even collide). Such an entry is left out and recorded as incomplete.
     */
    private static boolean faithful(Path path, String name) {
        try {
            return path.getFileSystem().getPath(name).equals(path);
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static long mtime(FileStat a) {
        return a.lastModified().to(TimeUnit.SECONDS);
    }

    private static boolean matchesAny(List<PathMatcher> matchers, Path relative) {
        for (PathMatcher m : matchers) {
            if (m.matches(relative)) {
                return true;
            }
        }
        return false;
    }

    private boolean excluded(Path relative) {
        for (PathMatcher m : excludes) {
            if (m.matches(relative) || m.matches(relative.getFileName())) {
                return true;
            }
        }
        return false;
    }

    private void issue(Issue.Severity severity, String subject, String message) {
        if (issues.size() < MAX_ISSUES) {
            issues.add(new Issue(severity, subject, message));
        } else if (severity == Issue.Severity.INCOMPLETE) {
            droppedIncomplete++;
        } else {
            droppedNotices++;
        }
    }

    /** The entry name of a directory from its children's base ({@code "a/b/"} → {@code "a/b"}; the root → "."). */
    private static String dirName(String base) {
        return base.isEmpty() ? "." : base.substring(0, base.length() - 1);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
