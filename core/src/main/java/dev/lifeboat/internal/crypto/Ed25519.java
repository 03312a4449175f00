package dev.lifeboat.internal.crypto;

import dev.lifeboat.internal.io.Hex;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 (RFC 8032) on the JDK's own provider: key generation, raw-key and PEM encodings, signatures.
 *
 * <p>Encodings: a private key is its 32-byte seed, stored as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, what
 * {@code openssl genpkey -algorithm ed25519} writes); a public key is its raw 32 bytes, whose DER
 * SubjectPublicKeyInfo is {@link #SPKI_PREFIX} followed by those bytes.
 */
public final class Ed25519 {
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo: {@code 30 2a 30 05 06 03 2b 65 70 03 21 00}. */
    public static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410 §7). */
    static final byte[] PKCS8_PREFIX = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
        0x04, 0x20};
    public static final int KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private Ed25519() {}

    /** A new random private key (seed). */
    public static byte[] generateSeed() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return ((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
        }
    }

    /** The JDK private key for a seed. */
    public static PrivateKey privateKey(byte[] seed) {
        checkLength(seed, KEY_BYTES, "an Ed25519 private key");
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(seed)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid Ed25519 private key");
        }
    }

    /** The raw public key of a seed (the JDK derives it in its key pair generator from exactly these bytes). */
    public static byte[] publicKeyOf(byte[] seed) {
        checkLength(seed, KEY_BYTES, "an Ed25519 private key");
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, new FixedRandom(seed));
            byte[] der = g.generateKeyPair().getPublic().getEncoded();
            return Arrays.copyOfRange(der, der.length - KEY_BYTES, der.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot derive an Ed25519 public key", e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make an Ed25519 signature", e);
        }
    }

    public static boolean verify(byte[] rawPublicKey, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKey(rawPublicKey));
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static PublicKey publicKey(byte[] raw) {
        checkLength(raw, KEY_BYTES, "an Ed25519 public key");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki(raw)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid Ed25519 public key");
        }
    }

    /** DER SubjectPublicKeyInfo of a raw public key. */
    public static byte[] spki(byte[] raw) {
        byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, raw.length);
        return der;
    }

    static byte[] pkcs8(byte[] seed) {
        byte[] der = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + seed.length);
        System.arraycopy(seed, 0, der, PKCS8_PREFIX.length, seed.length);
        return der;
    }

    /** PKCS#8 PEM of a seed. */
    public static String privatePem(byte[] seed) {
        byte[] der = pkcs8(seed);
        try {
            return pem("PRIVATE KEY", der);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /** SubjectPublicKeyInfo PEM of a raw public key ({@code openssl pkey -pubin} reads it). */
    public static String publicPem(byte[] raw) {
        return pem("PUBLIC KEY", spki(raw));
    }

    /**
     * The seed in a PKCS#8 PEM text (other lines, e.g. comments before {@code -----BEGIN}, are ignored). Throws
     * {@link IllegalArgumentException} with a message that never quotes the text.
     */
    public static byte[] seedFromPem(String text) {
        byte[] der = pemBody(text, "PRIVATE KEY");
        try {
            PrivateKey k = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            return ((EdECPrivateKey) k).getBytes().orElseThrow();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)");
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /** The raw public key in a SubjectPublicKeyInfo PEM text. */
    public static byte[] publicKeyFromPem(String text) {
        byte[] der = pemBody(text, "PUBLIC KEY");
        if (der.length != SPKI_PREFIX.length + KEY_BYTES
                || !Arrays.equals(Arrays.copyOf(der, SPKI_PREFIX.length), SPKI_PREFIX)) {
            throw new IllegalArgumentException("not an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)");
        }
        return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
    }

    /**
     * The fingerprint Lifeboat records for a signing key: the first 16 hex digits of the SHA-256 of the raw 32-byte
     * public key.
     */
    public static String fingerprint(byte[] rawPublicKey) {
        return Hex.sha256Hex(rawPublicKey).substring(0, 16);
    }

    private static byte[] pemBody(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = b < 0 ? -1 : text.indexOf(end, b);
        if (b < 0 || e < 0) {
            throw new IllegalArgumentException("no " + begin + " … " + end + " block");
        }
        String body = text.substring(b + begin.length(), e).replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("the " + label + " block is not valid base64");
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static void checkLength(byte[] b, int len, String what) {
        if (b == null || b.length != len) {
            throw new IllegalArgumentException(what + " must be " + len + " bytes, but was "
                    + (b == null ? "null" : b.length + " bytes"));
        }
    }

    /** Hands the generator exactly the seed: the JDK draws the private key with one nextBytes(32). */
    private static final class FixedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;

        FixedRandom(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("unexpected draw of " + bytes.length + " bytes");
            }
            System.arraycopy(seed, 0, bytes, 0, bytes.length);
        }
    }
}
