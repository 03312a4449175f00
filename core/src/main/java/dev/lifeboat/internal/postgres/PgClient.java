package dev.lifeboat.internal.postgres;

import dev.lifeboat.Postgres;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.Secret;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.internal.process.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything Lifeboat needs to talk to one PostgreSQL database: JDBC connections, the environment and
 * arguments for libpq tools (password through a 0600 PGPASSFILE, never argv), version checks and row counts.
 */
public final class PgClient {
    /**
     * libpq variables that steer where and how a tool connects. Inherited from the application's environment they
     * would make pg_dump talk to another server ({@code PGHOSTADDR}), with other options ({@code PGOPTIONS}) or
     * weaker TLS than the JDBC connections that count rows and check versions: they are removed, and only what the
     * URL says is set. (PGPASSWORD and PGPASSFILE stay when no password is configured: trust, peer and pgpass files
     * are documented ways to authenticate.)
     */
    private static final List<String> CONNECTION_ENV = List.of("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
            "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGSSLMODE", "PGREQUIRESSL",
            "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT", "PGSSLCRL", "PGSSLCRLDIR", "PGSSLSNI", "PGSSLCOMPRESSION",
            "PGSSLMINPROTOCOLVERSION", "PGSSLMAXPROTOCOLVERSION", "PGREQUIREPEER", "PGGSSENCMODE", "PGKRBSRVNAME",
            "PGGSSLIB", "PGCHANNELBINDING", "PGREQUIREAUTH", "PGCONNECT_TIMEOUT", "PGTARGETSESSIONATTRS",
            "PGLOADBALANCEHOSTS", "PGGSSDELEGATION", "PGSSLCERTMODE");

    private final PgUrl url;
    private final String user;
    private final Secret password;
    private final Path binDir;
    private final Duration timeout;

    public PgClient(PgUrl url, String user, Secret password, Path binDir, Duration timeout) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.binDir = binDir;
        this.timeout = timeout;
    }

    /** Parses the descriptor's URL (throws IllegalArgumentException with the expected shape). */
    public static PgClient of(Postgres db) {
        PgUrl u = PgUrl.parse(db.url());
        return new PgClient(u,
                db.user() != null ? db.user() : u.user(),
                db.password() != null ? db.password() : u.password(),
                db.binDir(), db.timeout() != null ? db.timeout() : Postgres.DEFAULT_TIMEOUT);
    }

    public PgUrl url() {
        return url;
    }

    /**
     * Whether the password can reach pg_dump and pg_restore: a pgpass file is read line by line, so a line break
     * would cut it (and authentication would fail with nothing to say why).
     */
    public boolean passwordFitsPgpass() {
        return password == null || (password.reveal().indexOf('\n') < 0 && password.reveal().indexOf('\r') < 0);
    }

    /** The problem {@link #passwordFitsPgpass()} finds, for configuration errors; never the password. */
    public static final String PASSWORD_LINE_BREAK = "free of line breaks (a pgpass file, which carries it to pg_dump and"
            + " pg_restore, cannot hold them)";

    public String database() {
        return url.database();
    }

    public Duration timeout() {
        return timeout;
    }

    public String tool(String name) {
        return binDir != null ? Tools.command(binDir, name) : DebianClients.resolve(name);
    }

    /** A client for another database on the same server, with the same credentials. */
    public PgClient forDatabase(String db) {
        return new PgClient(url.withDatabase(db), user, password, binDir, timeout);
    }

    /** Fails with a clear message when the PostgreSQL JDBC driver is missing. */
    public static void requireDriver() {
        try {
            Class.forName("org.postgresql.Driver");
        } catch (ClassNotFoundException e) {
            throw new SourceException(ErrorCode.DATABASE_UNAVAILABLE, "the PostgreSQL JDBC driver is not on the classpath;"
                    + " add the dependency org.postgresql:postgresql");
        }
    }

    /** Opens a JDBC connection. Errors name the server and database, never the password. */
    public Connection connect() {
        return connect(url.database());
    }

    public Connection connect(String database) {
        requireDriver();
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password.reveal());
        }
        props.setProperty("ApplicationName", "lifeboat");
        props.setProperty("connectTimeout", "30");
        url.params().forEach((k, v) -> {
            if (!k.equals("sslmode")) {
                props.setProperty(k, v);
            }
        });
        try {
            return DriverManager.getConnection(url.jdbcUrl(database), props);
        } catch (SQLException e) {
            throw unavailable("cannot connect to " + url.withDatabase(database), e);
        }
    }

    /** {@code SHOW server_version} and {@code server_version_num}. */
    public static ServerVersion serverVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select current_setting('server_version'), current_setting('server_version_num')::int")) {
            rs.next();
            return new ServerVersion(rs.getString(1), rs.getInt(2) / 10000);
        }
    }

    /** The server version: its display string and major number. */
    public record ServerVersion(String display, int major) {}

    /** Starts asking the named libpq tools for their versions while a connection is opened (see Tools.prefetch). */
    public void prefetchVersions(String... names) {
        for (String name : names) {
            Tools.prefetch(tool(name));
        }
    }

    /** The version and major number of a libpq tool, checked to be at least the server's major version. */
    public ToolVersion checkTool(String name, int serverMajor, String serverDisplay) {
        return requireTool(name, serverMajor, "the server (PostgreSQL " + serverDisplay + ")");
    }

    /**
     * pg_restore, checked against the server and against pg_dump {@code dumpVersion} ("17.2"; null when unknown):
     * it cannot read the archives of a newer pg_dump.
     */
    public ToolVersion checkPgRestore(ServerVersion server, String dumpVersion) {
        int[] v = dumpVersion == null ? null : Tools.parseVersion(dumpVersion);
        return v != null && v[0] > server.major()
                ? requireTool("pg_restore", v[0], "pg_dump " + dumpVersion + ", whose archives it must read")
                : checkTool("pg_restore", server.major(), server.display());
    }

    /**
     * The version and major number of a libpq tool, checked to be at least {@code neededMajor}, which {@code why}
     * explains ("the server (PostgreSQL 15.4)", "pg_dump 17.2, whose archives it must read").
     */
    private ToolVersion requireTool(String name, int neededMajor, String why) {
        String tool = tool(name);
        String hint = "Install the PostgreSQL " + neededMajor + " client tools (e.g. apt-get install postgresql-client-"
                + neededMajor + ") and point Postgres.binDir(…) at them (e.g. /usr/lib/postgresql/" + neededMajor + "/bin).";
        String line = Tools.versionLine(tool, hint);
        int[] v = Tools.parseVersion(line.replaceFirst("^[^)]*\\)", ""));
        if (v == null) {
            throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "cannot read the version of " + tool + " from \"" + line + "\". " + hint);
        }
        String display = v[0] + "." + v[1];
        if (v[0] < neededMajor) {
            throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, tool + " is version " + display + ", older than " + why
                    + "; " + name + " " + neededMajor + " or newer is needed. " + hint);
        }
        return new ToolVersion(tool, display, v[0]);
    }

    public record ToolVersion(String path, String version, int major) {}

    /**
     * Arguments that select the server and database for a libpq tool. No secrets: the password goes through
     * {@link #environment(Path)}.
     */
    public List<String> connectionArgs() {
        requireOnCommandLine("database");
        List<String> args = new ArrayList<>();
        args.add("--host=" + url.host());
        args.add("--port=" + url.port());
        if (user != null) {
            args.add("--username=" + user);
        }
        // as a connection string: a bare name holding '=' (or starting "postgresql://") would be read as one by
        // libpq, and could even name another server; quoted, the name is only ever the database's name
        args.add("--dbname=dbname='" + url.database().replace("\\", "\\\\").replace("'", "\\'") + "'");
        args.add("--no-password");
        return args;
    }

    /**
     * Under a C/POSIX locale the JVM writes command lines in ASCII: a name with other characters would reach the tool
     * as '?'s, and name another database, or none. Said so instead, naming {@code what} (the setting or role).
     */
    public void requireOnCommandLine(String what) {
        List<String> names = namesNotOnCommandLine();
        if (!names.isEmpty()) {
            throw new ConfigurationException(what, "a " + names.get(0) + " of " + NOT_ON_COMMAND_LINE,
                    "\"" + PgUrl.redact(url.toString()) + "\"");
        }
    }

    /** Whether this JVM can pass {@code name} on a command line unchanged. */
    private static boolean onCommandLine(String name) {
        try {
            return java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode(name);
        } catch (IllegalArgumentException e) {
            return true; // an encoding this JVM cannot name: let the tool say what it got
        }
    }

    /** What a name {@link #onCommandLine} refuses must be. */
    public static final String NOT_ON_COMMAND_LINE = "characters this JVM can pass on a command line (it encodes them as "
            + System.getProperty("sun.jnu.encoding", "UTF-8") + ", from a C/POSIX locale): run it with a UTF-8 locale"
            + " (LANG=C.UTF-8)";

    /** The database and user names {@link #onCommandLine} refuses, each with what it is. */
    public List<String> namesNotOnCommandLine() {
        List<String> out = new ArrayList<>();
        if (!onCommandLine(url.database())) {
            out.add("database name");
        }
        if (user != null && !onCommandLine(user)) {
            out.add("user name");
        }
        return out;
    }

    /**
     * The environment for a libpq tool. When a password is configured it is written to a 0600 PGPASSFILE in
     * {@code privateDir} (the caller deletes it) and PGPASSWORD is removed from the inherited environment.
     */
    public Map<String, String> environment(Path privateDir) throws IOException {
        Map<String, String> env = new HashMap<>();
        CONNECTION_ENV.forEach(v -> env.put(v, null)); // removed from the inherited environment
        env.put("PGAPPNAME", "lifeboat");
        if (DebianClients.bypassesWrapper(tool("pg_restore")) && System.getenv("PGSYSCONFDIR") == null) {
            env.put("PGSYSCONFDIR", "/etc/postgresql-common"); // what pg_wrapper sets (pg_service.conf lives there)
        }
        url.params().forEach((k, v) -> {
            String name = PgUrl.PARAM_ENV.get(k);
            if (name != null) {
                env.put(name, v);
            }
        });
        if ("true".equalsIgnoreCase(url.params().get("ssl")) && !url.params().containsKey("sslmode")) {
            env.put("PGSSLMODE", "verify-full"); // what the JDBC driver makes of ssl=true
        }
        if (password != null) {
            if (!passwordFitsPgpass()) {
                throw new ConfigurationException("password", PASSWORD_LINE_BREAK, "a password with a line break (not shown)");
            }
            Path file = privateDir.resolve("pgpass-" + System.nanoTime());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            String line = "*:*:*:*:" + password.reveal().replace("\\", "\\\\").replace(":", "\\:") + "\n";
            Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
            env.put("PGPASSFILE", file.toString());
            env.put("PGPASSWORD", null);
        }
        return env;
    }

    /** Deletes the PGPASSFILE named in {@code env}, if any. */
    public static void deletePassFile(Map<String, String> env) {
        String f = env.get("PGPASSFILE");
        if (f != null) {
            try {
                Files.deleteIfExists(Path.of(f));
            } catch (IOException e) {
                // the private temp dir is deleted after the run as well
            }
        }
    }

    /**
     * Exact row counts of every ordinary table (not belonging to an extension), keyed {@code schema.table},
     * as seen by {@code c}'s current snapshot.
     */
    public static Map<String, Long> rowCounts(Connection c) throws SQLException {
        return rowCounts(c, Map.of()).counts();
    }

    /**
     * Row counts of the user tables, in schema and name order. Where {@code expected} names a table and the
     * server's cumulative statistics say that exactly that many rows were inserted into it and are live, with
     * nothing updated or deleted (a table created and filled by a restore that has just committed), the figure
     * is taken from the statistics; every other table is counted with {@code count(*)}. The statistics can only
     * agree with {@code expected} when the rows are there, so a difference is always settled by counting, and
     * the full scans (which on freshly restored tables also set every tuple's hint bits) are skipped only for
     * tables that already match.
     */
    public static RowCounts rowCounts(Connection c, Map<String, Long> expected) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        Set<String> fromStatistics = new TreeSet<>();
        List<String[]> toCount = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select n.nspname, c.relname,"
                        + " s.n_tup_ins, s.n_live_tup, s.n_tup_upd, s.n_tup_del from pg_class c"
                        + " join pg_namespace n on n.oid = c.relnamespace"
                        + " left join pg_stat_user_tables s on s.relid = c.oid"
                        + " where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')"
                        // a standby cannot read unlogged tables (and pg_dump leaves their data out there)
                        + " and (c.relpersistence <> 'u' or not pg_is_in_recovery())"
                        + " and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'"
                        + " and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass"
                        + "   and d.objid = c.oid and d.deptype = 'e')"
                        + " order by 1, 2")) {
            while (rs.next()) {
                String name = tableKey(rs.getString(1), rs.getString(2));
                Long want = expected.get(name);
                long inserted = rs.getLong(3);
                boolean known = !rs.wasNull();
                if (want != null && known && inserted == want && rs.getLong(4) == want
                        && rs.getLong(5) == 0 && rs.getLong(6) == 0) {
                    counts.put(name, want);
                    fromStatistics.add(name);
                } else {
                    counts.put(name, null);
                    toCount.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        try (Statement st = c.createStatement()) {
            for (String[] t : toCount) {
                try (ResultSet rs = st.executeQuery("select count(*) from " + quote(t[0]) + "." + quote(t[1]))) {
                    rs.next();
                    counts.put(tableKey(t[0], t[1]), rs.getLong(1));
                }
            }
        }
        return new RowCounts(counts, fromStatistics);
    }

    /**
     * The manifest's key of a table: {@code schema.table}, each name in double quotes (doubled inside) when it holds
     * a dot or a double quote, so that {@code "a.b".c} and {@code a."b.c"} stay two tables. Ordinary names read as
     * they always have: {@code public.orders}.
     */
    static String tableKey(String schema, String table) {
        return keyName(schema) + "." + keyName(table);
    }

    private static String keyName(String name) {
        return name.indexOf('.') < 0 && name.indexOf('"') < 0 ? name : quote(name);
    }

    /** Row counts per table, and the tables whose count was read from the server's statistics. */
    public record RowCounts(Map<String, Long> counts, Set<String> fromStatistics) {
    }

    /** Number of user relations (tables, views, sequences, …) outside the system schemas. */
    public static long userRelationCount(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        + " where n.nspname not in ('pg_catalog', 'information_schema')"
                        + " and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    public SourceException unavailable(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
        String msg = e.getMessage() == null ? "" : ": " + sanitize(e.getMessage());
        return new SourceException(ErrorCode.DATABASE_UNAVAILABLE, what + msg + state, null);
    }

    /** Removes the configured password from a driver message, in case a driver ever echoes it. */
    public String sanitize(String message) {
        String m = withholdRowData(message);
        if (password == null || password.isEmpty()) {
            return m;
        }
        return m.replace(password.reveal(), "***");
    }

    private static final java.util.regex.Pattern DETAIL = java.util.regex.Pattern.compile("(?m)^(\\s*DETAIL:\\s+).+$");
    private static final java.util.regex.Pattern COPY_CONTEXT =
            java.util.regex.Pattern.compile("(?m)^(\\s*CONTEXT:\\s+COPY \\S+, line \\d+)(?:, column [^:]*)?: .*$");

    /**
     * A server message without the row data PostgreSQL quotes in it: a {@code DETAIL} line ("Key (email)=(…)
     * already exists", "Failing row contains (…)") and the value a {@code COPY} context line shows. Messages reach
     * logs, exceptions and the CLI's output, where a dump's content (tokens, personal data) must not.
     */
    static String withholdRowData(String message) {
        String m = DETAIL.matcher(message).replaceAll("$1(withheld: it may quote row data)");
        return COPY_CONTEXT.matcher(m).replaceAll("$1: (value withheld)");
    }
}
