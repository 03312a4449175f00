package dev.lifeboat.store;

import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.internal.io.Trees;
import dev.lifeboat.internal.io.WriteBehindFileStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A store in a local directory (a mounted disk, NFS, a second volume).
 *
 * <p>Writes are atomic and durable: the content goes to a temporary file under {@code <root>/.lifeboat-tmp/},
 * which is fsynced, renamed into place, and whose directory is fsynced, so a crash never leaves a partial
 * object under its key. Directories it creates are private to the owner (0700) and objects are 0600, as a store
 * without encryption holds the application's data in plaintext. A conditional write ({@link WriteOption#IF_ABSENT})
 * publishes with a hard link, which fails atomically when the key exists. Temporary files older than a day are
 * removed on later writes.
 */
public final class LocalStore implements Store {
    /** The type name in configuration: {@code lifeboat.stores.<name>.type=local}. */
    public static final String TYPE = "local";

    /** Temporary files older than this are debris of a crashed write and are deleted. */
    public static final Duration TEMP_SAFETY_AGE = Duration.ofHours(24);

    static final String TEMP_DIR = ".lifeboat-tmp";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final int BUFFER = 256 * 1024;
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<StandardOpenOption> CREATE_WRITE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final Path root;

    private LocalStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** A store rooted at {@code directory}; the directory is created on first write if missing. */
    public static LocalStore at(Path directory) {
        return new LocalStore(Objects.requireNonNull(directory, "null directory"));
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "local:" + root;
    }

    /** The usable space of the file system holding the root (or its nearest existing parent, before the first write). */
    @Override
    public java.util.OptionalLong usableSpace() throws IOException {
        Path p = root;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(Files.getFileStore(p).getUsableSpace());
    }

    @Override
    public ObjectWriter write(String key, WriteOption... options) throws IOException {
        Path target = resolve(key);
        boolean ifAbsent = Arrays.asList(options).contains(WriteOption.IF_ABSENT);
        Path tempDir = tempDirFor(key);
        try {
            createDirectoriesDurably(tempDir);
            cleanStaleTemporaryFiles(tempDir);
            if (ifAbsent && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException("object " + key + " already exists in " + describe()
                        + "; it is written only once", false, null);
            }
            Path temp = tempDir.resolve(UUID.randomUUID() + ".tmp");
            FileChannel channel = posix()
                    ? FileChannel.open(temp, CREATE_WRITE, PosixFilePermissions.asFileAttribute(PRIVATE_FILE))
                    : FileChannel.open(temp, CREATE_WRITE);
            return new LocalWriter(key, target, temp, channel, ifAbsent);
        } catch (IOException e) {
            throw failure("cannot start writing " + key, e);
        }
    }

    @Override
    public <T> T read(String key, Reader<T> reader) throws IOException {
        Path p = resolve(key);
        InputStream in;
        try {
            in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("object " + key + " does not exist in " + describe());
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
        try (in) {
            return reader.read(in);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path p = resolve(key);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("cannot stat " + key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        // start at the deepest directory the prefix names, then filter by the full prefix
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (slash >= 0) {
            resolve(prefix.substring(0, slash)); // validates
        }
        if (!Files.isDirectory(start)) {
            return out;
        }
        Deque<Path> dirs = new ArrayDeque<>();
        dirs.push(start);
        Set<Path> seen = new HashSet<>();
        try {
            while (!dirs.isEmpty()) {
                Path dir = dirs.pop();
                try {
                    if (!seen.add(dir.toRealPath())) {
                        continue; // a directory link that leads back to where the listing has been
                    }
                } catch (NoSuchFileException e) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path child : ds) {
                        if (child.getFileName().toString().equals(TEMP_DIR)) {
                            continue; // the root's, or a linked top folder's (no key starts with a '.')
                        }
                        BasicFileAttributes a;
                        try {
                            a = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        } catch (NoSuchFileException e) {
                            continue; // deleted while listing (a clean-up in another process): the others still count
                        }
                        if (a.isSymbolicLink()) {
                            // a top folder moved elsewhere and linked back (backups/ on a bigger disk): writes go
                            // through it, so the listing does too, or every backup written there would be invisible.
                            // Links deeper down are not the operator's and are not followed; a link to a file is not
                            // an object (reads refuse it).
                            if (!dir.equals(root)) {
                                continue;
                            }
                            try {
                                BasicFileAttributes target = Files.readAttributes(child, BasicFileAttributes.class);
                                if (!target.isDirectory()) {
                                    continue;
                                }
                                a = target;
                            } catch (IOException e) {
                                continue; // a dangling link
                            }
                        }
                        String key = root.relativize(child).toString().replace('\\', '/');
                        if (a.isDirectory()) {
                            if ((key + "/").startsWith(prefix) || prefix.startsWith(key + "/")) {
                                dirs.push(child);
                            }
                        } else if (a.isRegularFile() && key.startsWith(prefix)) {
                            out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                        }
                    }
                } catch (NoSuchFileException e) {
                    // deleted while listing
                }
            }
        } catch (IOException e) {
            throw failure("cannot list " + prefix, e);
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        Path p = resolve(key);
        try {
            Files.deleteIfExists(p);
            // remove empty parent directories up to the root, so deleted backups leave no empty folders
            Path dir = p.getParent();
            while (dir != null && !dir.equals(root) && dir.startsWith(root) && !Files.isSymbolicLink(dir)) {
                // (a linked directory is the operator's: emptied, it stays, or the next write would land on this disk)
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    if (ds.iterator().hasNext()) {
                        break;
                    }
                }
                Files.deleteIfExists(dir);
                dir = dir.getParent();
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw failure("cannot delete " + key, e);
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    private Path resolve(String key) {
        Objects.requireNonNull(key, "null key");
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("invalid object key \"" + key + "\"");
        }
        for (String segment : key.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals(".")) {
                throw new IllegalArgumentException("invalid object key \"" + key
                        + "\": segments must be letters, digits, '.', '_', '-' and not start with '.'");
            }
        }
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("invalid object key \"" + key + "\"");
        }
        return p;
    }

    private StoreException failure(String what, IOException e) {
        String system = systemReason(e);
        String reason = system != null
                ? system : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new StoreException(what + " in " + describe() + " (" + reason + ")", !permanent(e), e);
    }

    /**
     * Failures that trying again soon cannot fix: no permission, the name is taken, the disk is full, the quota is
     * used up, the file system is read-only. The JDK reports the last three as plain IOExceptions carrying the
     * system's message (ENOSPC, EDQUOT, EROFS).
     */
    static boolean permanent(IOException e) {
        if (e instanceof AccessDeniedException || e instanceof FileAlreadyExistsException) {
            return true;
        }
        String system = systemReason(e);
        String m = system != null ? system : e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                || m.contains("Read-only file system"));
    }

    /** The system's own words for a file system failure ("No space left on device"), or null. */
    private static String systemReason(IOException e) {
        return e instanceof FileSystemException fse ? fse.getReason() : null;
    }

    /**
     * Where a write of {@code key} is staged: the root's temporary folder, or, under a top folder that is a link
     * (backups/ moved to a bigger disk and linked back), one inside the folder it links to, so that the final
     * rename or link stays within one file system.
     */
    private Path tempDirFor(String key) throws IOException {
        int slash = key.indexOf('/');
        Path top = slash > 0 ? root.resolve(key.substring(0, slash)) : null;
        return top != null && Files.isSymbolicLink(top) ? top.toRealPath().resolve(TEMP_DIR) : root.resolve(TEMP_DIR);
    }

    /** Deletes temporary files of writes that never completed, older than {@code olderThan}. */
    @Override
    public void cleanUpIncompleteWrites(Duration olderThan) {
        List<Path> tempDirs = new ArrayList<>(List.of(root.resolve(TEMP_DIR)));
        try (DirectoryStream<Path> tops = Files.newDirectoryStream(root)) {
            for (Path top : tops) {
                if (Files.isSymbolicLink(top) && Files.isDirectory(top)) {
                    tempDirs.add(top.resolve(TEMP_DIR)); // the linked folder's own (tempDirFor)
                }
            }
        } catch (IOException e) {
            // no root yet, or unreadable: its own temporary folder is all there is to look at
        }
        for (Path tempDir : tempDirs) {
            if (Files.isDirectory(tempDir)) {
                cleanStaleTemporaryFiles(tempDir, olderThan);
            }
        }
    }

    private static void cleanStaleTemporaryFiles(Path tempDir) {
        cleanStaleTemporaryFiles(tempDir, TEMP_SAFETY_AGE);
    }

    private static void cleanStaleTemporaryFiles(Path tempDir, Duration olderThan) {
        Instant cutoff = Instant.now().minus(olderThan);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tempDir, "*.tmp")) {
            for (Path p : ds) {
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // another writer may own it; try again next time
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    private boolean posix() {
        return root.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates {@code dir} and its missing parents, private to the owner (0700 where the file system has POSIX
     * permissions: a store without recipients holds the application's data in plaintext), and fsyncs the parent of
     * each directory created, so a new {@code backups/<id>/} survives a power cut together with what is in it.
     */
    private void createDirectoriesDurably(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                if (posix()) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
                } else {
                    Files.createDirectory(p);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
                continue; // made by a concurrent writer, which syncs it
            }
            if (p.getParent() != null) {
                Trees.fsyncDirectory(p.getParent());
            }
        }
    }

    private final class LocalWriter implements ObjectWriter {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final WriteBehindFileStream file;
        private final OutputStream stream;
        private final boolean ifAbsent;
        private boolean done;

        LocalWriter(String key, Path target, Path temp, FileChannel channel, boolean ifAbsent) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.ifAbsent = ifAbsent;
            this.file = new WriteBehindFileStream(channel);
            this.stream = new BufferedOutputStream(file, BUFFER);
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public ObjectInfo commit() throws IOException {
            if (done) {
                throw new IllegalStateException("write of " + key + " already finished");
            }
            try {
                stream.flush();
                file.sync();
                long size = channel.size();
                channel.close();
                createDirectoriesDurably(target.getParent());
                if (ifAbsent) {
                    try {
                        Files.createLink(target, temp);
                    } catch (UnsupportedOperationException | FileSystemException e) {
                        if (e instanceof FileAlreadyExistsException) {
                            throw e;
                        }
                        // no hard links here: fall back to check-then-rename (not atomic against a racing writer)
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw new FileAlreadyExistsException(target.toString());
                        }
                        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                    }
                    Files.deleteIfExists(temp);
                } else {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                Trees.fsyncDirectory(target.getParent());
                done = true;
                return new ObjectInfo(key, size, Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toInstant());
            } catch (FileAlreadyExistsException e) {
                abort();
                throw new StoreException("object " + key + " already exists in " + describe()
                        + "; it is written only once", false, e);
            } catch (IOException e) {
                abort();
                throw failure("cannot store " + key, e);
            }
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } catch (IOException e) {
                // ignore
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // left for the stale-file cleaner
            }
        }

        @Override
        public void close() {
            abort();
        }
    }
}
