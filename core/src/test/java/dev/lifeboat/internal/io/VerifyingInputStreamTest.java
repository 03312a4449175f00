package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.catalog.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A part that fails its check fails every read after, too: a second read never looks like a clean end. */
class VerifyingInputStreamTest {
    private static final byte[] PART = new byte[3 * 1024 + 100];

    static {
        for (int i = 0; i < PART.length; i++) {
            PART[i] = (byte) (i * 7);
        }
    }

    @Test
    void aLastSpanThatFailsItsCheckFailsEveryReadAfterIt() throws Exception {
        byte[] tampered = PART.clone();
        tampered[tampered.length - 1] ^= 1; // in the last span, after every checkpoint
        for (Checkpoints c : new Checkpoints[] {checkpoints(), null}) {
            InputStream in = new VerifyingInputStream(new ByteArrayInputStream(tampered), PART.length,
                    Hex.sha256Hex(PART), c, 512, "db-main");
            assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream())).isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> in.read(new byte[16])).as(c == null ? "holding back" : "checkpoints")
                    .isInstanceOf(IntegrityException.class).hasMessageContaining("does not match its manifest");
            assertThatThrownBy(in::read).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void anIntactPartIsReadWhole() throws Exception {
        InputStream in = new VerifyingInputStream(new ByteArrayInputStream(PART), PART.length, Hex.sha256Hex(PART),
                checkpoints(), 512, "db-main");
        assertThat(in.readAllBytes()).isEqualTo(PART);
        assertThat(in.read()).isEqualTo(-1);
    }

    /** Checkpoints every 1 KiB, as PrefixDigest records them. */
    private static Checkpoints checkpoints() {
        java.security.MessageDigest d = Hex.sha256();
        List<String> sums = new java.util.ArrayList<>();
        for (int end = 1024; end < PART.length; end += 1024) {
            d.update(PART, end - 1024, 1024);
            sums.add(PrefixDigest.current(d));
        }
        return new Checkpoints(1024, sums);
    }
}
