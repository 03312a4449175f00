package dev.lifeboat.internal.sqlite;

import com.github.luben.zstd.ZstdOutputStream;
import dev.lifeboat.Sqlite;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceContext;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.source.SourceResult;
import dev.lifeboat.internal.io.NonClosingOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A consistent copy of a live SQLite database: {@code VACUUM INTO} a private temporary file (SQLite takes a
 * read transaction, so concurrent writers are not blocked in WAL mode and the copy is one snapshot), row counts
 * from that copy, then the copy streamed through zstd. The temporary copy is bounded by the database's size
 * and deleted afterwards.
 */
public final class SqliteSource implements Source {
    private final String name;
    private final Sqlite db;

    public SqliteSource(String name, Sqlite db) {
        this.name = name;
        this.db = db;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SourceKind kind() {
        return SourceKind.DATABASE;
    }

    @Override
    public String format() {
        return "sqlite+zstd";
    }

    @Override
    public String extension() {
        return ".sqlite.zst";
    }

    @Override
    public void preflight(SourceContext context) {
        requireDriver();
        if (!Files.isRegularFile(db.path())) {
            throw new SourceException(ErrorCode.SOURCE_FAILED, "SQLite database \"" + name + "\" (" + db.path()
                    + ") does not exist or is not a file");
        }
    }

    @Override
    public SourceResult write(SourceContext context, OutputStream out) throws IOException {
        preflight(context);
        Path copy = context.tempDirectory().resolve("sqlite-" + name + ".db");
        Files.deleteIfExists(copy);
        String version;
        try (Connection c = open(db.path(), true); Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = " + Math.min(context.timeout().toMillis(), 60_000));
            try (ResultSet rs = st.executeQuery("select sqlite_version()")) {
                rs.next();
                version = rs.getString(1);
            }
            st.execute("VACUUM INTO '" + copy.toString().replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new SourceException(ErrorCode.SOURCE_FAILED, "cannot copy SQLite database \"" + name + "\" ("
                    + db.path() + "): " + e.getMessage(), e);
        }
        try {
            Map<String, Long> rows;
            long size;
            try (Connection c = open(copy, true)) {
                rows = rowCounts(c);
            } catch (SQLException e) {
                throw new SourceException(ErrorCode.SOURCE_FAILED, "the copy of SQLite database \"" + name
                        + "\" cannot be read: " + e.getMessage(), e);
            }
            try (ZstdOutputStream z = new ZstdOutputStream(new NonClosingOutputStream(out), context.compressionLevel())) {
                z.setChecksum(true);
                if (context.compressionWorkers() > 0) {
                    z.setWorkers(context.compressionWorkers());
                }
                size = Files.copy(copy, z);
            }
            // one file of this size: what a restore may expand the part to (a bigger one is refused, not written)
            return new SourceResult(Map.of("sqlite", version), rows, new TreeStats(1, 0, 0, size), List.of());
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    static void requireDriver() {
        try {
            Class.forName("org.sqlite.JDBC");
        } catch (ClassNotFoundException e) {
            throw new SourceException(ErrorCode.DATABASE_UNAVAILABLE,
                    "the SQLite JDBC driver is not on the classpath; add the dependency org.xerial:sqlite-jdbc");
        }
    }

    static Connection open(Path file, boolean readOnly) throws SQLException {
        requireDriver();
        java.util.Properties p = new java.util.Properties();
        if (readOnly) {
            p.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        }
        return DriverManager.getConnection("jdbc:sqlite:" + file, p);
    }

    /**
     * Exact row counts of every ordinary table, keyed {@code main.table}: not SQLite's internal ones (named
     * {@code sqlite_*} in any case, a prefix SQLite reserves), and not virtual tables, whose module (an extension
     * such as sqlite-vec) the driver may not have; an FTS table's rows are counted in its shadow tables.
     */
    static Map<String, Long> rowCounts(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select name from sqlite_schema where type = 'table'"
                        + " and name not like 'sqlite\\_%' escape '\\' and coalesce(sql, '') not like 'create virtual table%'"
                        + " order by name")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("select count(*) from \"" + t.replace("\"", "\"\"") + "\"")) {
                    rs.next();
                    counts.put("main." + t, rs.getLong(1));
                }
            }
        }
        return counts;
    }
}
