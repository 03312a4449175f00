package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.catalog.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checkpoints: recorded while a part is written, checked span by span while it is read back for a restore. */
class PrefixDigestTest {
    private static final long SPAN = 1024;

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    /** What {@code head -c N | sha256sum} prints for every multiple N of {@code every} below the size. */
    static List<String> prefixHashes(byte[] data, long every) {
        List<String> out = new ArrayList<>();
        for (long n = every; n < data.length; n += every) {
            out.add(Hex.sha256Hex(Arrays.copyOf(data, (int) n)));
        }
        return out;
    }

    static Checkpoints record(byte[] data, PrefixDigest d) {
        SplittableRandom sizes = new SplittableRandom(data.length);
        for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, sizes.nextInt(1, 3000)); // writes that straddle span ends
            d.update(data, off, n);
            off += n;
        }
        assertThat(d.count()).isEqualTo(data.length);
        assertThat(d.sha256()).isEqualTo(Hex.sha256Hex(data));
        return d.checkpoints();
    }

    @Test
    void eachCheckpointIsTheHashOfThePrefixEndingAtAMultipleOfTheSpanBelowTheSize() {
        for (int size : new int[] {0, 1, 1023, 1024, 1025, 3 * 1024, 3 * 1024 + 7}) {
            byte[] data = random(size, size);
            Checkpoints c = record(data, PrefixDigest.fixed(SPAN));
            assertThat(c.every()).isEqualTo(SPAN);
            assertThat(c.sha256()).as("size %d", size).isEqualTo(prefixHashes(data, SPAN));
            assertThat((long) c.sha256().size()).isEqualTo(c.expectedEntries(size));
        }
    }

    @Test
    void theSpanDoublesSoTheListNeverOutgrowsItsLimit() {
        byte[] data = random(40 * 1024 + 5, 1);
        Checkpoints c = record(data, PrefixDigest.growing(SPAN, 8));
        // the 9th prefix of each span halves the list and doubles the span: at 9 KiB, 18 KiB and 36 KiB
        assertThat(c.every()).isEqualTo(8 * SPAN);
        assertThat(c.sha256()).hasSizeLessThanOrEqualTo(8).isEqualTo(prefixHashes(data, 8 * SPAN));
    }

    static byte[] readAll(InputStream in, ByteArrayOutputStream got) throws Exception {
        byte[] buf = new byte[700];
        int n;
        while ((n = in.read(buf)) >= 0) {
            got.write(buf, 0, n);
        }
        return got.toByteArray();
    }

    static VerifyingInputStream verifying(byte[] stored, byte[] original) {
        Checkpoints c = record(original, PrefixDigest.fixed(SPAN));
        return new VerifyingInputStream(new ByteArrayInputStream(stored), original.length, Hex.sha256Hex(original), c,
                1, "part db-main");
    }

    @Test
    void anIntactPartIsReleasedWhole() throws Exception {
        byte[] data = random(5 * 1024 + 100, 2);
        VerifyingInputStream in = verifying(data, data);
        assertThat(readAll(in, new ByteArrayOutputStream())).isEqualTo(data);
        assertThat(in.verified()).isTrue();
    }

    @Test
    void aChangedSpanIsNeverReleasedAndNothingAfterIt() {
        byte[] data = random(5 * 1024 + 100, 3);
        byte[] tampered = data.clone();
        tampered[2 * 1024 + 17] ^= 1;
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        assertThatThrownBy(() -> readAll(verifying(tampered, data), got))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("part db-main differs from its manifest in bytes 2048 to 3072");
        assertThat(got.toByteArray()).as("only the spans whose checkpoints matched").isEqualTo(Arrays.copyOf(data, 2048));
    }

    @Test
    void aDifferentDumpPaddedToTheSameSizeIsRefusedAtItsFirstSpan() {
        byte[] data = random(6 * 1024, 4);
        byte[] substitute = new byte[data.length]; // a small valid file of the attacker's, then zeros
        System.arraycopy(random(300, 5), 0, substitute, 0, 300);
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        assertThatThrownBy(() -> readAll(verifying(substitute, data), got))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("in bytes 0 to 1024");
        assertThat(got.size()).isZero();
    }

    @Test
    void theLastSpanWaitsForTheWholeHashAndATruncatedOrLongerPartIsRefused() {
        byte[] data = random(4 * 1024 + 10, 6);
        byte[] lastChanged = data.clone();
        lastChanged[data.length - 1] ^= 1;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThatThrownBy(() -> readAll(verifying(lastChanged, data), got))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("does not match its manifest");
        assertThat(got.toByteArray()).isEqualTo(Arrays.copyOf(data, 4 * 1024));

        assertThatThrownBy(() -> readAll(verifying(Arrays.copyOf(data, 3 * 1024), data), new ByteArrayOutputStream()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("has 3072 bytes but its manifest says 4106");
        byte[] longer = Arrays.copyOf(data, data.length + 1);
        assertThatThrownBy(() -> readAll(verifying(longer, data), new ByteArrayOutputStream()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("is longer than its manifest says");
    }
}
