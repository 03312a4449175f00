package dev.lifeboat.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole, aligned 4 KiB blocks of zeros are restored as holes: every byte reads back exactly as archived (zeros at
 * the start, in the middle across the extractor's 256 KiB reads, at the end, next to data that is not aligned),
 * and, on a file system that keeps holes, the file takes less space than its length.
 */
class SafeExtractorHolesTest {
    @TempDir
    Path dir;

    @Test
    void zeroBlocksBecomeHolesAndEveryByteReadsBackAsArchived() throws Exception {
        Random random = new Random(11);
        byte[] sparse = new byte[3 * 1024 * 1024 + 4096 + 37]; // zeros at the start, the end and in between
        fill(random, sparse, 1024 * 1024 - 100, 300); // data across a block boundary, not aligned
        fill(random, sparse, 2 * 1024 * 1024 + 5, 1); // one byte in an otherwise zero block
        fill(random, sparse, 256 * 1024 - 4096, 8192); // data across the extractor's read boundary
        byte[] dense = new byte[512 * 1024 + 123];
        random.nextBytes(dense);
        byte[] zerosOnly = new byte[64 * 1024];
        byte[] shortZeros = new byte[100]; // shorter than a block: written, as any partial block is

        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(tar, 4096);
        for (Object[] f : List.of(new Object[] {"sparse.img", sparse}, new Object[] {"dense.bin", dense},
                new Object[] {"zeros.bin", zerosOnly}, new Object[] {"short.bin", shortZeros}, new Object[] {"empty", new byte[0]})) {
            byte[] content = (byte[]) f[1];
            w.beginFile((String) f[0], content.length, 0644, 0, 0, 1_700_000_000L);
            w.write(content, 0, content.length);
            w.endFile();
        }
        w.finish();

        Path target = dir.resolve("out");
        new SafeExtractor(SafeExtractor.Limits.DEFAULT).extract(new ByteArrayInputStream(tar.toByteArray()), target);

        assertThat(Files.readAllBytes(target.resolve("sparse.img"))).isEqualTo(sparse);
        assertThat(Files.readAllBytes(target.resolve("dense.bin"))).isEqualTo(dense);
        assertThat(Files.readAllBytes(target.resolve("zeros.bin"))).isEqualTo(zerosOnly);
        assertThat(Files.readAllBytes(target.resolve("short.bin"))).isEqualTo(shortZeros);
        assertThat(Files.size(target.resolve("empty"))).isZero();
        if (keepsHoles(dir)) {
            // ≈ 7 blocks of data in 3 MiB; file systems allocate in blocks or larger extents (64 KiB seen)
            assertThat(allocated(target.resolve("sparse.img"))).as("allocated bytes").isLessThan(512 * 1024);
            assertThat(allocated(target.resolve("zeros.bin"))).isLessThanOrEqualTo(64 * 1024);
            assertThat(allocated(target.resolve("dense.bin"))).isGreaterThanOrEqualTo(dense.length);
        }
    }

    private static void fill(Random random, byte[] b, int from, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        data[0] = 1; // never zero where the test counts on data
        System.arraycopy(data, 0, b, from, length);
    }

    /** Whether files under {@code dir} can have holes: a 1 MiB file of only a hole takes (almost) no space. */
    private static boolean keepsHoles(Path dir) throws Exception {
        Path probe = dir.resolve("probe");
        try (RandomAccessFile f = new RandomAccessFile(probe.toFile(), "rw")) {
            f.setLength(1024 * 1024);
        }
        boolean holes = allocated(probe) < 64 * 1024;
        Files.delete(probe);
        return holes;
    }

    /** Bytes allocated on disk ({@code stat -c %b} blocks of {@code %B} bytes). */
    private static long allocated(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).trim().split(" ");
        assertThat(p.waitFor()).as(Arrays.toString(out)).isZero();
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
