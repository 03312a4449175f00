package dev.lifeboat.internal.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.internal.Text;
import dev.lifeboat.internal.io.NonClosingInputStream;
import dev.lifeboat.internal.io.PipelinedInputStream;
import dev.lifeboat.internal.io.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Extracts an untrusted tar+zstd stream into a fresh directory, allow-list style:
 *
 * <ul>
 *   <li>only directories, regular files, symlinks and hard links to files already extracted;
 *   <li>names must be relative, without {@code ..} or NUL (and, where they are separators or drives, without
 *       backslashes or drive letters), and stay inside the target after normalisation (compared as paths, never
 *       as strings);
 *   <li>nothing is ever written through a symlink: every parent of an entry must be a real directory created by
 *       this extraction, and files are created with {@code CREATE_NEW} (which refuses an existing link);
 *   <li>bytes, entries and name lengths are capped;
 *   <li>everything lands in a staging directory next to the target (inside it when the target is a mount point),
 *       private to its owner (mode 0700) until it is moved into place, which happens only when the whole archive
 *       was extracted and its stream verified; on any refusal the target is untouched.
 * </ul>
 */
public final class SafeExtractor {
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");
    private static final int MAX_NAME = 4096;
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    /** Zero blocks of this size (the usual file system block), aligned in the file, are left as holes. */
    private static final int HOLE = 4096;
    private static final byte[] ZEROS = new byte[HOLE];
    private static final Set<OpenOption> CREATE_NEW =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /** Limits: bytes of file content, number of entries. */
    public record Limits(long maxBytes, long maxEntries) {
        public static final Limits DEFAULT = new Limits(Long.MAX_VALUE, 10_000_000L);
    }

    private final Limits limits;

    public SafeExtractor(Limits limits) {
        this.limits = limits;
    }

    private static final String LOST_AND_FOUND = "lost+found";

    /** Whether {@code dir} is the root of a file system other than its parent's (a volume mounted for the restore). */
    private static boolean isMountPoint(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        return abs.getParent() != null && !Files.getFileStore(abs).equals(Files.getFileStore(abs.getParent()));
    }

    /**
     * Refuses a target that exists and is not an empty directory (on a mount point, a {@code lost+found} directory
     * does not count).
     */
    public static void checkTarget(Path target) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "restore target " + target
                        + " exists and is not a directory");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target)) {
                boolean mountPoint = isMountPoint(target);
                for (Path entry : ds) {
                    // a freshly made ext4 volume holds lost+found: it counts as empty, and the entry stays
                    if (mountPoint && entry.getFileName().toString().equals(LOST_AND_FOUND)
                            && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "restore target directory " + target
                            + " is not empty; restore into an empty or new directory");
                }
            } catch (IOException e) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot read restore target " + target + ": " + e, e);
            }
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "the parent directory of restore target " + target
                    + " does not exist");
        }
    }

    /**
     * Extracts a tar+zstd stream into {@code target} (absent or an empty directory). {@code raw} is read to its
     * end before the result is moved into place, so a verifying stream gets to check its hash first.
     */
    public TreeStats extractZstd(InputStream raw, Path target) throws IOException {
        return extract(raw, true, target);
    }

    /** Extracts a plain tar stream; see {@link #extractZstd}. */
    public TreeStats extract(InputStream raw, Path target) throws IOException {
        return extract(raw, false, target);
    }

    private TreeStats extract(InputStream raw, boolean zstd, Path target) throws IOException {
        checkTarget(target);
        Path abs = target.toAbsolutePath().normalize();
        // a target that is a mount point (a volume attached for the restore) cannot be replaced by a rename, and
        // staging beside it would fill the parent's file system: then the staging directory goes inside it, and
        // its entries are moved into place at the end
        boolean exists = Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS); // and empty, checked above
        boolean inside = exists && isMountPoint(abs);
        Path staging = inside ? abs.resolve(".lifeboat-restore-" + UUID.randomUUID())
                : abs.resolveSibling("." + abs.getFileName() + ".lifeboat-restore-" + UUID.randomUUID());
        // the target ends with the mode of the empty directory it replaces, or the one a new directory gets here;
        // until then the staging directory is its owner's alone, so nobody else can read a restored secret in
        // the moment between its creation and its archived mode
        Set<PosixFilePermission> rootMode = exists ? Files.getPosixFilePermissions(abs, LinkOption.NOFOLLOW_LINKS) : null;
        Files.createDirectory(staging);
        boolean moved = false;
        try {
            if (rootMode == null) {
                rootMode = Files.getPosixFilePermissions(staging);
            }
            Files.setPosixFilePermissions(staging, OWNER_ONLY);
            InputStream decompressed = zstd ? new ZstdInputStream(new NonClosingInputStream(raw)) : new NonClosingInputStream(raw);
            TreeStats stats;
            List<DirMeta> dirModes = new ArrayList<>();
            // decompressing (and the reading, verifying and decrypting behind it) runs ahead on another thread
            // while this one writes the files
            try (decompressed; PipelinedInputStream tarStream = new PipelinedInputStream(decompressed,
                    "lifeboat-extract-read-ahead")) {
                stats = extractInto(tarStream, staging, dirModes);
                // consume everything (tar padding, then the raw stream) so the caller's stream can verify its
                // hash before anything becomes visible; after the end marker only padding may follow, not an
                // endless decompressed stream that would burn CPU for hours uncounted by the byte cap
                drain(tarStream, MAX_TRAILER);
            }
            drain(raw, Long.MAX_VALUE); // its own length is the verifying stream's to check
            // directories last (once verified: a mode without the owner's access would keep a failed restore's
            // leftovers from being removed), deepest first: their modes may forbid writing into them
            dirModes.sort(Comparator.comparing((DirMeta d) -> d.path().getNameCount()).reversed());
            if (inside) {
                // the mount point keeps its own mode; its entries arrive by renames within its file system. Every
                // directory below the top gets its mode while still inside the private staging directory; a top one
                // is its owner's alone (0700) until it has arrived, since renaming a directory to another parent
                // needs write access to it, and then gets its own. An entry that cannot arrive sends back those
                // that did: the mount point is then as empty as it was
                List<DirMeta> top = new ArrayList<>();
                for (DirMeta d : dirModes) {
                    if (d.path().getParent().equals(staging)) {
                        top.add(d);
                        Files.setPosixFilePermissions(d.path(), OWNER_ONLY);
                    } else {
                        applyDirMeta(d.path(), d);
                    }
                }
                List<Path> arrived = new ArrayList<>();
                try {
                    try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
                        for (Path entry : entries) {
                            Path to = abs.resolve(entry.getFileName());
                            if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                                // (a rename would replace an empty directory: the volume's own lost+found)
                                throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "restore target " + target
                                        + " already has " + to.getFileName() + ", which the archive holds too; nothing"
                                        + " was restored");
                            }
                            Files.move(entry, to, StandardCopyOption.ATOMIC_MOVE);
                            arrived.add(to);
                        }
                    }
                    for (DirMeta d : top) {
                        applyDirMeta(abs.resolve(staging.relativize(d.path())), d);
                    }
                } catch (IOException | RuntimeException | Error e) {
                    arrived.forEach(Trees::deleteQuietly);
                    throw e;
                }
                Files.delete(staging);
            } else {
                for (DirMeta d : dirModes) {
                    applyDirMeta(d.path(), d);
                }
                Files.setPosixFilePermissions(staging, rootMode);
                if (exists) {
                    Files.delete(abs);
                }
                Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
            }
            moved = true;
            return stats;
        } finally {
            if (!moved) {
                Trees.deleteQuietly(staging);
            }
        }
    }

    /**
     * Writes {@code b[0, n)} at offset {@code at} of {@code out}, except every whole, aligned block of {@link #HOLE}
     * bytes that holds only zeros: the restored file keeps a hole there (sparse), as a VM image or a preallocated
     * database file had one when it was backed up, instead of taking its full size on disk. Data is written in runs,
     * one write per run; a block with anything else in it costs one comparison of its first bytes.
     */
    private static void writeLeavingHoles(FileChannel out, byte[] b, int n, long at) throws IOException {
        int run = 0; // where the data not yet written starts
        int i = 0;
        while (i < n) {
            int end = (int) Math.min(n, i + HOLE - (at + i) % HOLE); // the next block boundary of the file
            if (end - i == HOLE && Arrays.mismatch(b, i, end, ZEROS, 0, HOLE) < 0) {
                write(out, b, run, i - run, at + run);
                run = end;
            }
            i = end;
        }
        write(out, b, run, n - run, at + run);
    }

    private static void write(FileChannel out, byte[] b, int off, int len, long position) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            position += out.write(buf, position);
        }
    }

    /** Extracts into {@code root}; the directories' modes and times are added to {@code dirModes}, not set. */
    private TreeStats extractInto(InputStream tarStream, Path root, List<DirMeta> dirModes) throws IOException {
        long files = 0;
        long dirs = 0;
        long links = 0;
        long bytes = 0;
        long entries = 0;
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        // directories this extraction created or found to be real directories: archive entries cannot turn them into
        // links later (a link or file over an existing name is refused), so their parents need no second look
        Set<Path> knownDirs = new HashSet<>();
        knownDirs.add(root);
        TarReader tar = new TarReader(tarStream);
        TarReader.Entry e;
        while ((e = tar.next()) != null) {
            if (++entries > limits.maxEntries()) {
                throw unsafe("more than " + limits.maxEntries() + " entries (by default what the manifest records, plus"
                        + " an eighth and 10,000; RestoreOptions.maxEntries or --max-entries sets it)");
            }
            String name = e.name();
            Path dest = safePath(root, name);
            checkParents(root, dest, knownDirs);
            if (e.isDirectory()) {
                if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    if (!Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                        throw unsafe("entry \"" + printable(name) + "\" is a directory over an existing non-directory");
                    }
                } else {
                    Files.createDirectory(dest);
                }
                knownDirs.add(dest);
                dirModes.add(new DirMeta(dest, e.mode(), e.mtime()));
                dirs++;
            } else if (e.isSymbolicLink()) {
                String link = e.linkName();
                if (link == null || link.isEmpty() || link.indexOf('\0') >= 0) {
                    throw unsafe("symlink \"" + printable(name) + "\" has an invalid target");
                }
                try {
                    Files.createSymbolicLink(dest, Paths.get(link));
                } catch (FileAlreadyExistsException ex) {
                    throw unsafe("entry \"" + printable(name) + "\" appears twice");
                }
                links++;
            } else if (e.isHardLink()) {
                Path source = safePath(root, e.linkName());
                if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw unsafe("hard link \"" + printable(name) + "\" points to \"" + printable(e.linkName())
                            + "\", which is not a file extracted earlier from this archive");
                }
                checkParents(root, source, knownDirs);
                try {
                    Files.createLink(dest, source);
                } catch (FileAlreadyExistsException ex) {
                    throw unsafe("entry \"" + printable(name) + "\" appears twice");
                }
                files++;
            } else if (e.isFile()) {
                long size = e.size();
                if (size < 0 || bytes + size > limits.maxBytes() || bytes + size < 0) {
                    throw unsafe("extracting \"" + printable(name) + "\" would exceed the limit of " + limits.maxBytes()
                            + " bytes (by default what the manifest records, plus an eighth and 64 MiB; RestoreOptions.maxBytes"
                            + " or --max-bytes sets it)");
                }
                try (FileChannel out = FileChannel.open(dest, CREATE_NEW)) {
                    int n;
                    long copied = 0;
                    while ((n = tar.read(buf.array(), 0, buf.capacity())) >= 0) {
                        writeLeavingHoles(out, buf.array(), n, copied);
                        copied += n;
                    }
                    if (out.size() < copied) { // it ends in a hole: the last byte gives the file its length
                        write(out, new byte[1], 0, 1, copied - 1);
                    }
                    bytes += copied;
                } catch (FileAlreadyExistsException ex) {
                    throw unsafe("entry \"" + printable(name) + "\" appears twice or would overwrite a link");
                }
                setPermissions(dest, e.mode());
                Files.setLastModifiedTime(dest, e.mtime());
                files++;
            } else {
                throw unsafe("entry \"" + printable(name) + "\" is a device, FIFO or other special file; only files,"
                        + " directories and links are restored");
            }
        }
        return new TreeStats(files, dirs, links, bytes);
    }

    private record DirMeta(Path path, int mode, FileTime mtime) {}

    /** Validates an entry name and resolves it inside {@code root}. */
    static Path safePath(Path root, String name) {
        if (name == null || name.isEmpty()) {
            throw unsafe("an entry has an empty name");
        }
        if (name.length() > MAX_NAME) {
            throw unsafe("an entry name is longer than " + MAX_NAME + " characters");
        }
        // on a POSIX file system a backslash or a "C:" is part of a file name (an upload once named on Windows), which
        // a backup takes as it is; only where they are separators or drives do they make an entry unsafe
        boolean posix = root.getFileSystem().getSeparator().equals("/");
        if (name.indexOf('\0') >= 0 || !posix && name.indexOf('\\') >= 0) {
            throw unsafe("entry \"" + printable(name) + "\" contains a NUL or backslash");
        }
        if (name.startsWith("/") || !posix && DRIVE.matcher(name).matches()) {
            throw unsafe("entry \"" + printable(name) + "\" is an absolute path");
        }
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        List<String> parts = new ArrayList<>();
        for (String seg : trimmed.split("/")) {
            if (seg.equals("..")) {
                throw unsafe("entry \"" + printable(name) + "\" contains '..'");
            }
            if (!seg.isEmpty() && !seg.equals(".")) {
                parts.add(seg);
            }
        }
        if (parts.isEmpty()) {
            throw unsafe("entry \"" + printable(name) + "\" names the target itself");
        }
        Path p = root;
        try {
            for (String seg : parts) {
                p = p.resolve(seg);
            }
        } catch (java.nio.file.InvalidPathException e) {
            // a JVM under a C/POSIX locale names files in ASCII: "résumé.pdf" cannot be made here
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "entry \"" + printable(name) + "\" cannot be named by"
                    + " this JVM (it encodes file names as " + System.getProperty("sun.jnu.encoding") + "); run it with a"
                    + " UTF-8 locale (LANG=C.UTF-8). Nothing was written to the target");
        }
        p = p.normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw unsafe("entry \"" + printable(name) + "\" escapes the target directory");
        }
        return p;
    }

    /** Every directory between {@code root} and {@code dest} must exist as a real directory (or be created as one). */
    private static void checkParents(Path root, Path dest, Set<Path> knownDirs) throws IOException {
        Deque<Path> chain = new ArrayDeque<>();
        for (Path p = dest.getParent(); p != null && !knownDirs.contains(p); p = p.getParent()) {
            chain.push(p);
        }
        for (Path p : chain) {
            if (Files.isSymbolicLink(p)) {
                throw unsafe("entry \"" + root.relativize(dest) + "\" would be written through the symlink \""
                        + root.relativize(p) + "\"");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw unsafe("entry \"" + root.relativize(dest) + "\" is below \"" + root.relativize(p) + "\", which is not a directory");
            }
            knownDirs.add(p);
        }
    }

    private static void setPermissions(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        Files.setPosixFilePermissions(p, perms); // setuid, setgid and sticky bits are never restored
    }

    /** The most a tar stream may hold after its end-of-archive marker: the second zero block and record padding. */
    static final int MAX_TRAILER = 1 << 20;

    /** {@link DirMeta}'s mode and modification time, given to the directory at {@code at}. */
    private static void applyDirMeta(Path at, DirMeta d) throws IOException {
        setPermissions(at, d.mode());
        Files.setLastModifiedTime(at, d.mtime());
    }

    /**
     * Reads {@code in} to its end (reading it lets the caller's stream verify); more than {@code max} bytes are
     * refused as unsafe.
     */
    private static void drain(InputStream in, long max) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
            if (total > max) {
                throw unsafe("more than " + max + " bytes follow the archive's end-of-archive marker");
            }
        }
    }

    private static RestoreException unsafe(String what) {
        return new RestoreException(ErrorCode.UNSAFE_ARCHIVE, "refused to restore an unsafe archive: " + what
                + "; nothing was written to the target");
    }

    /** {@code s} for a message: at most 200 characters, control and format (bidi) characters replaced. */
    static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        return Text.printable(cut);
    }
}
