package dev.lifeboat.internal.postgres;

import dev.lifeboat.Postgres;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceContext;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.source.SourceResult;
import dev.lifeboat.internal.io.PipelinedOutputStream;
import dev.lifeboat.internal.process.ExternalProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code pg_dump --format=custom} streamed from stdout, with the guarantees of DESIGN.md §3:
 *
 * <ul>
 *   <li>preflight: pg_dump exists and its major version is at least the server's;
 *   <li>the dump runs in a snapshot exported by Lifeboat's own transaction, so the row counts recorded in the
 *       manifest are exactly those of the dump;
 *   <li>the stream is checked as it passes: {@code pg_restore --list} reads its header and table of contents, and
 *       a {@link CustomArchiveWalk} follows the framing of every data block to the end, so a dump that is empty,
 *       truncated or not a custom-format archive is refused without inflating the data a second time;
 *   <li>success needs exit code 0, non-empty output, pg_restore's approval and a complete walk; a timeout kills
 *       the process.
 * </ul>
 */
public final class PostgresSource implements Source {
    private static final System.Logger LOG = System.getLogger(PostgresSource.class.getName());
    private static final int CHUNK = 256 * 1024;

    private final String name;
    private final Postgres db;

    public PostgresSource(String name, Postgres db) {
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
        return "postgresql-custom";
    }

    @Override
    public String extension() {
        return ".pgdump";
    }

    @Override
    public void preflight(SourceContext context) {
        PgClient client = PgClient.of(db);
        client.prefetchVersions("pg_dump", "pg_restore");
        try (Connection c = client.connect()) {
            tools(client, PgClient.serverVersion(c));
        } catch (SQLException e) {
            throw client.unavailable("cannot query " + client.url(), e);
        }
    }

    /**
     * pg_dump checked against the server's version, pg_restore (which checks every dump) against both: it cannot
     * read archives of a newer pg_dump (Tools.versionLine caches their answers).
     */
    private static CheckedTools tools(PgClient client, PgClient.ServerVersion server) {
        PgClient.ToolVersion dump = client.checkTool("pg_dump", server.major(), server.display());
        return new CheckedTools(dump, client.checkPgRestore(server, dump.version()));
    }

    private record CheckedTools(PgClient.ToolVersion dump, PgClient.ToolVersion restore) {}

    @Override
    public SourceResult write(SourceContext context, OutputStream out) throws IOException {
        PgClient client = PgClient.of(db);
        client.prefetchVersions("pg_dump", "pg_restore");
        Map<String, String> tools = new LinkedHashMap<>();
        try (Connection c = client.connect()) {
            PgClient.ServerVersion server = PgClient.serverVersion(c);
            CheckedTools checkedTools = tools(client, server);
            PgClient.ToolVersion dump = checkedTools.dump();
            PgClient.ToolVersion validate = checkedTools.restore();
            tools.put("server", "PostgreSQL " + server.display());
            tools.put("pg_dump", dump.version());

            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            String snapshot;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            CompletableFuture<Map<String, Long>> counts = db.rowCounts()
                    ? CompletableFuture.supplyAsync(() -> {
                        try {
                            // the counts run beside pg_dump and only need to end before it: without parallel
                            // workers they take one backend's CPU instead of three, and leave the cores to the dump
                            try (Statement st = c.createStatement()) {
                                st.execute("set local max_parallel_workers_per_gather = 0");
                                // a count that waits for a lock (DDL queued on a table) waits no longer than pg_dump
                                // would, and none outlives the dump's deadline: the backup then fails, saying why,
                                // instead of hanging
                                st.execute("set local lock_timeout = " + lockWaitMillis(context));
                                st.execute("set local statement_timeout = " + Math.min(Integer.MAX_VALUE,
                                        Math.max(1000, timeout(context).toMillis())));
                            }
                            return PgClient.rowCounts(c);
                        } catch (SQLException e) {
                            throw client.unavailable("cannot count rows in " + client.url(), e);
                        }
                    }, PostgresSource::daemon)
                    : CompletableFuture.completedFuture(Map.of());

            Map<String, String> env = client.environment(context.tempDirectory());
            try {
                List<String> dumpCmd = new ArrayList<>(List.of(dump.path(), "--format=custom", "--snapshot=" + snapshot,
                        "--lock-wait-timeout=" + lockWaitMillis(context)));
                dumpCmd.addAll(client.connectionArgs());
                stream(dumpCmd, validate.path(), env, context, out, client);
            } finally {
                PgClient.deletePassFile(env);
            }
            Map<String, Long> rows = join(counts);
            c.commit();
            return new SourceResult(tools, rows, null, List.of());
        } catch (SQLException e) {
            throw client.unavailable("cannot prepare the dump of " + client.url(), e);
        }
    }

    private void stream(List<String> dumpCmd, String pgRestore, Map<String, String> env, SourceContext context,
            OutputStream out, PgClient client) throws IOException {
        Duration timeout = timeout(context);
        CustomArchiveWalk walk = new CustomArchiveWalk();
        try (ExternalProcess dump = ExternalProcess.start(dumpCmd, env, timeout);
                RestoreCheck check = new RestoreCheck(pgRestore, timeout, walk)) {
            dump.stdin().close();
            long bytes = 0;
            boolean streamed = false;
            try {
                byte[] buf = new byte[CHUNK];
                InputStream in = dump.stdout();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    out.write(buf, 0, n);
                    bytes += n;
                    walk.write(buf, 0, n);
                    check.write(buf, n);
                }
                streamed = true;
            } finally {
                if (!streamed) {
                    check.kill();
                }
            }
            int dumpExit;
            try {
                dumpExit = dump.waitFor();
            } catch (InterruptedException e) {
                check.kill(); // the check's feeding thread ends too, rather than wait for data forever
                throw e;
            }
            if (dump.timedOut()) {
                throw new SourceException(ErrorCode.DUMP_TIMEOUT, "pg_dump of database \"" + name + "\" did not finish within "
                        + timeout + " and was killed; raise Postgres.timeout(…) or find what blocks it"
                        + " (locks held by long transactions)" + tail(dump, client));
            }
            if (dumpExit != 0) {
                throw new SourceException(ErrorCode.DUMP_FAILED, "pg_dump of database \"" + name + "\" failed with "
                        + ExternalProcess.describeExit(dumpExit) + " after " + bytes + " bytes" + tail(dump, client));
            }
            if (bytes == 0) {
                throw new SourceException(ErrorCode.DUMP_FAILED, "pg_dump of database \"" + name
                        + "\" exited 0 but wrote nothing; an empty dump is never a backup" + tail(dump, client));
            }
            // only now, so that a failure to start or run the check cannot hide pg_dump's own failure
            int checkExit = check.finish();
            String notAnArchive = "pg_dump of database \"" + name + "\" exited 0 but its output (" + bytes
                    + " bytes) is not a complete custom-format archive: ";
            if (checkExit != 0) {
                throw new SourceException(ErrorCode.DUMP_FAILED, notAnArchive + "pg_restore said: "
                        + (check.stderrTail().isEmpty() ? ExternalProcess.describeExit(checkExit) : client.sanitize(check.stderrTail())));
            }
            String broken = walk.finish();
            if (broken != null) {
                throw new SourceException(ErrorCode.DUMP_FAILED, notAnArchive + broken);
            }
            if (!walk.walksData()) {
                LOG.log(Level.INFO, "pg_dump of \"{0}\" wrote archive version {1}, which Lifeboat does not walk;"
                        + " pg_restore read it whole instead", name, walk.versionText());
            }
            if (!dump.stderrTail().isEmpty()) {
                LOG.log(Level.INFO, "pg_dump of \"{0}\" wrote to stderr: {1}", name, client.sanitize(dump.stderrTail()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(ErrorCode.DUMP_FAILED, "interrupted while dumping database \"" + name + "\"", e);
        }
    }

    /**
     * The pg_restore that checks the dump beside the {@link CustomArchiveWalk}: {@code pg_restore --list}, which
     * reads the header and the table of contents (the walk covers the data blocks), or, for an archive version the
     * walk does not read, a {@code pg_restore} that reads the whole archive. It starts once the walk knows the
     * version (the archive's first 8 bytes), and is fed from a thread of its own through a bounded buffer, so a
     * moment where it does not read at once does not stop the reading of pg_dump's output. Once it stops reading
     * (done, or failed: its exit code says which), the rest of the dump is not fed to it.
     */
    private static final class RestoreCheck implements AutoCloseable {
        private final String pgRestore;
        private final Duration timeout;
        private final CustomArchiveWalk walk;
        private ByteArrayOutputStream early = new ByteArrayOutputStream();
        private ExternalProcess process;
        private PipelinedOutputStream ahead;
        private boolean reading = true;

        RestoreCheck(String pgRestore, Duration timeout, CustomArchiveWalk walk) {
            this.pgRestore = pgRestore;
            this.timeout = timeout;
            this.walk = walk;
        }

        void write(byte[] b, int n) throws IOException {
            if (process == null) {
                early.write(b, 0, n);
                if (walk.versionKnown()) {
                    start();
                }
                return;
            }
            feed(b, n);
        }

        private void start() throws IOException {
            List<String> cmd = walk.walksData()
                    ? List.of(pgRestore, "--list", "--file=/dev/null")
                    : List.of(pgRestore, "--file=/dev/null");
            process = ExternalProcess.start(cmd, Map.of(), timeout);
            ahead = new PipelinedOutputStream(process.stdin(), "lifeboat-pg-dump-check");
            byte[] first = early.toByteArray();
            early = null;
            feed(first, first.length);
        }

        private void feed(byte[] b, int n) throws IOException {
            if (!reading) {
                return;
            }
            try {
                ahead.write(b, 0, n);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                reading = false; // pg_restore stopped reading; its exit code says why
            }
        }

        /** The dump has ended: the rest is handed over, pg_restore's input closed, and its exit code returned. */
        int finish() throws IOException, InterruptedException {
            if (process == null) {
                start(); // a dump shorter than a header
            }
            try {
                ahead.close();
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // pg_restore stopped reading; its exit code says why
            }
            try {
                process.stdin().close();
            } catch (IOException e) {
                // already gone
            }
            return process.waitFor();
        }

        String stderrTail() {
            return process.stderrTail();
        }

        /** Kills pg_restore first, so that a write blocked on its full pipe returns, then drops what waits. */
        void kill() {
            if (process != null) {
                process.kill();
            }
            if (ahead != null) {
                ahead.abort();
            }
        }

        @Override
        public void close() {
            kill(); // after finish() pg_restore has exited and the hand-over is closed: nothing left to stop
            if (process != null) {
                process.close();
            }
        }
    }

    /** How long pg_dump (and the row counts) may wait for a table lock: the timeout, between 1 s and 10 min. */
    private long lockWaitMillis(SourceContext context) {
        return Math.max(1000, Math.min(timeout(context).toMillis(), 600_000));
    }

    private Duration timeout(SourceContext context) {
        return db.timeout() != null ? db.timeout() : context.timeout();
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "lifeboat-rowcount");
        t.setDaemon(true);
        t.start();
    }

    /** What the tool wrote to stderr, less any row data the server quoted in it, and the password. */
    private static String tail(ExternalProcess p, PgClient client) {
        String t = p.stderrTail();
        return t.isEmpty() ? "" : ". stderr: " + client.sanitize(t);
    }

    private static Map<String, Long> join(CompletableFuture<Map<String, Long>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(ErrorCode.DUMP_FAILED, "interrupted while counting rows", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new SourceException(ErrorCode.DATABASE_UNAVAILABLE, "cannot count rows: " + e.getCause(), e.getCause());
        }
    }
}
