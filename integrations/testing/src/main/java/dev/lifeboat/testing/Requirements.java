package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test prerequisites that skip locally but fail under CI: a skipped test counts as green, so when
 * {@code CI=true} a missing server or tool must fail the run instead of hiding it.
 */
public final class Requirements {
    private Requirements() {}

    /** Whether the {@code CI} environment variable is {@code true}. */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the test (locally) or fails it (under CI) when {@code condition} is false. */
    public static void require(boolean condition, String whatIsMissing) {
        if (condition) {
            return;
        }
        if (isCi()) {
            throw new AssertionError("required for this test under CI=true, but missing: " + whatIsMissing);
        }
        Assumptions.assumeTrue(false, "skipped: " + whatIsMissing + " (under CI=true this fails instead)");
    }

    /** Requires an executable named {@code tool} on PATH and returns its path. */
    public static Path requireTool(String tool) {
        Path found = findOnPath(tool);
        require(found != null, "the '" + tool + "' command on PATH");
        return found;
    }

    /** The executable {@code tool} on PATH, or {@code null}. */
    public static Path findOnPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs a command and returns whether it exited 0 within 30 seconds. */
    public static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A tmpfs mounted for a test; closing it unmounts it. */
    public interface Mount extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Mounts a tmpfs of {@code size} (e.g. {@code 16m}) on the existing, empty {@code dir}, as another file system
     * than its parent's; required (root can), {@code why} saying what for.
     */
    public static Mount mountTmpfs(Path dir, String size, String why) {
        require(runs("mount", "-t", "tmpfs", "-o", "size=" + size, "lifeboat-test", dir.toString()),
                "permission to mount a tmpfs (root), " + why);
        return () -> runs("umount", dir.toString());
    }
}
