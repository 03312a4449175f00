package dev.lifeboat.testing;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for tests, with throwaway databases.
 *
 * <pre>{@code
 * @RegisterExtension static final TestPostgres PG = TestPostgres.fromEnvironment();
 * ...
 * String url = PG.createDatabase("shop");   // jdbc:postgresql://127.0.0.1:5432/shop_1a2b3c?user=postgres
 * }</pre>
 *
 * The server is {@code LIFEBOAT_TEST_PG_URL} (a JDBC URL of a database with CREATEDB rights, default
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}). When it cannot be reached the test class is
 * skipped locally and fails under {@code CI=true}. Databases created through this extension are dropped after
 * the test class.
 */
public final class TestPostgres implements BeforeAllCallback, AfterAllCallback {
    /** The default server: the local PostgreSQL with trust authentication. */
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String adminUrl;
    private final List<String> created = new ArrayList<>();

    private TestPostgres(String adminUrl) {
        this.adminUrl = adminUrl;
    }

    /** The server named by {@code LIFEBOAT_TEST_PG_URL}, else {@link #DEFAULT_URL}. */
    public static TestPostgres fromEnvironment() {
        String url = System.getenv("LIFEBOAT_TEST_PG_URL");
        return new TestPostgres(url == null || url.isBlank() ? DEFAULT_URL : url);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Requirements.require(reachable(), "a PostgreSQL server at " + adminUrl + " (set LIFEBOAT_TEST_PG_URL)");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (String db : created) {
            dropDatabase(db);
        }
        created.clear();
    }

    /** Whether the server answers. */
    public boolean reachable() {
        try (Connection c = DriverManager.getConnection(adminUrl)) {
            return c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    /** The server's major version: 15 for 15.20. */
    public int serverMajor() {
        try (Connection c = DriverManager.getConnection(adminUrl)) {
            return c.getMetaData().getDatabaseMajorVersion();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the server version of " + adminUrl + ": " + e.getMessage(), e);
        }
    }

    /** The administrative JDBC URL. */
    public String adminUrl() {
        return adminUrl;
    }

    /** Creates an empty database named {@code prefix_<random>} and returns its JDBC URL (same credentials). */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + Long.toHexString(RANDOM.nextLong() & 0xffffffffffL);
        execute("create database \"" + name + "\"");
        created.add(name);
        return urlOf(name);
    }

    /** A database name to restore into later (not created; dropped after the class if it exists then). */
    public String reserveDatabase(String prefix) {
        String name = prefix + "_" + Long.toHexString(RANDOM.nextLong() & 0xffffffffffL);
        created.add(name);
        return urlOf(name);
    }

    /** The JDBC URL of database {@code name} on this server, with the admin URL's parameters. */
    public String urlOf(String name) {
        int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
        int q = adminUrl.indexOf('?', slash);
        return adminUrl.substring(0, slash + 1) + name + (q < 0 ? "" : adminUrl.substring(q));
    }

    /** The database name in a URL made by {@link #urlOf}. */
    public static String databaseOf(String url) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int q = url.indexOf('?', slash);
        return url.substring(slash + 1, q < 0 ? url.length() : q);
    }

    /** Opens a connection to {@code url}. */
    public Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Whether the database of {@code url} (a URL made by {@link #urlOf}) exists on the server. */
    public boolean databaseExists(String url) {
        try (Connection c = DriverManager.getConnection(adminUrl);
                java.sql.PreparedStatement st = c.prepareStatement("select count(*) from pg_database where datname = ?")) {
            st.setString(1, databaseOf(url));
            try (java.sql.ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list the databases on " + adminUrl + ": " + e.getMessage(), e);
        }
    }

    /** Runs SQL on the admin database. */
    public void execute(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run \"" + sql + "\" on " + adminUrl + ": " + e.getMessage(), e);
        }
    }

    /** Drops a database, terminating its sessions first. */
    public void dropDatabase(String name) {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
            st.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + name.replace("'", "''") + "'");
            st.execute("drop database if exists \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            // best effort
        }
    }
}
