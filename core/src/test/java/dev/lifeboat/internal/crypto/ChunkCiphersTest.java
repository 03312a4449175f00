package dev.lifeboat.internal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ChunkCiphersTest {
    @Test
    void conscryptIsUsedWhereItsNativeLibraryLoads() {
        String arch = System.getProperty("os.arch");
        if (System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
            // the uber jar carries a linux-x86_64 library: on this platform the fast path must really be taken
            assertThat(ChunkCiphers.implementation()).startsWith("Conscrypt");
        }
    }

    @Test
    void theChosenCipherSealsExactlyAsTheJdksDoes() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        Cipher chosen = ChunkCiphers.newCipher();
        Cipher jdk = ChunkCiphers.jdk();
        Cipher opener = ChunkCiphers.jdk(); // the JDK refuses to re-init one cipher with the same key and nonce
        for (int round = 0; round < 200; round++) {
            byte[] key = bytes(random, 32);
            byte[] plain = bytes(random, round < 4 ? new int[] {0, 1, 16, AgePayloadStream.CHUNK}[round]
                    : random.nextInt(AgePayloadStream.CHUNK + 1));
            byte[] nonce = AgePayloadStream.nonce(random.nextLong() >>> 1, random.nextBoolean());
            SecretKeySpec k = new SecretKeySpec(key, "ChaCha20");
            chosen.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce));
            jdk.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce));
            byte[] sealed = chosen.doFinal(plain);
            assertThat(sealed).as("round %d, %d bytes", round, plain.length).isEqualTo(jdk.doFinal(plain));
            opener.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(nonce));
            assertThat(opener.doFinal(sealed)).isEqualTo(plain);
        }
    }

    @Test
    void theProviderGivenToJaggedOpensUnderTheJdksNameAndRefusesAForgedTag() throws Exception {
        assertThat(ChunkCiphers.provider()).as("Conscrypt on this platform (see above)").isNotNull();
        // jagged asks for "ChaCha20-Poly1305", the JDK's name, from the provider it is given
        Cipher opener = Cipher.getInstance("ChaCha20-Poly1305", ChunkCiphers.provider());
        assertThat(opener.getProvider().getName()).isEqualTo("Conscrypt");
        SplittableRandom random = new SplittableRandom(9);
        Cipher jdk = ChunkCiphers.jdk();
        for (int len : new int[] {0, 1, AgePayloadStream.CHUNK}) {
            SecretKeySpec k = new SecretKeySpec(bytes(random, 32), "ChaCha20");
            byte[] plain = bytes(random, len);
            IvParameterSpec nonce = new IvParameterSpec(AgePayloadStream.nonce(len, len < AgePayloadStream.CHUNK));
            jdk.init(Cipher.ENCRYPT_MODE, k, nonce);
            byte[] sealed = jdk.doFinal(plain);
            opener.init(Cipher.DECRYPT_MODE, k, nonce);
            assertThat(opener.doFinal(sealed)).isEqualTo(plain);
            sealed[random.nextInt(sealed.length)] ^= 0x10;
            opener.init(Cipher.DECRYPT_MODE, k, nonce);
            assertThatThrownBy(() -> opener.doFinal(sealed)).isInstanceOf(AEADBadTagException.class);
        }
        assertThat(ChunkCiphers.sameAnswer(opener, ChunkCiphers.jdk())).isTrue();
    }

    @Test
    void aPayloadStreamGivesTheSameBytesWithEitherCipher() throws Exception {
        byte[] key = bytes(new SplittableRandom(7), 32);
        byte[] plain = bytes(new SplittableRandom(8), 5 * AgePayloadStream.CHUNK + 123);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Cipher jdk = ChunkCiphers.jdk();
        SecretKeySpec k = new SecretKeySpec(key, "ChaCha20");
        int chunks = (plain.length + AgePayloadStream.CHUNK - 1) / AgePayloadStream.CHUNK;
        for (int i = 0; i < chunks; i++) {
            int off = i * AgePayloadStream.CHUNK;
            int len = Math.min(AgePayloadStream.CHUNK, plain.length - off);
            jdk.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(AgePayloadStream.nonce(i, i == chunks - 1)));
            expected.write(jdk.doFinal(plain, off, len));
        }
        for (int threads : new int[] {1, 3}) {
            ByteArrayOutputStream actual = new ByteArrayOutputStream();
            try (AgePayloadStream out = new AgePayloadStream(actual, key, threads)) {
                out.write(plain, 0, 1000);
                out.write(plain, 1000, plain.length - 1000);
            }
            assertThat(actual.toByteArray()).as("%d threads", threads).isEqualTo(expected.toByteArray());
        }
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }
}
