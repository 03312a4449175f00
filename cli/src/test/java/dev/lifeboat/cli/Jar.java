package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.internal.json.Json;
import dev.lifeboat.internal.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built CLI as a separate process, the way an operator does: through the launcher script
 * {@code target/lifeboat} (which runs {@code target/lifeboat.jar}) on this test's JDK, with class-data sharing off
 * unless {@code env} turns it on.
 */
final class Jar {
    record Run(int exit, String out, String err) {
        JsonObject json() {
            return JsonObject.of(Json.parse(out), "stdout");
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Jar() {}

    static Path jar() {
        Path jar = Path.of(System.getProperty("lifeboat.cli.jar", "target/lifeboat.jar"));
        assertThat(jar).as("the CLI jar is built in the package phase before these tests").exists();
        return jar;
    }

    static Path launcher() {
        Path script = jar().resolveSibling("lifeboat");
        assertThat(script).as("the launcher script is copied next to the jar in the package phase").isExecutable();
        return script;
    }

    static Run run(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(List.of(launcher().toAbsolutePath().toString()), workDir, env, args);
    }

    /**
     * Runs the CLI as an unprivileged user, so that permissions apply: as it is when not root, and as {@code nobody}
     * through {@code setpriv} when root (who reads everything). For {@code nobody}, the launcher and the jar are
     * copied into {@code workDir}, which it must be able to enter: the build folder may be private to root.
     */
    static Run runUnprivileged(Path workDir, String... args) throws IOException, InterruptedException {
        if (!"0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")))) {
            return run(workDir, args);
        }
        Path setpriv = dev.lifeboat.testing.Requirements.requireTool("setpriv");
        Path bin = Files.createDirectories(workDir.resolve("cli"));
        Path launcher = Files.copy(launcher(), bin.resolve("lifeboat"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(jar(), bin.resolve("lifeboat.jar"), StandardCopyOption.REPLACE_EXISTING);
        for (Path p : List.of(bin, launcher, bin.resolve("lifeboat.jar"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return run(List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups", "--", launcher.toString()),
                workDir, Map.of("HOME", workDir.toString()), args);
    }

    /**
     * Runs {@code shell} (a {@code sh} command line in which {@code "$LIFEBOAT"} is the launcher) on a pseudo-terminal,
     * through {@code script}: what the terminal shows is the result's {@code out}, stdout and stderr together.
     */
    static Run runOnTerminal(Path workDir, String shell) throws IOException, InterruptedException {
        Path script = dev.lifeboat.testing.Requirements.requireTool("script");
        return run(List.of(script.toString(), "-qec", shell, "/dev/null"), workDir,
                Map.of("LIFEBOAT", launcher().toAbsolutePath().toString(), "TERM", "xterm"));
    }

    private static Run run(List<String> command, Path workDir, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        Process p = start(command, workDir, env, args);
        return finish(p, args);
    }

    /** Runs {@code java -jar lifeboat.jar} itself, without the launcher, with {@code env} added. */
    static Run runJar(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString()),
                workDir, env, args);
    }

    /** Starts the launcher without waiting (its stdin closed); {@link #finish} collects it. */
    static Process start(Path workDir, String... args) throws IOException {
        return start(List.of(launcher().toAbsolutePath().toString()), workDir, Map.of(), args);
    }

    private static Process start(List<String> command, Path workDir, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("LIFEBOAT_JAVA_OPTS", "-Xmx256m");
        pb.environment().put("LIFEBOAT_CDS", "off"); // no class archives in the home folder; one test turns them on
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    /** Reads a started run's output until it exits. */
    static Run finish(Process p, String... args) throws InterruptedException {
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("lifeboat " + String.join(" ", args) + " did not finish");
        }
        return new Run(p.exitValue(), out, err.join());
    }

    static Run run(Path workDir, String... args) throws IOException, InterruptedException {
        return run(workDir, Map.of(), args);
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
