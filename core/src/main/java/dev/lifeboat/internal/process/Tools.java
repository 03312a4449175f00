package dev.lifeboat.internal.process;

import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.SourceException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Locating external tools and reading their versions. */
public final class Tools {
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");
    /** A tool's version is asked again after this time (an upgrade is noticed; a preflight and its run share one). */
    private static final long RECHECK_NANOS = 10L * 60 * 1_000_000_000L;
    private static final Map<String, Checked> VERSIONS = new ConcurrentHashMap<>();
    /** Answers asked for ahead by {@link #prefetch}; null when the tool could not answer. */
    private static final Map<String, CompletableFuture<Checked>> PENDING = new ConcurrentHashMap<>();

    private record Checked(String line, long at) {
        /** Whether this answer is recent enough to be used instead of asking again. */
        boolean fresh() {
            return System.nanoTime() - at < RECHECK_NANOS;
        }
    }

    private Tools() {}

    /** {@code name} inside {@code binDir} when given, else the bare name (resolved on PATH). */
    public static String command(Path binDir, String name) {
        return binDir == null ? name : binDir.resolve(name).toString();
    }

    /**
     * Runs {@code tool --version} and returns its output's first line. Throws TOOL_UNAVAILABLE naming the
     * tool when it cannot be run. A successful answer is reused for ten minutes: a backup or restore checks the
     * same tools in its preflight and again when it runs them, and each check is a process start (70–110 ms
     * through Debian's Perl pg_wrapper, when it is not bypassed).
     */
    public static String versionLine(String tool, String hint) {
        Checked c = VERSIONS.get(tool);
        if (c != null && c.fresh()) {
            return c.line();
        }
        CompletableFuture<Checked> pending = PENDING.remove(tool);
        if (pending != null) {
            try {
                Checked ahead = pending.get();
                if (ahead != null && ahead.fresh()) {
                    VERSIONS.put(tool, ahead);
                    return ahead.line();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "interrupted while checking '" + tool + "'", e);
            } catch (ExecutionException e) {
                // not completed so (see prefetch); asked again below all the same
            }
        }
        String line = askVersion(tool, hint);
        VERSIONS.put(tool, new Checked(line, System.nanoTime()));
        return line;
    }

    /**
     * Starts asking {@code tool --version} on a background thread, so that the {@link #versionLine} that follows
     * (after a database connection is opened, say) finds the answer ready instead of starting a process then.
     * A failure is not kept: that call asks again and reports it.
     */
    public static void prefetch(String tool) {
        Checked c = VERSIONS.get(tool);
        if (c != null && c.fresh()) {
            return;
        }
        PENDING.computeIfAbsent(tool, t -> {
            CompletableFuture<Checked> f = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                Checked answer = null;
                try {
                    answer = new Checked(askVersion(t, ""), System.nanoTime());
                } catch (RuntimeException e) {
                    // not kept: versionLine asks again and reports it
                } finally {
                    f.complete(answer); // on every path, so that versionLine never waits for ever
                }
            }, "lifeboat-version-check");
            thread.setDaemon(true);
            thread.start();
            return f;
        });
    }

    private static String askVersion(String tool, String hint) {
        try (ExternalProcess p = ExternalProcess.start(List.of(tool, "--version"), Map.of(), Duration.ofSeconds(30))) {
            p.stdin().close();
            String out = readAll(p.stdout(), 4096);
            int code = p.waitFor();
            if (code != 0) {
                throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "'" + tool + " --version' exited with " + code
                        + (p.stderrTail().isEmpty() ? "" : ": " + p.stderrTail()) + ". " + hint);
            }
            String line = out.lines().findFirst().orElse("").strip();
            if (line.isEmpty()) {
                throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "'" + tool + " --version' printed nothing. " + hint);
            }
            return line;
        } catch (IOException e) {
            throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "cannot run '" + tool + "' (" + e.getMessage() + "). " + hint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(ErrorCode.TOOL_UNAVAILABLE, "interrupted while checking '" + tool + "'", e);
        }
    }

    /** The first {@code major[.minor[.patch]]} number in {@code text}, e.g. {@code [15, 20]}. */
    public static int[] parseVersion(String text) {
        // skip the tool name, e.g. "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            return null;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return new int[] {major, minor};
    }

    /** Whether {@code path} names an executable file. */
    public static boolean isExecutable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }

    static String readAll(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (bo.size() < limit) {
                bo.write(buf, 0, Math.min(n, limit - bo.size()));
            }
        }
        return bo.toString(StandardCharsets.UTF_8);
    }
}
