package dev.lifeboat.internal;

import com.github.luben.zstd.util.Native;
import dev.lifeboat.internal.crypto.AgeFormat;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.util.List;
import java.util.function.Supplier;

/**
 * Loads, on a thread of its own, what backups, restores and verifications need first and is slowest to load: the
 * zstd and Conscrypt native libraries (each is copied out of its jar, loaded and, for Conscrypt, checked against a
 * known answer), the JDK's SHA-256 and X25519, and the PostgreSQL driver, as far as the run will use them
 * ({@link Needs}). A short-lived process (the CLI) starts it before parsing its command line, so this work runs on a
 * core that would otherwise be idle during start-up, instead of later on the critical path; a long-running application gains nothing from it. Only caches are filled: nothing here changes what
 * the process does, and any failure is ignored (the same code runs again, and reports, where it is needed).
 */
public final class Warmup {
    private Warmup() {}

    /**
     * What a run will use beyond zstd and SHA-256, which every backup, restore and verification loads: age
     * encryption (Conscrypt, X25519) and PostgreSQL (the driver). Loading what a run does not use costs a core
     * ≈ 0.1–0.2 s that the run's own work could have had.
     */
    public record Needs(boolean crypto, boolean postgres) {
        /** Everything: for a caller that cannot tell. */
        public static final Needs ALL = new Needs(true, true);
    }

    /**
     * Starts the warm-up on a daemon thread and returns it; {@code needs} is asked on that thread (it may read a
     * file), and when it fails everything is warmed up.
     */
    public static Thread start(Supplier<Needs> needs) {
        Thread t = new Thread(() -> run(needs), "lifeboat-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY - 1);
        t.start();
        return t;
    }

    /**
     * Waits, at most {@code millis}, for a warm-up thread to end: a process about to exit calls this so that a
     * native library is not left half-copied in the temporary directory.
     */
    public static void await(Thread warmup, long millis) {
        if (warmup == null) {
            return;
        }
        try {
            warmup.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(Supplier<Needs> needs) {
        Needs n;
        try {
            n = needs.get();
        } catch (RuntimeException e) {
            n = Needs.ALL;
        }
        quietly(() -> {
            Native.load();
            return null;
        });
        quietly(() -> MessageDigest.getInstance("SHA-256"));
        if (n.crypto()) {
            quietly(() -> KeyFactory.getInstance("X25519"));
            quietly(AgeFormat::defaultThreads); // loads Conscrypt, when it is on the class path
        }
        if (n.postgres()) {
            // the first PostgreSQL connection of a process costs ≈ 160 ms, mostly loading the driver; ≈ 80 ms after this
            quietly(DriverManager::getDrivers);
            for (String name : PGJDBC) {
                quietly(() -> Class.forName(name));
            }
            quietly(() -> {
                new Socket().close();
                return InetAddress.getByName("127.0.0.1");
            });
        }
    }

    /** The classes of pgjdbc that its first connection loads and that take longest to load and initialize. */
    private static final List<String> PGJDBC = List.of("org.postgresql.Driver", "org.postgresql.PGProperty",
            "org.postgresql.jdbc.PgConnection", "org.postgresql.core.v3.ConnectionFactoryImpl",
            "org.postgresql.core.v3.QueryExecutorImpl", "org.postgresql.core.PGStream", "org.postgresql.jdbc.PgStatement",
            "org.postgresql.jdbc.PgPreparedStatement", "org.postgresql.jdbc.PgResultSet", "org.postgresql.core.Parser",
            "org.postgresql.core.Encoding", "org.postgresql.jdbc.TypeInfoCache", "org.postgresql.core.v3.SimpleQuery");

    private interface Step {
        Object run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception | LinkageError e) {
            // only a cache was not filled; the code that needs it will load it, and report a failure, itself
        }
    }
}
