package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory stays bounded: a forked JVM with a 64 MiB heap backs up, verifies and restores a tree more than ten
 * times its heap (768 MiB), and reports its peak RSS.
 */
class SmallHeapBackupTest {
    static final int HEAP_MB = 64;
    static final int FILES = 12;
    static final long FILE_SIZE = 64L << 20;

    @Test
    void treeTenTimesTheHeapBacksUpAndRestoresInASmallHeap(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        for (int i = 0; i < FILES; i++) {
            FilesRoundTripTest.writeRandom(media.resolve("blob-" + i + ".bin"), FILE_SIZE, i);
        }
        long treeBytes = FILES * FILE_SIZE;
        assertThat(treeBytes).isGreaterThanOrEqualTo(10L * (HEAP_MB << 20));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), media.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("BACKUP SUCCESS " + FILES + " files " + treeBytes + " bytes").contains("RESTORE OK");
        assertThat(FileTrees.sha256(dir.resolve("restored/blob-7.bin"))).isEqualTo(FileTrees.sha256(media.resolve("blob-7.bin")));
        long rssKb = Long.parseLong(out.replaceAll("(?s).*PEAK_RSS_KB (\\d+).*", "$1"));
        System.out.println("forked JVM peak RSS: " + rssKb / 1024 + " MiB for a " + (treeBytes >> 20) + " MiB tree");
        assertThat(rssKb).as("peak RSS of the small-heap JVM").isLessThan(400 * 1024);
    }

    /** Runs in the forked JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path media = Path.of(args[0]);
            Path dir = Path.of(args[1]);
            Lifeboat lifeboat = Lifeboat.configure().files("media", media).store(LocalStore.at(dir.resolve("store"))).build();
            BackupResult r = lifeboat.backupNow();
            System.out.println("BACKUP " + r.status() + " " + r.parts().get(0).tree().files() + " files "
                    + r.parts().get(0).tree().bytes() + " bytes");
            if (r.status() != BackupStatus.SUCCESS || !lifeboat.verify(r.id(), dev.lifeboat.api.verify.VerifyLevel.CONTENT).ok()) {
                System.exit(2);
            }
            RestoreResult restored = lifeboat.restoreFiles(r.id(), "media", dir.resolve("restored"), RestoreOptions.defaults());
            System.out.println(restored.mismatches().isEmpty() ? "RESTORE OK" : "RESTORE MISMATCH " + restored.mismatches());
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            String hwm = status.stream().filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("VmHWM: 0 kB");
            System.out.println("PEAK_RSS_KB " + hwm.replaceAll("\\D+", ""));
        }
    }
}
