package dev.lifeboat.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main command, as a user runs it: {@code java -jar examples/quickstart/target/quickstart.jar}. */
class QuickstartJarIT {
    private static final Path JAR = Path.of(System.getProperty("quickstart.jar", "target/quickstart.jar"));

    record Run(int exit, String out) {}

    static Run run(Path workDir, String store) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString())).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().remove("LIFEBOAT_PG_URL");
        pb.environment().remove("LIFEBOAT_STORE");
        if (store != null) {
            pb.environment().put("LIFEBOAT_STORE", store);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void theShadedJarRunsTheMainJobWithItsStoreUnderTheWorkingDirectory(@TempDir Path dir) throws Exception {
        Run r = run(dir, null);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("Verify (re-read and re-hash every part)  OK")
                .contains("db-shop        ok").contains("files-uploads  ok").contains("config-deploy  ok")
                .contains("Result: the backup verified and restored to an identical copy.");
        try (var backups = Files.list(dir.resolve("lifeboat-quickstart/backups"))) {
            assertThat(backups.toList()).singleElement()
                    .satisfies(b -> assertThat(b.resolve("manifest.json")).isNotEmptyFile());
        }
    }

    @Test
    void lifeboatStoreNamesAnotherDirectory(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Path store = dir.resolve("elsewhere/store");
        Run r = run(work, store.toString());
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("Restore points in the store: 1");
        assertThat(work.resolve("lifeboat-quickstart")).doesNotExist();
        try (var backups = Files.list(store.resolve("backups"))) {
            assertThat(backups.count()).isEqualTo(1);
        }
    }
}
