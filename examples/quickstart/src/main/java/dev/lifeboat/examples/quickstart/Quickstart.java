package dev.lifeboat.examples.quickstart;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Postgres;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.Sqlite;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.s3.S3Store;
import dev.lifeboat.store.LocalStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The README's main job. On a machine with only a JDK it creates a small demo application (a SQLite shop
 * database, an uploads folder, a config file), backs it up to a local store, verifies the backup by re-reading
 * every byte, restores it into a scratch location, and compares the restored data with the original.
 *
 * <ul>
 *   <li>The store is {@code ./lifeboat-quickstart/} (or the directory named by {@code LIFEBOAT_STORE}); every run
 *       adds a restore point, readable with stock tools ({@code zstd -dc … | tar -t}).
 *   <li>When {@code LIFEBOAT_PG_URL} is set (e.g. {@code jdbc:postgresql://127.0.0.1:5432/shop?user=postgres}) that
 *       PostgreSQL database is backed up too and restored into a scratch database on the same server, which is
 *       dropped afterwards.
 * </ul>
 *
 * Exits 0 when everything restored identically, 1 otherwise.
 */
public final class Quickstart {
    private Quickstart() {}

    /** Keeps Lifeboat's INFO logging out of the report (held strongly: JUL keeps loggers weakly). */
    private static final java.util.logging.Logger LIFEBOAT_LOG = java.util.logging.Logger.getLogger("dev.lifeboat");

    public static void main(String[] args) throws Exception {
        LIFEBOAT_LOG.setLevel(java.util.logging.Level.WARNING);
        oneLineLogs();
        Path store = Path.of(envOr("LIFEBOAT_STORE", "lifeboat-quickstart")).toAbsolutePath().normalize();
        String pgUrl = System.getenv("LIFEBOAT_PG_URL");
        Path work = Files.createTempDirectory("lifeboat-quickstart-");
        boolean ok;
        try {
            ok = run(store, pgUrl, offsite(), work);
        } catch (LifeboatException e) {
            System.out.println();
            System.out.println("FAILED: " + e.getMessage());
            ok = false;
        } finally {
            DemoApp.deleteTree(work);
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * An S3 store when {@code LIFEBOAT_S3_BUCKET} is set: {@code LIFEBOAT_S3_PREFIX} (default {@code quickstart/}),
     * {@code LIFEBOAT_S3_ENDPOINT} for S3-compatible services (path-style addressing), credentials and region from
     * the AWS SDK's usual sources ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_REGION}, …).
     */
    static Store offsite() {
        String bucket = System.getenv("LIFEBOAT_S3_BUCKET");
        if (bucket == null || bucket.isBlank()) {
            return null;
        }
        S3Store s3 = S3Store.bucket(bucket).prefix(envOr("LIFEBOAT_S3_PREFIX", "quickstart/"));
        String endpoint = System.getenv("LIFEBOAT_S3_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            s3 = s3.endpoint(URI.create(endpoint)).pathStyle(true);
        }
        return s3;
    }

    static boolean run(Path storeDir, String pgUrl, Store offsite, Path work) throws Exception {
        DemoApp app = DemoApp.create(work.resolve("app"));
        System.out.println("Lifeboat quickstart");
        System.out.printf("  demo app   %s%n", app.root());
        System.out.printf("             shop.db (SQLite): %d tables, %d rows; uploads: %d files, %s; config: 1 file%n",
                app.tableCount(), app.rowCount(), app.uploadCount(), bytes(app.uploadBytes()));
        if (pgUrl != null) {
            System.out.printf("  postgres   %s%n", Postgres.url(pgUrl).describe());
        }
        System.out.printf("  store      %s%n", storeDir);
        Path signingKey = storeDir.resolveSibling(storeDir.getFileName() + "-signing.pem");
        System.out.printf("  signing    %s (manifests are signed; restores check the signature)%n", signingKey);
        if (offsite != null) {
            System.out.printf("  offsite    %s%n", offsite.describe());
        }
        System.out.println();

        Lifeboat.Builder builder = Lifeboat.configure()
                .signingKeyFile(signingKey) // created on the first run, mode 0600, outside the store
                .application("quickstart")
                .database("shop", Sqlite.file(app.database()))
                .files("uploads", app.uploads())
                .config("deploy", app.config())
                .store("local", LocalStore.at(storeDir));
        if (offsite != null) {
            builder.store("offsite", offsite); // every part streams to both stores at once
        }
        if (pgUrl != null) {
            builder.database("pg", Postgres.url(pgUrl));
        }
        Lifeboat lifeboat = builder.build();

        BackupResult backup = lifeboat.backupNow();
        System.out.printf("Backup %s  %s  in %s%n", backup.id(), backup.status(), seconds(backup.duration()));
        System.out.printf("  %-26s %10s %10s  %-16s %s%n", "PART", "STORED", "CONTENT", "SHA-256", "TIME");
        for (PartInfo p : backup.parts()) {
            String content = p.kind() != SourceKind.DATABASE ? bytes(p.tree().bytes())
                    : p.rowCounts().values().stream().mapToLong(Long::longValue).sum() + " rows";
            System.out.printf("  %-26s %10s %10s  %-16s %s%n", p.fileName(), bytes(p.size()), content,
                    p.sha256().substring(0, 12) + "…", seconds(Duration.ofMillis(p.durationMillis())));
        }
        backup.manifest().issues().forEach(i -> System.out.println("  note: " + i));
        backup.manifest().stores().forEach(c -> System.out.printf("  store %-8s %s%s%n", c.name(),
                c.complete() ? "complete" : "FAILED: " + c.error(), c.required() ? "" : " (not required)"));

        VerificationReport report = lifeboat.verify(backup.id(), VerifyLevel.CONTENT);
        System.out.printf("%nVerify (re-read and re-hash every part)  %s  %d parts, %s in %s, manifest signature %s%n",
                report.ok() ? "OK" : "FAILED", report.partsChecked(), bytes(report.bytesRead()), seconds(report.duration()),
                report.signature());
        for (Finding f : report.findings()) {
            System.out.println("  " + f);
        }

        Path scratch = work.resolve("restored");
        Files.createDirectories(scratch);
        System.out.printf("%nRestore into %s%n", scratch);
        List<String> problems = new ArrayList<>();

        RestoreResult db = lifeboat.restoreDatabase(backup.id(), "shop", Sqlite.file(scratch.resolve("shop.db")), RestoreOptions.defaults());
        problems.addAll(db.mismatches());
        Map<String, Long> before = DemoApp.rowCounts(app.database());
        Map<String, Long> after = DemoApp.rowCounts(scratch.resolve("shop.db"));
        boolean dbSame = before.equals(after) && DemoApp.checksum(app.database()).equals(DemoApp.checksum(scratch.resolve("shop.db")));
        if (!dbSame) {
            problems.add("shop.db differs after restore: " + before + " vs " + after);
        }
        line("db-shop", dbSame, before.size() + " tables, " + sum(after) + " rows, content identical", db.duration());

        RestoreResult files = lifeboat.restoreFiles(backup.id(), "uploads", scratch.resolve("uploads"), RestoreOptions.defaults());
        problems.addAll(files.mismatches());
        List<String> fileDiff = DemoApp.compareTrees(app.uploads(), scratch.resolve("uploads"));
        problems.addAll(fileDiff);
        line("files-uploads", fileDiff.isEmpty(), files.tree().files() + " files, " + files.tree().directories()
                + " directories, " + files.tree().symlinks() + " symlink, identical by content and mode", files.duration());

        RestoreResult config = lifeboat.restoreConfig(backup.id(), "deploy", scratch.resolve("config"), RestoreOptions.defaults());
        Path restoredConfig = scratch.resolve("config").resolve(app.config().toString().substring(1));
        boolean configSame = Files.exists(restoredConfig) && Files.mismatch(app.config(), restoredConfig) == -1;
        if (!configSame) {
            problems.add("config file differs after restore");
        }
        line("config-deploy", configSame, "restored as " + scratch.relativize(restoredConfig), config.duration());

        if (pgUrl != null) {
            problems.addAll(restorePostgres(lifeboat, backup, pgUrl));
        }

        List<Manifest> points = lifeboat.list();
        System.out.printf("%nRestore points in the store: %d (oldest %s, newest %s)%n", points.size(),
                points.get(0).backupId(), points.get(points.size() - 1).backupId());
        boolean ok = report.ok() && problems.isEmpty();
        problems.forEach(p -> System.out.println("  problem: " + p));
        System.out.println(ok ? "Result: the backup verified and restored to an identical copy."
                : "Result: FAILED, see the problems above.");
        return ok;
    }

    private static List<String> restorePostgres(Lifeboat lifeboat, BackupResult backup, String pgUrl) throws SQLException {
        List<String> problems = new ArrayList<>();
        String scratchDb = "lifeboat_quickstart_" + Long.toHexString(System.nanoTime());
        String scratchUrl = pgUrl.replaceFirst("(jdbc:postgresql://[^/]+/|postgres(?:ql)?://[^/]+/)[^?]+", "$1" + scratchDb);
        try {
            RestoreResult r = lifeboat.restoreDatabase(backup.id(), "pg", Postgres.url(scratchUrl), RestoreOptions.defaults());
            problems.addAll(r.mismatches());
            line("db-pg", r.mismatches().isEmpty(), r.rowCounts().size() + " tables, " + sum(r.rowCounts())
                    + " rows, counts match the manifest (scratch database " + scratchDb + ")", r.duration());
        } finally {
            dropDatabase(pgUrl, scratchDb);
        }
        return problems;
    }

    private static void dropDatabase(String pgUrl, String name) {
        String admin = pgUrl.replaceFirst("(jdbc:postgresql://[^/]+/|postgres(?:ql)?://[^/]+/)[^?]+", "$1postgres");
        if (!admin.startsWith("jdbc:")) {
            return; // libpq-style URLs: leave the scratch database for the operator (named above)
        }
        try (Connection c = DriverManager.getConnection(admin); Statement st = c.createStatement()) {
            st.execute("drop database if exists \"" + name + "\"");
        } catch (SQLException e) {
            System.out.println("  note: could not drop scratch database " + name + ": " + e.getMessage());
        }
    }

    private static void line(String part, boolean ok, String what, Duration d) {
        System.out.printf("  %-14s %-4s %s  (%s)%n", part, ok ? "ok" : "DIFF", what, seconds(d));
    }

    private static long sum(Map<String, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
    }

    /** Lifeboat's warnings as one short line each, so they do not break up the report. */
    private static void oneLineLogs() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setFormatter(new java.util.logging.Formatter() {
                @Override
                public String format(java.util.logging.LogRecord r) {
                    return "  " + r.getLevel().getName().toLowerCase(Locale.ROOT) + ": " + formatMessage(r) + System.lineSeparator();
                }
            });
        }
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
