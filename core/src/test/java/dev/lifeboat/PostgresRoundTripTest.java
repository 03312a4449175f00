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
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PostgresRoundTripTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    static final String[] TABLES = {"customers", "orders", "attachments", "audit.events"};

    @BeforeAll
    static void tools() {
        Requirements.requireTool("pg_dump");
        Requirements.requireTool("pg_restore");
    }

    static String createShop() throws Exception {
        String url = PG.createDatabase("lb_shop");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table customers (id serial primary key, name text not null, email text unique,"
                    + " note text, created timestamptz not null default '2026-01-01T00:00:00Z')");
            st.execute("create table orders (id bigserial primary key, customer_id int not null references customers(id),"
                    + " amount numeric(12,2) not null, status text, placed date)");
            st.execute("create index orders_customer_idx on orders(customer_id)");
            st.execute("create table attachments (id int primary key, body bytea, meta jsonb)");
            st.execute("create schema audit");
            st.execute("create table audit.events (id int generated always as identity, what text)");
            st.execute("create sequence invoice_seq start 1000");
            st.execute("select setval('invoice_seq', 4242)");
            st.execute("create view customer_totals as select c.id, c.name, sum(o.amount) total"
                    + " from customers c left join orders o on o.customer_id = c.id group by c.id, c.name");
            st.execute("insert into customers (name, email, note) select"
                    + " case g % 4 when 0 then 'Zoë Ångström ' || g when 1 then '山田 太郎 ' || g"
                    + " when 2 then 'Ολυμπία ' || g else 'plain ' || g end,"
                    + " 'user' || g || '@example.com', case when g % 3 = 0 then null else 'note ' || g end"
                    + " from generate_series(1, 1500) g");
            st.execute("insert into orders (customer_id, amount, status, placed) select 1 + (g % 1500), (g * 7 % 10000) / 100.0,"
                    + " case when g % 5 = 0 then null else 'paid' end, date '2026-01-01' + (g % 300) from generate_series(1, 4000) g");
            st.execute("insert into attachments select g, case when g % 7 = 0 then null else"
                    + " decode(repeat(md5(g::text), 1 + g % 40), 'hex') end, jsonb_build_object('n', g, 'emoji', '🚀')"
                    + " from generate_series(1, 300) g");
            st.execute("insert into audit.events (what) select 'event ' || g from generate_series(1, 250) g");
        }
        return url;
    }

    static Map<String, String> fingerprint(String url) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet rs = st.executeQuery("select count(*), md5(coalesce(string_agg(x::text, '|' order by x::text), ''))"
                        + " from " + t + " x")) {
                    rs.next();
                    out.put(t, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            try (ResultSet rs = st.executeQuery("select count(*), sum(total) from customer_totals")) {
                rs.next();
                out.put("view", rs.getLong(1) + ":" + rs.getString(2));
            }
            try (ResultSet rs = st.executeQuery("select last_value from invoice_seq")) {
                rs.next();
                out.put("sequence", rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("select count(*) from pg_indexes where indexname = 'orders_customer_idx'")) {
                rs.next();
                out.put("index", rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void backupAndRestoreIntoAFreshDatabaseGivesIdenticalData(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().application("shop")
                .database("main", Postgres.url(source))
                .store(LocalStore.at(dir.resolve("store")))
                .build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        PartInfo part = result.parts().get(0);
        assertThat(part.key()).isEqualTo("backups/" + result.id() + "/db-main.pgdump");
        assertThat(part.rowCounts()).containsEntry("public.customers", 1500L).containsEntry("public.orders", 4000L)
                .containsEntry("public.attachments", 300L).containsEntry("audit.events", 250L);
        assertThat(part.tools()).containsKey("pg_dump").containsKey("server");
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(result.id());
        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).findings()).isEmpty();

        String target = PG.reserveDatabase("lb_restore");
        RestoreResult restored = lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

        assertThat(restored.mismatches()).isEmpty();
        assertThat(restored.rowCounts()).isEqualTo(part.rowCounts());
        assertThat(fingerprint(target)).isEqualTo(fingerprint(source));
    }

    /**
     * A restore killed outright leaves its private folder with the password file in it: the next restore removes it
     * once its process is gone and an hour has passed, and nothing of a live process's or a fresh one.
     */
    @Test
    void aRestoreRemovesThePrivateFolderOfARestoreKilledEarlier(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source))
                .store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();
        Path tempRoot = Files.createDirectories(dir.resolve("tmp"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long deadPid = gone.pid();
        long ourPid = ProcessHandle.current().pid();
        FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        Path killed = Files.createDirectories(tempRoot.resolve("lifeboat-restore-" + deadPid + "-111"));
        Files.writeString(killed.resolve("pgpass-1"), "127.0.0.1:5432:*:app:Canary-pw\n");
        Files.setLastModifiedTime(killed, twoHoursAgo);
        Path justKilled = Files.createDirectories(tempRoot.resolve("lifeboat-restore-" + deadPid + "-222"));
        Path live = Files.createDirectories(tempRoot.resolve("lifeboat-restore-" + ourPid + "-333"));
        Files.setLastModifiedTime(live, twoHoursAgo);
        Path notOurs = Files.createDirectories(tempRoot.resolve("lifeboat-restore-x-444"));
        Files.setLastModifiedTime(notOurs, twoHoursAgo);

        String target = PG.reserveDatabase("lb_restore");
        RestoreResult restored = Recovery.from(LocalStore.at(dir.resolve("store")), tempRoot)
                .restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

        assertThat(restored.mismatches()).isEmpty();
        assertThat(killed).doesNotExist();
        try (Stream<Path> left = Files.list(tempRoot)) {
            assertThat(left).as("the restore's own folder goes too").containsExactlyInAnyOrder(justKilled, live, notOurs);
        }
    }

    /**
     * Database names are only ever names: one holding '=' is not a libpq connection string, "+" and "%" survive the
     * JDBC URL, a quote is escaped, and a missing target is created from template0, whatever template1 holds.
     */
    @Test
    void databasesWithAwkwardNamesAreBackedUpAndRestoredByTheirExactNames(@TempDir Path dir) throws Exception {
        String sourceName = "lb a=b+c%'d " + Long.toHexString(System.nanoTime());
        String targetName = "lb t=x+y%'z " + Long.toHexString(System.nanoTime());
        PG.execute("create database " + dev.lifeboat.internal.postgres.PgClient.quote(sourceName));
        try {
            String source = PG.urlOf(java.net.URLEncoder.encode(sourceName, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
            try (Connection c = PG.connect(source); Statement st = c.createStatement()) {
                assertThat(c.getCatalog()).isEqualTo(sourceName);
                st.execute("create table t (x int)");
                st.execute("insert into t select generate_series(1, 77)");
            }
            templateProbe("create table public.lb_template_probe (x int)"); // what a new database copies from template1
            Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source)).store(LocalStore.at(dir)).build();
            BackupResult result = lifeboat.backupNow();
            assertThat(result.parts().get(0).rowCounts()).containsEntry("public.t", 77L);

            String target = PG.urlOf(java.net.URLEncoder.encode(targetName, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
            RestoreResult restored = lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

            assertThat(restored.mismatches()).isEmpty();
            assertThat(restored.rowCounts()).containsEntry("public.t", 77L);
            try (Connection c = PG.connect(target); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select current_database(), count(*) from t")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(targetName);
                assertThat(rs.getLong(2)).isEqualTo(77);
            }
        } finally {
            templateProbe("drop table if exists public.lb_template_probe");
            PG.dropDatabase(sourceName);
            PG.dropDatabase(targetName);
        }
    }

    private static void templateProbe(String sql) throws Exception {
        try (Connection c = PG.connect(PG.urlOf("template1")); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The runbook's path: the operator runs {@code createdb} first, and the new database has its public schema. */
    @Test
    void restoreIntoAnExistingEmptyDatabaseAsTheRunbookSays(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source))
                .store(LocalStore.at(dir)).build();
        BackupResult result = lifeboat.backupNow();
        String target = PG.createDatabase("lb_createdb");

        RestoreResult restored = lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

        assertThat(restored.mismatches()).isEmpty();
        assertThat(fingerprint(target)).isEqualTo(fingerprint(source));
    }

    @Test
    void nonEmptyTargetIsRefusedUnlessReplacing(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source))
                .store(LocalStore.at(dir)).build();
        BackupResult result = lifeboat.backupNow();
        String target = PG.createDatabase("lb_busy");
        try (Connection c = PG.connect(target); Statement st = c.createStatement()) {
            st.execute("create table precious (id int)");
            st.execute("insert into precious values (1), (2)");
        }

        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .satisfies(e -> assertThat(((RestoreException) e).code()).isEqualTo(ErrorCode.RESTORE_TARGET_NOT_EMPTY))
                .hasMessageContaining("not empty");
        try (Connection c = PG.connect(target); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from precious")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }

        RestoreResult replaced = lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target),
                RestoreOptions.defaults().replace(true));
        // what the dump has is replaced; a table it does not have was there before, stays, and is reported
        assertThat(replaced.mismatches()).singleElement().asString().startsWith("table public.precious is not in the backup");
        Map<String, String> want = fingerprint(source);
        assertThat(fingerprint(target)).isEqualTo(want);
    }

    @Test
    void dumpIsReadableByStockPgRestore(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source)).store(LocalStore.at(dir)).build();
        BackupResult result = lifeboat.backupNow();
        Path dump = dir.resolve(result.parts().get(0).key());
        Process p = new ProcessBuilder("pg_restore", "--list", dump.toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        assertThat(listing).contains("TABLE DATA public customers").contains("VIEW public customer_totals")
                .contains("SEQUENCE public invoice_seq").contains("INDEX public orders_customer_idx");
    }

    /**
     * The restore compares every table with the manifest: a manifest that claims other counts (here edited by
     * hand; it is unsigned) is reported table by table, and the restored tables are counted, not taken from the
     * statistics that would only have confirmed the right figure.
     */
    @Test
    void restoreReportsEveryTableWhoseRowsDifferFromTheManifest(@TempDir Path dir) throws Exception {
        String source = createShop();
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(source)).store(LocalStore.at(dir)).build();
        BackupResult result = lifeboat.backupNow();
        Path manifest = dir.resolve("backups/" + result.id() + "/manifest.json");
        String json = java.nio.file.Files.readString(manifest);
        assertThat(json).contains("\"public.orders\": 4000").contains("\"audit.events\": 250");
        java.nio.file.Files.writeString(manifest, json.replace("\"public.orders\": 4000", "\"public.orders\": 4001")
                .replace("\"audit.events\": 250", "\"audit.events\": 0"));
        String target = PG.reserveDatabase("lb_differs");

        RestoreResult restored = lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

        assertThat(restored.matchesManifest()).isFalse();
        assertThat(restored.mismatches()).containsExactlyInAnyOrder(
                "table public.orders has 4000 rows, expected 4001", "table audit.events has 250 rows, expected 0");
        assertThat(restored.rowCounts()).containsEntry("public.orders", 4000L).containsEntry("audit.events", 250L)
                .containsEntry("public.customers", 1500L);
        assertThat(fingerprint(target)).isEqualTo(fingerprint(source));
    }
}
