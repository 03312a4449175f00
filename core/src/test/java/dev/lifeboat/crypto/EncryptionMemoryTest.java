package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption keeps memory flat: a forked JVM with a 32 MiB heap backs up (encrypting), CONTENT-verifies
 * (decrypting) and restores (decrypting) one part of 384 MiB, twelve times its heap.
 */
class EncryptionMemoryTest {
    static final int HEAP_MB = 32;
    static final long FILE_SIZE = 384L << 20;

    @Test
    void aPartTwelveTimesTheHeapEncryptsAndDecryptsInASmallHeap(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        writeRandom(media.resolve("video.bin"), FILE_SIZE);
        long t0 = System.nanoTime();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), media.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        long stored = Long.parseLong(out.replaceAll("(?s).*STORED (\\d+).*", "$1"));
        assertThat(stored).as("the encrypted part is more than ten times the heap").isGreaterThan(10L * (HEAP_MB << 20));
        assertThat(out).contains("ENCRYPTED true").contains("VERIFY OK").contains("RESTORE OK");
        assertThat(FileTrees.sha256(dir.resolve("restored/video.bin"))).isEqualTo(FileTrees.sha256(media.resolve("video.bin")));
        System.out.println("forked JVM (-Xmx" + HEAP_MB + "m): " + out.replaceAll("(?s).*(PEAK_HEAP_MB \\d+).*", "$1") + ", "
                + out.replaceAll("(?s).*(PEAK_RSS_KB \\d+).*", "$1") + " for an encrypted part of " + (stored >> 20)
                + " MiB; " + (System.nanoTime() - t0) / 1_000_000 + " ms for backup + verify + restore");
    }

    static void writeRandom(Path file, long size) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8; j++) {
                        buf[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                out.write(buf);
            }
        }
    }

    /** Runs in the forked JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path media = Path.of(args[0]);
            Path dir = Path.of(args[1]);
            AgeKeys keys = AgeKeys.generate();
            Lifeboat lifeboat = Lifeboat.configure().files("media", media).encryptTo(keys.recipient())
                    .signWith(SigningKey.generate()).compressionLevel(1).store(LocalStore.at(dir.resolve("store"))).build();
            BackupResult r = lifeboat.backupNow();
            PartInfo part = r.parts().get(0);
            System.out.println("BACKUP " + r.status() + " ENCRYPTED " + part.encrypted() + " STORED " + part.size());
            Recovery recovery = lifeboat.recovery().withIdentities(keys.identity());
            VerificationReport v = recovery.verify(r.id(), VerifyLevel.CONTENT);
            System.out.println(v.ok() && v.bytesRead() == part.size() ? "VERIFY OK" : "VERIFY FAILED " + v.findings());
            var restored = recovery.restoreFiles(r.id(), "media", dir.resolve("restored"), RestoreOptions.defaults());
            System.out.println(restored.mismatches().isEmpty() ? "RESTORE OK" : "RESTORE MISMATCH " + restored.mismatches());
            long peakHeap = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peakHeap += pool.getPeakUsage().getUsed();
                }
            }
            System.out.println("PEAK_HEAP_MB " + (peakHeap >> 20));
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            String hwm = status.stream().filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("VmHWM: 0 kB");
            System.out.println("PEAK_RSS_KB " + hwm.replaceAll("\\D+", ""));
            System.exit(r.status() == BackupStatus.SUCCESS ? 0 : 2);
        }
    }
}
