package dev.lifeboat.crypto;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.internal.crypto.Ed25519;
import dev.lifeboat.internal.crypto.SecureFiles;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * The application's Ed25519 key that signs every manifest it writes, so that verify and restore can tell a manifest
 * the application wrote from one edited or forged on the storage side (docs/encryption.md, "Signed manifests").
 * Its public half, {@link #verifyKey()}, goes into the configuration of whoever verifies or restores.
 *
 * <p>Stored as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), which {@code openssl genpkey -algorithm ed25519}
 * also writes. {@link #toString()} shows only the fingerprint and the public half. Immutable.
 */
public final class SigningKey {
    private static final System.Logger LOG = System.getLogger(SigningKey.class.getName());

    private final PrivateKey key;
    private final ManifestVerifyKey verifyKey;

    private SigningKey(byte[] seed) {
        this.key = Ed25519.privateKey(seed);
        this.verifyKey = new ManifestVerifyKey(Ed25519.publicKeyOf(seed));
    }

    /** A new random key (not stored anywhere; see {@link #writeTo} and {@link #loadOrCreate}). */
    public static SigningKey generate() {
        byte[] seed = Ed25519.generateSeed();
        try {
            return new SigningKey(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** The key whose 32-byte Ed25519 private key (RFC 8032 seed) is {@code seed}, e.g. from a secrets manager. */
    public static SigningKey fromSeed(byte[] seed) {
        Objects.requireNonNull(seed, "null seed");
        if (seed.length != Ed25519.KEY_BYTES) {
            throw new ConfigurationException("signing key", "a 32-byte Ed25519 private key", seed.length + " bytes");
        }
        return new SigningKey(seed);
    }

    /** Parses a PKCS#8 PEM Ed25519 private key; errors never quote the text. */
    public static SigningKey fromPem(String pem) {
        Objects.requireNonNull(pem, "null pem");
        byte[] seed;
        try {
            seed = Ed25519.seedFromPem(pem);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("signing key", "an Ed25519 private key in PKCS#8 PEM", e.getMessage());
        }
        try {
            return new SigningKey(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** Loads the key stored in {@code file} (PKCS#8 PEM). Warns when the file is readable by other users. */
    public static SigningKey load(Path file) {
        Objects.requireNonNull(file, "null file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigurationException("signingKeyFile", "a readable Ed25519 private key file (PKCS#8 PEM)",
                    "\"" + file + "\" (" + (e instanceof NoSuchFileException ? "does not exist" : e.getClass().getSimpleName()) + ")");
        }
        SigningKey k;
        try {
            k = fromPem(text);
        } catch (ConfigurationException e) {
            throw new ConfigurationException("signingKeyFile", "an Ed25519 private key in PKCS#8 PEM",
                    "\"" + file + "\", which is not one");
        }
        if (SecureFiles.readableByOthers(file)) {
            LOG.log(Level.WARNING, "signing key file {0} can be read by other users; chmod 600 it", file);
        }
        return k;
    }

    /**
     * Loads the key in {@code file}, or, when there is none, generates one and stores it there (mode 0600, parent
     * directories created). Safe when several processes start at once: exactly one key is stored and all load it.
     * Logs the public half when it creates a key, so it can be copied into the verifying side's configuration.
     */
    public static SigningKey loadOrCreate(Path file) {
        Objects.requireNonNull(file, "null file");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(file)) {
            return load(file);
        }
        SigningKey k = generate();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            k.writeTo(file);
            LOG.log(Level.INFO, "created manifest signing key {0} in {1}; trust its public half where backups are verified"
                    + " and restored: {2}", k.fingerprint(), file, k.verifyKey());
            return k;
        } catch (FileAlreadyExistsException e) {
            return load(file); // another process created it first
        } catch (IOException e) {
            throw new ConfigurationException("signingKeyFile", "a path where a new signing key can be stored (0600)",
                    "\"" + file + "\" (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    /**
     * Stores the key as PKCS#8 PEM (preceded by a comment with its public half) in a new file with mode 0600; never
     * overwrites ({@link FileAlreadyExistsException}).
     */
    public void writeTo(Path file) throws IOException {
        byte[] seed = ((java.security.interfaces.EdECPrivateKey) key).getBytes().orElseThrow();
        try {
            SecureFiles.createPrivate(file, "# Lifeboat manifest signing key (Ed25519). Keep it secret.\n"
                    + "# verify key (public, for the restore side): " + verifyKey + "\n" + Ed25519.privatePem(seed));
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** The public half: what verify and restore trust. */
    public ManifestVerifyKey verifyKey() {
        return verifyKey;
    }

    /** The fingerprint recorded in signed manifests ({@code signedBy}). */
    public String fingerprint() {
        return verifyKey.fingerprint();
    }

    /** The Ed25519 signature (64 bytes) of exactly {@code message}. */
    public byte[] sign(byte[] message) {
        return Ed25519.sign(key, Objects.requireNonNull(message, "null message"));
    }

    @Override
    public String toString() {
        return "SigningKey[" + fingerprint() + ", verify key " + verifyKey + "]";
    }
}
