package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.Requirements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The reference {@code age} command line (installed by .ci/run), for interoperability tests. */
public final class AgeCli {
    private AgeCli() {}

    public static void require() {
        Requirements.requireTool("age");
        Requirements.requireTool("age-keygen");
    }

    /** {@code age-keygen -o file}; returns the recipient. */
    public static String keygen(Path file) throws Exception {
        run(null, "age-keygen", "-o", file.toString());
        return recipientOf(file);
    }

    /** {@code age-keygen -y file}. */
    public static String recipientOf(Path identityFile) throws Exception {
        return new String(run(null, "age-keygen", "-y", identityFile.toString()), StandardCharsets.US_ASCII).strip();
    }

    /** {@code age -d -i identity in > out} (age creates no -o file for an empty plaintext). */
    public static void decrypt(Path identityFile, Path in, Path out) throws Exception {
        Files.write(out, run(null, "age", "-d", "-i", identityFile.toString(), in.toString()));
    }

    /** {@code age -r r1 -r r2 … -o out in}. */
    public static void encrypt(List<String> recipients, Path in, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("age"));
        for (String r : recipients) {
            cmd.add("-r");
            cmd.add(r);
        }
        cmd.addAll(List.of("-o", out.toString(), in.toString()));
        run(null, cmd.toArray(new String[0]));
    }

    /** Runs a command; asserts exit 0 and returns stdout. */
    public static byte[] run(Path dir, String... cmd) throws Exception {
        Result r = exec(dir, cmd);
        assertThat(r.exit).as("%s exited %d: %s", String.join(" ", cmd), r.exit, r.stderr).isZero();
        return r.stdout;
    }

    public record Result(int exit, byte[] stdout, String stderr) {}

    public static Result exec(Path dir, String... cmd) throws IOException, InterruptedException {
        Path err = Files.createTempFile("lifeboat-cli-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish");
            }
            return new Result(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
