package dev.lifeboat.internal.sqlite;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.internal.io.NonClosingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Restores a SQLite part to a file: decompressed into a temporary file next to the target, checked with
 * {@code PRAGMA integrity_check}, then moved into place. The target is untouched unless everything passed.
 */
public final class SqliteRestorer {
    private SqliteRestorer() {}

    public static void prepare(Path target, boolean replace) {
        SqliteSource.requireDriver();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !replace) {
            throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "SQLite target " + target
                    + " already exists; restore to a new path, or ask to replace (--replace / RestoreOptions.replace())");
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "the directory of SQLite target " + target + " does not exist");
        }
    }

    /** Restores and returns the row counts of the restored file; adds differences from the manifest to mismatches. */
    public static Map<String, Long> restore(InputStream in, PartInfo part, Path target, boolean replace, List<String> mismatches)
            throws IOException {
        Path abs = target.toAbsolutePath();
        Path temp = abs.resolveSibling("." + abs.getFileName() + ".lifeboat-" + UUID.randomUUID() + ".tmp");
        try {
            try (ZstdInputStream z = new ZstdInputStream(new NonClosingInputStream(in))) {
                Files.copy(z, temp);
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
            if (replace) {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
            return counts;
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
