package dev.lifeboat.internal.sqlite;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.internal.io.NonClosingInputStream;
import dev.lifeboat.internal.io.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Restores a SQLite part to a file: decompressed into a temporary file next to the target, checked with
 * {@code PRAGMA integrity_check}, fsynced, then moved into place. The target is untouched unless everything passed.
 * A new file is private to the restoring user (0600); a replaced one keeps the permissions, owner and group it had.
 */
public final class SqliteRestorer {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    private static final Set<StandardOpenOption> CREATE_WRITE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    private SqliteRestorer() {}

    public static void prepare(Path target, boolean replace) {
        SqliteSource.requireDriver();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !replace) {
            throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "SQLite target " + target
                    + " already exists; restore to a new path, or ask to replace (--replace / RestoreOptions.replace())");
        }
        Path real = realPath(target);
        Path dir = real.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "the directory of SQLite target " + target + " does not exist");
        }
        refuseLeftoverJournals(target, real);
    }

    /**
     * Where the database really is: a target that is a symlink (the application's path into a mounted volume) is
     * restored into the file it points to, which keeps its permissions and owner, and the link stays; replacing
     * the link itself would leave the volume's file stale and the restored data beside the link.
     */
    private static Path realPath(Path target) {
        Path abs = target.toAbsolutePath();
        if (!Files.isSymbolicLink(abs)) {
            return abs;
        }
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "SQLite target " + target + " is a symlink to a file that"
                    + " does not exist (" + e.getClass().getSimpleName() + "); restore to the path it should point to", e);
        }
    }

    /**
     * A write-ahead log or rollback journal beside the target belongs to the database being replaced (or deleted):
     * SQLite would replay it onto the restored file the next time it is opened, silently bringing back the old data.
     * Looked for beside the path given and beside the file it is ({@code real}, where a link points).
     */
    private static void refuseLeftoverJournals(Path given, Path real) {
        for (Path target : new java.util.LinkedHashSet<>(List.of(given.toAbsolutePath(), real))) {
            refuseLeftoverJournalsBeside(target);
        }
    }

    private static void refuseLeftoverJournalsBeside(Path target) {
        for (String suffix : List.of("-wal", "-journal")) {
            Path journal = target.resolveSibling(target.getFileName() + suffix);
            if (Files.exists(journal, LinkOption.NOFOLLOW_LINKS)) {
                throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "SQLite target " + target + " has "
                        + journal.getFileName() + " beside it, left by the database it would replace: SQLite would replay it"
                        + " onto the restored file when it is next opened. Stop the application, move " + target.getFileName()
                        + "-wal, -shm and -journal out of the way, and restore again");
            }
        }
    }

    /**
     * Gives {@code temp} the permissions, owner and group of the file it replaces, so the application can open its
     * database again (a restore run as root would otherwise leave a root-owned file). An owner that cannot be set
     * (not root) stays the restoring user's.
     */
    private static void keepAccessOf(Path existing, Path temp) throws IOException {
        if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)
                || !existing.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return; // (a link's own rwxrwxrwx must never become the database's)
        }
        PosixFileAttributes a = Files.readAttributes(existing, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        try {
            view.setGroup(a.group());
            view.setOwner(a.owner());
        } catch (IOException e) {
            // not permitted: the file stays the restoring user's, with the permissions below
        }
        view.setPermissions(a.permissions());
    }

    private static long copyAtMost(InputStream in, OutputStream out, long maxBytes, PartInfo part) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) != -1; ) {
            if (n > maxBytes - total) {
                throw new RestoreException(ErrorCode.UNSAFE_ARCHIVE, part.qualifiedName() + " expands to more than "
                        + maxBytes + " bytes" + (part.tree() != null ? ", while its manifest records a database of "
                        + part.tree().bytes() + " bytes" : "") + "; nothing was restored. Treat the backup as hostile,"
                        + " or raise the cap (RestoreOptions.maxBytes, restore --max-bytes) if the size is expected");
            }
            out.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    /**
     * Restores and returns the row counts of the restored file; adds differences from the manifest to mismatches. A
     * part that expands past {@code maxBytes} is refused (and what was written of it removed) before the disk fills.
     */
    public static Map<String, Long> restore(InputStream in, PartInfo part, Path target, boolean replace, long maxBytes,
            List<String> mismatches) throws IOException {
        Path abs = realPath(target);
        Path temp = abs.resolveSibling("." + abs.getFileName() + ".lifeboat-" + UUID.randomUUID() + ".tmp");
        try {
            // private until it is in place: the part may have been encrypted, its plaintext must not be world-readable
            boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
            try (ZstdInputStream z = new ZstdInputStream(new NonClosingInputStream(in));
                    FileChannel ch = posix
                            ? FileChannel.open(temp, CREATE_WRITE, PosixFilePermissions.asFileAttribute(PRIVATE))
                            : FileChannel.open(temp, CREATE_WRITE)) {
                long size = copyAtMost(z, Channels.newOutputStream(ch), maxBytes, part);
                ch.force(true);
                if (part.tree() != null && part.tree().bytes() != size) {
                    mismatches.add("the database file has " + size + " bytes, the manifest recorded " + part.tree().bytes());
                }
            }
            // read the part to its very end: a verifying stream checks the part's hash there, before anything moves
            in.transferTo(OutputStream.nullOutputStream());
            Map<String, Long> counts;
            try (Connection c = SqliteSource.open(temp, false); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                    rs.next();
                    String r = rs.getString(1);
                    if (!"ok".equals(r)) {
                        throw new RestoreException(ErrorCode.RESTORE_FAILED, "restored SQLite database fails integrity_check: " + r);
                    }
                }
                counts = SqliteSource.rowCounts(c);
            } catch (SQLException e) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "restored SQLite database cannot be opened: " + e.getMessage(), e);
            }
            for (Map.Entry<String, Long> e : new TreeMap<>(part.rowCounts()).entrySet()) {
                Long got = counts.get(e.getKey());
                if (!e.getValue().equals(got)) {
                    mismatches.add("table " + e.getKey() + " has " + got + " rows, expected " + e.getValue());
                }
            }
            refuseLeftoverJournals(target, abs); // again: the application may have opened the file while the part was read
            if (replace) {
                keepAccessOf(abs, temp);
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // a rename would replace a file that appeared since prepare(); a hard link fails if one did
                try {
                    Files.createLink(abs, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "SQLite target " + target
                            + " appeared while the restore ran; it was left as it is", e);
                } catch (UnsupportedOperationException | FileSystemException e) {
                    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                        throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "SQLite target " + target
                                + " appeared while the restore ran; it was left as it is", e);
                    }
                    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            try {
                Trees.fsyncDirectory(abs.getParent());
            } catch (IOException e) {
                // the file is in place and whole; only its durability across a power cut is not assured
            }
            return counts;
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
