package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.store.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteRoundTripTest {

    @Test
    void liveDatabaseIsCopiedConsistentlyWhileTheAppKeepsWriting(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("create table users (id integer primary key, name text not null, avatar blob)");
            st.execute("create table events (id integer primary key, user_id int references users(id), payload text)");
            st.execute("create index events_user on events(user_id)");
            // a full-text index: a virtual table, counted through its shadow tables only
            st.execute("create virtual table docs using fts5(body)");
            st.execute("insert into docs values ('lifeboat')");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into users (name, avatar) values (?, ?)")) {
                for (int i = 0; i < 2000; i++) {
                    ps.setString(1, "user " + i + " ünïcødé");
                    ps.setBytes(2, i % 3 == 0 ? null : new byte[] {(byte) i, 0, (byte) 0xff});
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong inserted = new AtomicLong();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout=5000");
                // each transaction inserts an event and bumps a user, so a torn copy would be visible as a mismatch
                while (!stop.get()) {
                    st.execute("begin immediate");
                    st.execute("insert into events (user_id, payload) values (1 + abs(random()) % 2000, hex(randomblob(64)))");
                    st.execute("insert into events (user_id, payload) values (1 + abs(random()) % 2000, 'pair')");
                    st.execute("commit");
                    inserted.addAndGet(2);
                }
            } catch (Exception e) {
                writerFailure.set(e); // a backup that blocks the application's writes fails the test
            }
        });
        writer.start();
        while (inserted.get() < 200) {
            Thread.sleep(5);
        }
        Lifeboat lifeboat = Lifeboat.configure().application("quick")
                .database("app", Sqlite.file(db))
                .store(LocalStore.at(dir.resolve("store")))
                .build();
        BackupResult result;
        long atStart = inserted.get();
        long atEnd;
        try {
            result = lifeboat.backupNow();
            atEnd = inserted.get();
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(writerFailure.get()).as("the application's writes during the backup").isNull();
        assertThat(atEnd).as("the application kept writing while the backup ran").isGreaterThan(atStart);
        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        PartInfo part = result.parts().get(0);
        assertThat(part.key()).endsWith("/db-app.sqlite.zst");
        assertThat(part.rowCounts().get("main.users")).isEqualTo(2000L);
        assertThat(part.rowCounts()).containsEntry("main.docs_content", 1L).doesNotContainKey("main.docs")
                .doesNotContainKey("main.sqlite_sequence");
        long events = part.rowCounts().get("main.events");
        assertThat(events).isEven().isGreaterThanOrEqualTo(atStart).isLessThanOrEqualTo(inserted.get());
        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();

        Path restored = dir.resolve("restored.db");
        RestoreResult r = lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(restored), RestoreOptions.defaults());
        assertThat(r.mismatches()).isEmpty();
        assertThat(r.rowCounts()).isEqualTo(part.rowCounts());
        assertThat(part.tree()).as("the database file's size, a restore's cap").isNotNull();
        assertThat(Files.size(restored)).isEqualTo(part.tree().bytes()).isPositive();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select count(*) from events where payload = 'pair'")) {
                rs.next();
                assertThat(rs.getLong(1) * 2).as("every transaction is either fully in the copy or not at all").isEqualTo(events);
            }
            long lastEvent;
            try (ResultSet rs = st.executeQuery("select max(id) from events")) {
                rs.next();
                lastEvent = rs.getLong(1);
            }
            // the copy is the source as of one commit: every row identical, events up to the last one copied
            String users = "select id, name, hex(avatar) from users order by id";
            String eventsUpTo = "select id, user_id, payload from events where id <= " + lastEvent + " order by id";
            assertThat(digest(restored, users)).isEqualTo(digest(db, users));
            assertThat(digest(restored, eventsUpTo)).isEqualTo(digest(db, eventsUpTo));
            try (ResultSet rs = st.executeQuery("select name, avatar from users where id = 2")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("user 1 ünïcødé");
                assertThat(rs.getBytes(2)).containsExactly(1, 0, 0xff);
            }
            try (ResultSet rs = st.executeQuery("select count(*) from sqlite_schema where name = 'events_user'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }

        // an existing file is not overwritten unless asked
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(restored), RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .satisfies(e -> assertThat(((RestoreException) e).code()).isEqualTo(ErrorCode.RESTORE_TARGET_NOT_EMPTY));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(restored)))
                .as("a new file is private to the restoring user").isEqualTo("rw-------");
        Files.writeString(restored, "garbage");
        Files.setPosixFilePermissions(restored, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(restored), RestoreOptions.defaults().replace(true));
        assertThat(Files.size(restored)).isGreaterThan(1000);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(restored)))
                .as("a replaced file keeps its permissions, so the application can open it again").isEqualTo("rw-r-----");
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertThat(left).noneMatch(p -> p.getFileName().toString().contains(".lifeboat-"));
        }

        // a write-ahead log left by the database being replaced would be replayed onto the restored file
        byte[] before = Files.readAllBytes(restored);
        Path wal = Files.writeString(dir.resolve("restored.db-wal"), "old log");
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(restored),
                RestoreOptions.defaults().replace(true)))
                .isInstanceOf(RestoreException.class).hasMessageContaining("restored.db-wal beside it")
                .satisfies(e -> assertThat(((RestoreException) e).code()).isEqualTo(ErrorCode.RESTORE_TARGET_NOT_EMPTY));
        assertThat(Files.readAllBytes(restored)).isEqualTo(before);
        Files.delete(restored);
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(restored), RestoreOptions.defaults()))
                .hasMessageContaining("restored.db-wal beside it");
        assertThat(restored).doesNotExist();
        Files.delete(wal);
    }

    /**
     * The application's database path is a link into a mounted volume: a replacing restore writes the file the link
     * points to, which keeps its mode, and the link stays; a journal beside the real file is refused too.
     */
    @Test
    void aReplacingRestoreThroughASymlinkRestoresTheFileItPointsTo(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("create table t (x)");
            st.execute("insert into t values (1), (2), (3)");
        }
        Lifeboat lifeboat = Lifeboat.configure().database("app", Sqlite.file(db)).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path real = volume.resolve("live.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + real); Statement st = c.createStatement()) {
            st.execute("create table t (x)");
            st.execute("insert into t values (42)");
        }
        Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("app")).resolve("app.db"), real);

        RestoreResult r = lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(link), RestoreOptions.defaults().replace(true));

        assertThat(r.mismatches()).isEmpty();
        assertThat(Files.isSymbolicLink(link)).as("the link stays").isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(real))).isEqualTo("rw-r-----");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + real); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from t")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(3);
        }
        try (var left = Files.list(volume)) {
            assertThat(left).as("no temporary file").containsExactly(real);
        }

        Files.writeString(volume.resolve("live.db-wal"), "a live write-ahead log");
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "app", Sqlite.file(link), RestoreOptions.defaults().replace(true)))
                .isInstanceOf(RestoreException.class).hasMessageContaining("live.db-wal");
    }
    /** SHA-256 of every row a query yields, column by column: equal digests, equal rows. */
    static String digest(Path db, String query) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            long rows = 0;
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    sha.update((rs.getString(i) + "\u0000").getBytes(StandardCharsets.UTF_8));
                }
                rows++;
            }
            return rows + " rows " + HexFormat.of().formatHex(sha.digest());
        }
    }
}
