package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DebianClientsTest {
    @Test
    void theWrapperOnPathIsReplacedByTheNewestInstalledBinary() throws Exception {
        Path wrapper = Path.of("/usr/bin/pg_dump");
        assumeTrue(Files.isSymbolicLink(wrapper) && wrapper.toRealPath().getFileName().toString().equals("pg_wrapper"),
                "not a Debian-style installation with pg_wrapper");
        Path newest;
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/pg_dump")))
                    .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
                    .orElseThrow().resolve("bin/pg_dump");
        }
        String resolved = DebianClients.resolve("pg_dump");
        assertThat(resolved).isEqualTo(newest.toString());
        assertThat(DebianClients.bypassesWrapper(resolved)).isTrue();
        // the same program answers --version as runs the dump
        Process p = new ProcessBuilder(resolved, "--version").redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes())).startsWith("pg_dump (PostgreSQL) " + newest.getParent().getParent().getFileName());
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void aProgramThatIsNotOnPathKeepsItsBareName() {
        assertThat(DebianClients.resolve("lifeboat-no-such-program")).isEqualTo("lifeboat-no-such-program");
        assertThat(DebianClients.bypassesWrapper("lifeboat-no-such-program")).isFalse();
    }
}
