package dev.lifeboat.crypto;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.internal.crypto.Ed25519;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The public half of a {@link SigningKey}: what verify and restore trust to have written a manifest. Its printable
 * form, {@code ed25519:<base64 of the 32-byte public key>}, is what goes into the configuration of whoever verifies
 * or restores (the disaster-recovery side, a drill host):
 *
 * <pre>{@code
 * Recovery.from(store).trusting(ManifestVerifyKey.parse("ed25519:Xq3…="))
 * }</pre>
 *
 * Immutable; not secret.
 */
public final class ManifestVerifyKey {
    /** Prefix of the printable form. */
    public static final String PREFIX = "ed25519:";

    private final byte[] raw;

    ManifestVerifyKey(byte[] raw) {
        this.raw = raw.clone();
    }

    /**
     * Parses {@code ed25519:<base64>} (as {@link #toString()} prints) or an Ed25519 public key in PEM
     * ({@code -----BEGIN PUBLIC KEY-----}, e.g. from {@code openssl pkey -in signing.pem -pubout}).
     */
    public static ManifestVerifyKey parse(String text) {
        Objects.requireNonNull(text, "null text");
        String t = text.strip();
        try {
            if (t.contains("-----BEGIN PUBLIC KEY-----")) {
                return new ManifestVerifyKey(Ed25519.publicKeyFromPem(t));
            }
            if (!t.startsWith(PREFIX)) {
                throw new IllegalArgumentException("it does not start with " + PREFIX);
            }
            byte[] raw = Base64.getDecoder().decode(t.substring(PREFIX.length()));
            if (raw.length != Ed25519.KEY_BYTES) {
                throw new IllegalArgumentException("the key is " + raw.length + " bytes, not " + Ed25519.KEY_BYTES);
            }
            return new ManifestVerifyKey(raw);
        } catch (IllegalArgumentException e) {
            String why = t.contains("PRIVATE KEY") ? "a private key (not shown); give its public half: "
                    + "SigningKey.verifyKey(), or openssl pkey -in key.pem -pubout" : e.getMessage();
            throw new ConfigurationException("manifest verify key", "an Ed25519 public key, ed25519:<base64> or PEM", why);
        }
    }

    /** The fingerprint recorded in manifests ({@code signedBy}): first 16 hex digits of SHA-256 of the raw key. */
    public String fingerprint() {
        return Ed25519.fingerprint(raw);
    }

    /** Whether {@code signature} is this key's Ed25519 signature of exactly {@code message}. */
    public boolean verify(byte[] message, byte[] signature) {
        return Ed25519.verify(raw, message, signature);
    }

    /** The key as PEM (SubjectPublicKeyInfo), for {@code openssl pkeyutl -verify -pubin -inkey}. */
    public String toPem() {
        return Ed25519.publicPem(raw);
    }

    /** The raw 32-byte public key. */
    public byte[] bytes() {
        return raw.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestVerifyKey k && Arrays.equals(k.raw, raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    /** The printable form, {@code ed25519:<base64>}: parseable by {@link #parse}. */
    @Override
    public String toString() {
        return PREFIX + Base64.getEncoder().encodeToString(raw);
    }
}
