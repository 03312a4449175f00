package dev.lifeboat;

import dev.lifeboat.api.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A PostgreSQL database, dumped with {@code pg_dump --format=custom} and restored with {@code pg_restore}.
 *
 * <pre>{@code
 * Postgres.url("jdbc:postgresql://127.0.0.1:5432/shop").user("backup").password(Secret.of(pw))
 * Postgres.url(System.getenv("DATABASE_URL"))        // postgres://user:pass@host:5432/shop also works
 * }</pre>
 *
 * The password is handed to {@code pg_dump}/{@code pg_restore} through a temporary 0600 {@code PGPASSFILE},
 * never on a command line. The PostgreSQL JDBC driver ({@code org.postgresql:postgresql}) must be on the
 * classpath: Lifeboat uses it to check the server version, export the dump's snapshot and count rows.
 */
public final class Postgres implements Database {
    /** Default wall-clock limit for one dump or restore. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);

    private final String url;
    private final String user;
    private final Secret password;
    private final Path binDir;
    private final Duration timeout;
    private final boolean rowCounts;

    private Postgres(String url, String user, Secret password, Path binDir, Duration timeout, boolean rowCounts) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.binDir = binDir;
        this.timeout = timeout;
        this.rowCounts = rowCounts;
    }

    /**
     * A database by URL: {@code jdbc:postgresql://host[:port]/db[?user=…&password=…&sslmode=…]} or
     * {@code postgres[ql]://[user[:password]@]host[:port]/db[?sslmode=…]}.
     */
    public static Postgres url(String url) {
        return new Postgres(Objects.requireNonNull(url, "null url"), null, null, null, null, true);
    }

    /** The user to connect as (default: the URL's, else the operating system user). */
    public Postgres user(String user) {
        return new Postgres(url, Objects.requireNonNull(user, "null user"), password, binDir, timeout, rowCounts);
    }

    /** The password (default: the URL's, else none: trust, peer or ~/.pgpass). */
    public Postgres password(Secret password) {
        return new Postgres(url, user, Objects.requireNonNull(password, "null password"), binDir, timeout, rowCounts);
    }

    /**
     * The directory holding {@code pg_dump} and {@code pg_restore} (default: found on PATH). Use it to pick
     * the client matching a newer server, e.g. {@code /usr/lib/postgresql/16/bin}.
     */
    public Postgres binDir(Path binDir) {
        return new Postgres(url, user, password, Objects.requireNonNull(binDir, "null binDir"), timeout, rowCounts);
    }

    /**
     * Wall-clock limit for one dump or restore; the process is killed when it passes (default: the plan's
     * {@code timeout}, for restores {@link #DEFAULT_TIMEOUT}).
     */
    public Postgres timeout(Duration timeout) {
        return new Postgres(url, user, password, binDir, Objects.requireNonNull(timeout, "null timeout"), rowCounts);
    }

    /**
     * Whether to count each table's rows (exactly, in the dump's own snapshot) and record them in the
     * manifest, so a restore can be proven complete (default: true).
     */
    public Postgres rowCounts(boolean rowCounts) {
        return new Postgres(url, user, password, binDir, timeout, rowCounts);
    }

    public String url() {
        return url;
    }

    /** The explicitly set user, or {@code null}. */
    public String user() {
        return user;
    }

    /** The explicitly set password, or {@code null}. */
    public Secret password() {
        return password;
    }

    /** The explicitly set tool directory, or {@code null}. */
    public Path binDir() {
        return binDir;
    }

    /** The explicitly set timeout, or {@code null}. */
    public Duration timeout() {
        return timeout;
    }

    public boolean rowCounts() {
        return rowCounts;
    }

    @Override
    public String describe() {
        return "postgresql " + dev.lifeboat.internal.postgres.PgUrl.redact(url);
    }

    @Override
    public String toString() {
        return describe();
    }
}
