package dev.lifeboat.internal.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where the ChaCha20-Poly1305 that seals (and, through jagged, opens) age payload chunks comes from.
 *
 * <p>JDK 17's implementation is pure Java and runs at ≈ 200 MB/s per core, the slowest stage of an encrypted
 * backup (JDK 21 and later compile it to vector instructions). When Conscrypt ({@code org.conscrypt:
 * conscrypt-openjdk-uber}, Google's JCA provider on BoringSSL) is on the class path and its native library loads on
 * this platform, it is used instead: ≈ 1.4 GB/s per core on the project's machine. ChaCha20-Poly1305 is
 * deterministic, so both give the same bytes; a known-answer check against the JDK's cipher runs before Conscrypt is
 * trusted, and anything unexpected (no Conscrypt, no native library for this platform, a different answer) falls
 * back to the JDK. The CLI jar ships Conscrypt; an application adds it as a dependency to get the speed.
 */
final class ChunkCiphers {
    private static final System.Logger LOG = System.getLogger(ChunkCiphers.class.getName());
    private static final String JDK_NAME = "ChaCha20-Poly1305";
    private static final String CONSCRYPT_NAME = "ChaCha20/Poly1305/NoPadding";
    private static final Provider CONSCRYPT = conscrypt();

    private ChunkCiphers() {}

    /** A new cipher for sealing chunks: Conscrypt's when usable, else the JDK's. */
    static Cipher newCipher() throws GeneralSecurityException {
        return CONSCRYPT != null ? Cipher.getInstance(CONSCRYPT_NAME, CONSCRYPT) : jdk();
    }

    /** The JDK's own ChaCha20-Poly1305 (also the reference for the known-answer check). */
    static Cipher jdk() throws GeneralSecurityException {
        return Cipher.getInstance(JDK_NAME);
    }

    /** Whether chunks are sealed natively (≈ 1.4 GB/s per core), not by the JDK's cipher (≈ 200 MB/s on JDK 17). */
    static boolean fast() {
        return CONSCRYPT != null;
    }

    /**
     * Conscrypt's provider when it passed the known-answer check, else null: jagged opens payload chunks with it
     * when it is given one ({@code StandardDecryptingChannelFactory(Provider)}; Conscrypt also answers to the JDK's
     * name, "ChaCha20-Poly1305").
     */
    static Provider provider() {
        return CONSCRYPT;
    }

    /** Which implementation {@link #newCipher()} gives, for logs and tests. */
    static String implementation() {
        return CONSCRYPT != null ? "Conscrypt " + CONSCRYPT.getVersionStr() : "JDK";
    }

    private static Provider conscrypt() {
        try {
            Class<?> c = Class.forName("org.conscrypt.Conscrypt");
            Provider p = (Provider) c.getMethod("newProvider").invoke(null);
            if (!sameAnswer(Cipher.getInstance(CONSCRYPT_NAME, p), jdk())) {
                LOG.log(System.Logger.Level.WARNING, "Conscrypt's ChaCha20-Poly1305 disagrees with the JDK's on a known"
                        + " answer; age chunks are sealed with the JDK's");
                return null;
            }
            LOG.log(System.Logger.Level.DEBUG, "age chunks are sealed and opened with Conscrypt {0}", p.getVersionStr());
            return p;
        } catch (ClassNotFoundException e) {
            return null; // not on the class path: the JDK's cipher
        } catch (ReflectiveOperationException | GeneralSecurityException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "Conscrypt is on the class path but not usable here ({0}); age chunks are"
                    + " sealed with the JDK's ChaCha20-Poly1305", e.toString());
            return null;
        }
    }

    /**
     * Seals the same chunk with both ciphers (a full 64 KiB chunk and a short last one) and compares; then the
     * candidate must open what the reference sealed, and refuse it with one bit of the tag flipped.
     */
    static boolean sameAnswer(Cipher candidate, Cipher reference) throws GeneralSecurityException {
        byte[] key = new byte[32];
        byte[] plain = new byte[AgePayloadStream.CHUNK];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7 + 1);
        }
        for (int i = 0; i < plain.length; i++) {
            plain[i] = (byte) (i * 31 + (i >>> 8));
        }
        SecretKeySpec k = new SecretKeySpec(key, "ChaCha20");
        for (int len : new int[] {plain.length, 1000}) {
            byte[] nonce = AgePayloadStream.nonce(len, len != plain.length);
            candidate.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce));
            reference.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce));
            byte[] sealed = reference.doFinal(plain, 0, len);
            if (!Arrays.equals(candidate.doFinal(plain, 0, len), sealed)) {
                return false;
            }
            candidate.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(nonce));
            if (!Arrays.equals(candidate.doFinal(sealed), Arrays.copyOf(plain, len))) {
                return false;
            }
            sealed[sealed.length - 1] ^= 1;
            try {
                candidate.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(nonce));
                candidate.doFinal(sealed);
                return false; // a forged tag was accepted
            } catch (javax.crypto.AEADBadTagException expected) {
                // refused, as it must be
            }
        }
        return true;
    }
}
