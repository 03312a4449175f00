package dev.lifeboat.cli;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.LifeboatListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Progress on a terminal: bytes, rate and (when the size is known) ETA, redrawn on one stderr line at most
 * four times a second. Silent when stderr is not a terminal or JSON was asked for.
 */
final class Progress implements LifeboatListener {
    private final PrintWriter err;
    private final boolean enabled;
    private long started;
    private long lastDraw;
    private String current;

    Progress(PrintWriter err, boolean json) {
        this.err = err;
        this.enabled = !json && stderrIsTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    private Progress(PrintWriter err) {
        this.err = err;
        this.enabled = true;
    }

    /** Draws into {@code err} whatever it is (tests). */
    static Progress drawingInto(PrintWriter err) {
        return new Progress(err);
    }

    /**
     * Whether stderr, where progress is drawn, is a terminal: on Linux from what file descriptor 2 points at
     * ({@code System.console()} looks at stdin and stdout instead, so {@code lifeboat backup 2>log} would draw into
     * the log and {@code lifeboat backup | tee id} would draw nothing); elsewhere, {@code System.console()}.
     */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    @Override
    public void progress(BackupId id, String part, long bytes, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!part.equals(current)) {
            current = part;
            started = now;
        }
        if (now - lastDraw < 250_000_000L && (total < 0 || bytes < total)) {
            return;
        }
        lastDraw = now;
        double secs = Math.max(0.001, (now - started) / 1e9);
        double rate = bytes / secs;
        StringBuilder line = new StringBuilder("\r  ").append(part).append("  ").append(Output.bytes(bytes));
        if (total > 0) {
            line.append(" / ").append(Output.bytes(total))
                    .append(String.format(Locale.ROOT, " (%d%%)", Math.min(100, bytes * 100 / total)));
        }
        line.append("  ").append(Output.bytes((long) rate)).append("/s");
        if (total > 0 && rate > 0 && bytes < total) {
            line.append(String.format(Locale.ROOT, "  ETA %ds", (long) ((total - bytes) / rate)));
        }
        err.print(line.append("\033[K"));
        err.flush();
    }

    /** Ends the progress line. */
    void done() {
        if (enabled && current != null) {
            err.print("\r\033[K");
            err.flush();
            current = null;
        }
    }
}
