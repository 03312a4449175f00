package dev.lifeboat.internal.postgres;

import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.internal.io.PipelinedInputStream;
import dev.lifeboat.internal.process.ExternalProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Restores a custom-format dump into a database with
 * {@code pg_restore --no-owner --no-acl --exit-on-error --single-transaction}, reading from the store as it
 * streams. The whole restore is one transaction, and the stream withholds its tail until the part's hash is
 * verified: a tampered or truncated part, or any pg_restore error, leaves the target as it was.
 */
public final class PgRestorer {
    private static final System.Logger LOG = System.getLogger(PgRestorer.class.getName());
    /** How long pg_restore may take to exit once it has stopped reading its input. */
    private static final Duration STOPPED_READING_GRACE = Duration.ofSeconds(30);
    private final PgClient target;
    /** Whether {@link #prepare} created the target database, which {@link #discardCreated} then drops. */
    private boolean created;

    public PgRestorer(PgClient target) {
        this.target = target;
    }

    /**
     * Checks the target before anything is read: reachable, empty unless replacing. A missing target database is
     * created when {@code create} is set (and dropped again by {@link #discardCreated} if the restore fails);
     * otherwise only whether it could be created is checked, so a preflight changes nothing on the server.
     */
    public void prepare(PartInfo part, boolean replace, boolean create) {
        // before a database is created: a name pg_restore would get mangled is refused while nothing has changed
        target.requireOnCommandLine("restore target");
        target.prefetchVersions("pg_restore");
        try (Connection c = connectCreatingDatabase(create)) {
            PgClient.ServerVersion server = PgClient.serverVersion(c);
            target.checkPgRestore(server, part.tools().get("pg_dump"));
            if (!c.getCatalog().equals(target.database())) {
                return; // the target does not exist yet: nothing in it to refuse
            }
            long relations = PgClient.userRelationCount(c);
            if (relations > 0 && !replace) {
                throw new RestoreException(ErrorCode.RESTORE_TARGET_NOT_EMPTY, "target database \"" + target.database()
                        + "\" on " + target.url().host() + ":" + target.url().port() + " is not empty (" + relations
                        + " relations); restore into an empty database, or ask to replace (--replace / RestoreOptions.replace())");
            }
        } catch (SQLException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot inspect target database: "
                    + target.unavailable("", e).getMessage());
        }
    }

    /** Streams {@code in} into pg_restore. {@code in} must throw if the part fails verification at its end. */
    public void restore(InputStream in, boolean replace, Path privateDir, String partName) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(target.tool("pg_restore"), "--no-owner", "--no-acl",
                "--exit-on-error", "--single-transaction"));
        if (replace) {
            cmd.add("--clean");
            cmd.add("--if-exists");
        }
        cmd.addAll(target.connectionArgs());
        Map<String, String> env = target.environment(privateDir);
        // the part is read from the store and verified ahead, on another thread, while this one feeds pg_restore
        try (ExternalProcess p = ExternalProcess.start(cmd, env, target.timeout());
                PipelinedInputStream ahead = new PipelinedInputStream(in, "lifeboat-pg-restore-read-ahead")) {
            OutputStream stdin = p.stdin();
            byte[] buf = new byte[256 * 1024];
            int n;
            boolean stoppedReading = false;
            try {
                while ((n = ahead.read(buf)) >= 0) {
                    stdin.write(buf, 0, n);
                }
                stdin.close();
            } catch (LifeboatException e) {
                p.kill(); // the single transaction is rolled back
                throw e;
            } catch (IOException e) {
                // pg_restore stopped reading: it failed (its exit code and stderr say why), or it was done early;
                // either way it is exiting, and its exit code is the one to go by
                if (!p.waitFor(STOPPED_READING_GRACE)) {
                    p.kill();
                    throw e;
                }
                stoppedReading = true;
            }
            int exit = p.waitFor();
            if (p.timedOut()) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "pg_restore of " + partName + " did not finish within "
                        + target.timeout() + " and was killed; nothing was committed");
            }
            if (exit != 0) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "pg_restore of " + partName + " into database \""
                        + target.database() + "\" failed with exit code " + exit + "; nothing was committed. stderr: "
                        + target.sanitize(p.stderrTail()));
            }
            if (stoppedReading) {
                // pg_restore committed without reading the whole part; the rest must still match the manifest
                try {
                    ahead.transferTo(OutputStream.nullOutputStream());
                } catch (LifeboatException | IOException e) {
                    // RESTORE_FAILED, not INTEGRITY: the target has changed, so no other copy may be tried into it
                    String state = discardCreated()
                            ? "\" held data that may not be the backup's and, created by this restore, is dropped again;"
                            + " restore from another copy ("
                            : "\" holds data that may not be the backup's; drop it and restore from another copy (";
                    throw new RestoreException(ErrorCode.RESTORE_FAILED, "pg_restore finished and committed before"
                            + " the end of " + partName + ", and the rest of it could not be verified: database \""
                            + target.database() + state + e.getMessage() + ")", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "interrupted while restoring " + partName, e);
        } finally {
            PgClient.deletePassFile(env);
        }
    }

    /**
     * Counts rows in the restored database and lists differences from the manifest. A table whose statistics
     * already show the manifest's count is not scanned again (see {@link PgClient#rowCounts(Connection, Map)}). After
     * a {@code replace}, a table the backup does not have is a difference too.
     */
    public PgClient.RowCounts countRows(PartInfo part, boolean replace, List<String> mismatches) {
        try (Connection c = target.connect()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            PgClient.RowCounts counted = PgClient.rowCounts(c, part.rowCounts());
            Map<String, Long> actual = counted.counts();
            c.commit();
            LOG.log(System.Logger.Level.INFO, "{0}: {1} tables in \"{2}\", {3} of them counted, the rest read from the"
                    + " server''s statistics (they match the manifest)", part.qualifiedName(), actual.size(),
                    target.database(), actual.size() - counted.fromStatistics().size());
            if (!part.rowCounts().isEmpty()) {
                Map<String, Long> expected = new TreeMap<>(part.rowCounts());
                for (Map.Entry<String, Long> e : expected.entrySet()) {
                    Long got = actual.get(e.getKey());
                    if (got == null) {
                        mismatches.add("table " + e.getKey() + " is missing (expected " + e.getValue() + " rows)");
                    } else if (!got.equals(e.getValue())) {
                        mismatches.add("table " + e.getKey() + " has " + got + " rows, expected " + e.getValue());
                    }
                }
                // a replace drops and recreates what the dump has; a table it does not have was there before and stays
                // (into an empty database, a table not counted at backup time is one a standby could not count)
                if (replace) {
                    for (String table : new TreeMap<>(actual).keySet()) {
                        if (!expected.containsKey(table)) {
                            mismatches.add("table " + table + " is not in the backup: it was in the database before the"
                                    + " restore and was left as it was (restore into a new database for the backup alone)");
                        }
                    }
                }
            }
            return counted;
        } catch (SQLException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "restored, but cannot count rows: "
                    + target.unavailable("", e).getMessage());
        }
    }

    /**
     * Drops the target database if {@link #prepare} created it, so a failed restore leaves the server as it found
     * it; returns whether it did. Best effort: a database that cannot be dropped is logged and left.
     */
    public boolean discardCreated() {
        if (!created) {
            return false;
        }
        created = false;
        try (Connection admin = target.connect("postgres"); Statement st = admin.createStatement()) {
            st.execute("drop database if exists " + PgClient.quote(target.database()) + " with (force)");
            LOG.log(System.Logger.Level.INFO, "dropped database \"{0}\", created for a restore that failed",
                    target.database());
            return true;
        } catch (SQLException | LifeboatException e) {
            LOG.log(System.Logger.Level.WARNING, "database \"{0}\" was created for a restore that failed and could"
                    + " not be dropped again: {1}", target.database(),
                    e instanceof SQLException ? target.sanitize(String.valueOf(e.getMessage())) : e.getMessage());
            return false;
        }
    }

    /**
     * A connection to the target database; when it does not exist, it is created first ({@code create}), or a
     * connection to the server's {@code postgres} database is returned once the user is seen to be allowed to
     * create it.
     */
    private Connection connectCreatingDatabase(boolean create) {
        try {
            return target.connect();
        } catch (LifeboatException e) {
            if (!e.getMessage().contains("3D000")) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot connect to the restore target: " + e.getMessage());
            }
        }
        Connection admin;
        try {
            admin = target.connect("postgres");
        } catch (LifeboatException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "target database \"" + target.database()
                    + "\" does not exist and cannot be created: " + e.getMessage());
        }
        try (Statement st = admin.createStatement()) {
            if (!create) {
                try (java.sql.ResultSet rs = st.executeQuery(
                        "select rolcreatedb or rolsuper from pg_roles where rolname = current_user")) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return admin;
                    }
                }
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "target database \"" + target.database()
                        + "\" does not exist and the restoring user may not create it; create it first"
                        + " (createdb), or grant the user CREATEDB");
            }
            // from template0, as PostgreSQL's docs say for a pg_dump archive: template1 may hold objects (PostGIS's
            // spatial_ref_sys, a site-wide audit table) that would make it "not empty" or clash with the dump's
            st.execute("create database " + PgClient.quote(target.database()) + " template template0");
            created = true;
            admin.close();
        } catch (SQLException e) {
            close(admin);
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "target database \"" + target.database()
                    + "\" does not exist and cannot be created (" + target.sanitize(String.valueOf(e.getMessage()))
                    + "); create it first (createdb)");
        } catch (RuntimeException e) {
            close(admin);
            throw e;
        }
        return target.connect();
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing a connection that failed; nothing to keep
        }
    }
}
