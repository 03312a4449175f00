package dev.lifeboat.internal.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running external tool (pg_dump, pg_restore, …) with the guarantees Lifeboat needs:
 *
 * <ul>
 *   <li>stderr is drained concurrently into a bounded buffer (a flood cannot deadlock or exhaust memory);
 *   <li>a wall-clock deadline kills the process tree (children first, so a killed shell cannot leave a
 *       grandchild holding the pipes open);
 *   <li>{@link #close()} kills and reaps it on every path.
 * </ul>
 *
 * Arguments must never contain secrets: they are visible to every local user and are logged. Secrets go
 * through files named in the environment (PGPASSFILE) or the first argument (--defaults-extra-file).
 */
public final class ExternalProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExternalProcess.class.getName());
    private static final int STDERR_LIMIT = 16 * 1024;
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private final String display;
    private final Process process;
    private final Thread stderrDrain;
    private final BoundedText stderr = new BoundedText(STDERR_LIMIT);
    private final AtomicBoolean timedOut = new AtomicBoolean();
    private final Thread watchdog;

    private ExternalProcess(String display, Process process, Duration timeout) {
        this.display = display;
        this.process = process;
        this.stderrDrain = daemon("lifeboat-stderr-" + process.pid(), this::drainStderr);
        this.watchdog = daemon("lifeboat-watchdog-" + process.pid(), () -> watch(timeout));
    }

    /**
     * Starts {@code command}. {@code environment} entries are added to the inherited environment, less what
     * {@link #withoutOurSecrets} removes; a {@code null} value removes the variable.
     */
    public static ExternalProcess start(List<String> command, Map<String, String> environment, Duration timeout)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        withoutOurSecrets(env);
        environment.forEach((k, v) -> {
            if (v == null) {
                env.remove(k);
            } else {
                env.put(k, v);
            }
        });
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        String display = String.join(" ", command);
        LOG.log(Level.DEBUG, "starting: {0}", display);
        Process p = pb.start();
        return new ExternalProcess(display, p, timeout);
    }

    /**
     * Removes from an inherited environment what no dump or restore tool needs and may hold secrets: Lifeboat's own
     * settings ({@code LIFEBOAT_…}, passwords and S3 keys among them), the AWS SDK's credentials, and the
     * application's own secrets by their usual names ({@code DATABASE_URL}, {@code SPRING_DATASOURCE_PASSWORD},
     * {@code STRIPE_SECRET_KEY}, {@code GITHUB_TOKEN}…). What a tool does need stays: libpq's {@code PG…} variables
     * (set or removed by the caller), {@code PATH}, {@code HOME}, locale, {@code TZ}, Kerberos' {@code KRB5…}.
     */
    static void withoutOurSecrets(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.equals("AWS_SECRET_ACCESS_KEY")
                || k.equals("AWS_SESSION_TOKEN") || k.equals("AWS_SECURITY_TOKEN") || applicationSecret(k));
    }

    private static final java.util.regex.Pattern SECRET_NAME = java.util.regex.Pattern.compile(
            "(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY|DATABASE_URL|DB_URL|DSN).*");

    /** A variable named like an application's secret; libpq's own {@code PG…} variables are the caller's to set. */
    static boolean applicationSecret(String name) {
        return !name.startsWith("PG") && !name.startsWith("KRB5") && SECRET_NAME.matcher(name).matches();
    }

    /**
     * An exit status for messages: {@code exit code 2}, or, for a process ended by a signal (128 + its number, as
     * Java reports it), {@code exit code 137 (killed by signal 9, SIGKILL: the kernel's out-of-memory killer, or by
     * hand)}.
     */
    public static String describeExit(int exit) {
        String signal = switch (exit - 128) {
            case 9 -> "signal 9, SIGKILL: the kernel's out-of-memory killer, or by hand";
            case 15 -> "signal 15, SIGTERM: stopped by hand or by the system";
            case 6 -> "signal 6, SIGABRT";
            case 11 -> "signal 11, SIGSEGV: the tool crashed";
            case 2 -> "signal 2, SIGINT";
            case 1 -> "signal 1, SIGHUP";
            default -> null;
        };
        return "exit code " + exit + (signal == null ? "" : " (killed by " + signal + ")");
    }

    /** The command as started (no secrets by construction). */
    public String display() {
        return display;
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Whether the deadline passed and the process was killed for it. */
    public boolean timedOut() {
        return timedOut.get();
    }

    /** The last bytes written to stderr (at most 16 KiB), as text. Complete once the process has exited. */
    public String stderrTail() {
        return stderr.text().strip();
    }

    /** Waits at most {@code limit} for the process to exit; whether it did. */
    public boolean waitFor(Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for exit (the deadline still applies) and returns the exit code. */
    public int waitFor() throws InterruptedException {
        int code = process.waitFor();
        try {
            stderrDrain.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
        return code;
    }

    /**
     * Kills the process and its descendants: politely, then forcibly after a grace period, and waits (bounded) for
     * them to be gone, also when the calling thread is interrupted (its interrupt status is kept), so nothing of
     * the process outlives the call and its private files can be deleted after it.
     */
    public void kill() {
        boolean interrupted = Thread.interrupted();
        try {
            killAndWait();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void killAndWait() {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (ProcessHandle child : children) {
                child.onExit().get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            // interrupted again while waiting: the SIGKILL is sent, and the caller hears of the interrupt
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.WARNING, "a child of {0} did not exit after SIGKILL", display);
        }
    }

    /** Kills (if still running) and reaps the process; closes its pipes. Never throws. */
    @Override
    public void close() {
        watchdog.interrupt();
        if (process.isAlive()) {
            kill();
        }
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
        try {
            stderrDrain.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(process.getErrorStream());
    }

    private void watch(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut.set(true);
                LOG.log(Level.WARNING, "{0} did not finish within {1}; killing it", display, timeout);
                kill();
            }
        } catch (InterruptedException e) {
            // closed before the deadline
        }
    }

    private void drainStderr() {
        byte[] buf = new byte[8192];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(buf)) >= 0) {
                stderr.append(buf, n);
            }
        } catch (IOException e) {
            // the process went away; what we have is what there is
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // best effort
        }
    }

    /** Keeps the last {@code limit} bytes appended. */
    static final class BoundedText {
        private final byte[] ring;
        private long total;

        BoundedText(int limit) {
            this.ring = new byte[limit];
        }

        synchronized void append(byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                ring[(int) (total % ring.length)] = b[i];
                total++;
            }
        }

        synchronized String text() {
            int len = (int) Math.min(total, ring.length);
            byte[] out = new byte[len];
            long start = total - len;
            for (int i = 0; i < len; i++) {
                out[i] = ring[(int) ((start + i) % ring.length)];
            }
            String s = new String(out, StandardCharsets.UTF_8);
            return total > ring.length ? "…" + s : s;
        }
    }
}
