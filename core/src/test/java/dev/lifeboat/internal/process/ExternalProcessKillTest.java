package dev.lifeboat.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A kill on an interrupted thread still waits until the process is gone, and keeps the interrupt. */
class ExternalProcessKillTest {
    @Test
    void killOnAnInterruptedThreadReapsEvenAProcessThatIgnoresSigterm() throws Exception {
        // ignores SIGTERM, so only the forced kill after the grace period ends it
        ExternalProcess p = ExternalProcess.start(List.of("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"),
                Map.of(), Duration.ofMinutes(1));
        try {
            assertThat(p.stdout().read()).isEqualTo('r');
            Thread.currentThread().interrupt();
            p.kill();
            assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
            assertThat(p.isAlive()).isFalse();
        } finally {
            Thread.interrupted();
            p.close();
        }
    }
}
