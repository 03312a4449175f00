package dev.lifeboat.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The in-memory part buffer: exact content, repeatable streams, bounded and reused blocks. */
class PartBufferTest {
    @Test
    void holdsExactlyItsCapacityAndStreamsItRepeatedly() throws Exception {
        int capacity = 3 * 1024 * 1024 + 7;
        byte[] data = new byte[capacity + 1000];
        new SplittableRandom(1).nextBytes(data);
        PartBuffer b = new PartBuffer(capacity);
        int written = 0;
        while (!b.isFull()) {
            written += b.write(data, written, Math.min(100_003, data.length - written));
        }
        assertThat(written).isEqualTo(capacity);
        assertThat(b.write(data, written, 10)).as("a full buffer takes nothing").isZero();
        for (int i = 0; i < 2; i++) {
            try (InputStream in = b.newStream()) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOf(data, capacity));
            }
        }
        assertThat(b.md5Base64()).isEqualTo(Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("MD5").digest(java.util.Arrays.copyOf(data, capacity))));
        assertThat(b.allocated()).isBetween((long) capacity, (long) capacity + PartBuffer.MAX_BLOCK);
    }

    @Test
    void aSmallObjectCostsASmallBlockAndResetKeepsTheBlocks() {
        PartBuffer b = new PartBuffer(16L * 1024 * 1024);
        b.write(new byte[100], 0, 100);
        assertThat(b.allocated()).isEqualTo(PartBuffer.FIRST_BLOCK);
        b.write(new byte[4 * 1024 * 1024], 0, 4 * 1024 * 1024);
        long allocated = b.allocated();
        b.reset(16L * 1024 * 1024);
        assertThat(b.size()).isZero();
        b.write(new byte[4 * 1024 * 1024], 0, 4 * 1024 * 1024);
        assertThat(b.allocated()).as("blocks are reused, not reallocated").isEqualTo(allocated);
    }
}
