package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.internal.crypto.AgeFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Byte compatibility with the reference age command line in both directions, at every chunk boundary, and the
 * failure modes of the STREAM format (truncation, trailing data, a flipped bit, the wrong key).
 */
class AgeStreamInteropTest {
    static final int CHUNK = 64 * 1024;

    @TempDir
    static Path dir;
    static Path keyA;
    static Path keyB;
    static String recipientA;
    static String recipientB;

    @BeforeAll
    static void keys() throws Exception {
        AgeCli.require();
        keyA = dir.resolve("a.txt");
        keyB = dir.resolve("b.txt");
        recipientA = AgeCli.keygen(keyA);
        recipientB = AgeCli.keygen(keyB);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17})
    void whatLifeboatEncryptsAgeDecryptsWithEitherIdentity(int size) throws Exception {
        byte[] data = random(size);
        Path enc = dir.resolve("lb-" + size + ".age");
        try (OutputStream file = Files.newOutputStream(enc)) {
            OutputStream age = Recipients.parse(recipientA, recipientB).encrypt(file);
            // uneven writes, including single bytes
            int i = 0;
            while (i < data.length) {
                if (i % 7 == 0) {
                    age.write(data[i++]);
                } else {
                    int n = Math.min(data.length - i, 1 + (i % 40_000));
                    age.write(data, i, n);
                    i += n;
                }
            }
            age.close();
        }
        for (Path key : List.of(keyA, keyB)) {
            Path out = dir.resolve("lb-" + size + "-" + key.getFileName() + ".out");
            AgeCli.decrypt(key, enc, out);
            assertThat(Files.readAllBytes(out)).isEqualTo(data);
        }
    }

    /**
     * Chunks sealed on several threads (more chunks than the stream keeps in flight, so the in-order writer and the
     * buffer recycling are exercised) and on the caller's thread: the age CLI and jagged both decrypt them, and both
     * paths give streams of the same length (header + 16 bytes per chunk).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 13 * CHUNK, 13 * CHUNK + 1, 40 * CHUNK - 3})
    void chunksSealedInParallelOrSeriallyAreWhatAgeDecrypts(int size) throws Exception {
        byte[] data = random(size);
        long lengthOfSerial = -1;
        for (int threads : new int[] {1, 2, 3}) {
            Path enc = dir.resolve("par-" + size + "-" + threads + ".age");
            try (OutputStream file = Files.newOutputStream(enc)) {
                OutputStream age = AgeFormat.encrypt(file, List.of(recipientA), threads);
                int i = 0;
                int round = 0;
                while (i < data.length) { // single bytes, odd sizes and writes of many chunks at once
                    int n = switch (round++ % 4) {
                        case 0 -> 1;
                        case 1 -> 1 + (i % 40_000);
                        case 2 -> 5 * CHUNK + 3;
                        default -> CHUNK - (i % 100);
                    };
                    n = Math.min(n, data.length - i);
                    age.write(data, i, n);
                    i += n;
                }
                age.flush();
                age.close();
                assertThatThrownBy(() -> age.write(1)).isInstanceOf(java.io.IOException.class);
            }
            Path out = dir.resolve("par-" + size + "-" + threads + ".out");
            AgeCli.decrypt(keyA, enc, out);
            assertThat(Files.readAllBytes(out)).as("age -d of the %d-thread stream", threads).isEqualTo(data);
            try (InputStream in = Files.newInputStream(enc); InputStream dec = Identities.fromFile(keyA).decrypt(in)) {
                assertThat(readInOddSizes(dec)).as("jagged's decryption of the %d-thread stream", threads).isEqualTo(data);
            }
            long chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
            if (lengthOfSerial < 0) {
                lengthOfSerial = Files.size(enc);
                assertThat(lengthOfSerial - size - 16 * chunks).as("header length").isBetween(100L, 400L);
            } else {
                assertThat(Files.size(enc)).isEqualTo(lengthOfSerial);
            }
        }
    }

    @Test
    void theStreamNonceIsTheBigEndianChunkCounterAndTheLastFlag() {
        assertThat(AgeFormat.streamNonce(0, false)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(AgeFormat.streamNonce(1, true)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1);
        assertThat(AgeFormat.streamNonce(0x0102030405L, false)).containsExactly(0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17})
    void whatAgeEncryptsLifeboatDecrypts(int size) throws Exception {
        byte[] data = random(size);
        Path plain = dir.resolve("cli-" + size);
        Path enc = dir.resolve("cli-" + size + ".age");
        Files.write(plain, data);
        AgeCli.encrypt(List.of(recipientA, recipientB), plain, enc);

        for (Path key : List.of(keyA, keyB)) {
            try (InputStream in = Files.newInputStream(enc); InputStream dec = Identities.fromFile(key).decrypt(in)) {
                assertThat(readInOddSizes(dec)).isEqualTo(data);
            }
        }
    }

    @Test
    void damagedStreamsFailAuthenticationInsteadOfYieldingData() throws Exception {
        byte[] data = random(3 * CHUNK + 100);
        Path plain = dir.resolve("damage");
        Path enc = dir.resolve("damage.age");
        Files.write(plain, data);
        AgeCli.encrypt(List.of(recipientA), plain, enc);
        byte[] good = Files.readAllBytes(enc);
        int header = good.length - (data.length + 4 * 16);
        Identities a = Identities.fromFile(keyA);

        byte[] truncatedAtChunk = Arrays.copyOf(good, header + 2 * (CHUNK + 16));
        byte[] truncatedMidChunk = Arrays.copyOf(good, good.length - 50);
        byte[] trailing = Arrays.copyOf(good, good.length + 5);
        byte[] flipped = good.clone();
        flipped[header + CHUNK + 200] ^= 0x01;
        byte[] headerFlipped = good.clone();
        headerFlipped[40] ^= 0x01;

        for (byte[] bad : List.of(truncatedAtChunk, truncatedMidChunk, trailing, flipped)) {
            assertThatThrownBy(() -> {
                try (InputStream dec = a.decrypt(new ByteArrayInputStream(bad), "the test stream")) {
                    dec.readAllBytes();
                }
            }).isInstanceOf(IntegrityException.class).hasMessageContaining("the test stream");
        }
        assertThatThrownBy(() -> a.decrypt(new ByteArrayInputStream(headerFlipped), "the test stream"))
                .isInstanceOf(LifeboatException.class);
    }

    @Test
    void theWrongIdentityIsToldApartFromDamage() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (OutputStream age = Recipients.parse(recipientA).encrypt(buf)) {
            age.write(random(1000));
        }
        Identities b = Identities.fromFile(keyB);
        assertThatThrownBy(() -> b.decrypt(new ByteArrayInputStream(buf.toByteArray()), "the test stream"))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.NO_MATCHING_IDENTITY))
                .hasMessageContaining("no identity matches the test stream")
                .hasMessageContaining(b.fingerprints().get(0));
        Identities both = Identities.fromFile(keyB).and(Identities.fromFile(keyA));
        try (InputStream dec = both.decrypt(new ByteArrayInputStream(buf.toByteArray()))) {
            assertThat(dec.readAllBytes()).hasSize(1000);
        }
    }

    static byte[] readInOddSizes(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[100_003];
        int round = 0;
        while (true) {
            int b;
            if (round++ % 3 == 0) {
                b = in.read();
                if (b < 0) {
                    break;
                }
                out.write(b);
            } else {
                int n = in.read(buf, 0, 1 + (round * 7919) % buf.length);
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }
}
