package dev.lifeboat.crypto;

import dev.lifeboat.internal.crypto.AgeFormat;
import dev.lifeboat.internal.crypto.SecureFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A new age key pair: an identity (private key) and its recipient (public key), the same as
 * {@code age-keygen} makes and interchangeable with it.
 *
 * <pre>{@code
 * AgeKeys keys = AgeKeys.generate();
 * keys.writeIdentityFile(Path.of("/media/offline-usb/shop-backup-key.txt"));   // 0600; keep it offline
 * String recipient = keys.recipient().keys().get(0);                           // age1…: goes into the app's config
 * }</pre>
 */
public final class AgeKeys {
    private final Identities identity;
    private final Recipients recipient;

    private AgeKeys(Identities identity, Recipients recipient) {
        this.identity = identity;
        this.recipient = recipient;
    }

    /** Generates a new X25519 key pair from the JDK's SecureRandom. */
    public static AgeKeys generate() {
        String id = AgeFormat.generateIdentity();
        return new AgeKeys(Identities.of(id), Recipients.parse(AgeFormat.recipientOf(id)));
    }

    /** The private half: only for restores. */
    public Identities identity() {
        return identity;
    }

    /** The public half: for the application's configuration. */
    public Recipients recipient() {
        return recipient;
    }

    /**
     * Writes the identity in age-keygen's format ({@code # created:}, {@code # public key:} and the
     * {@code AGE-SECRET-KEY-1…} line), readable by {@code age -d -i FILE} and {@link Identities#fromFile}. The file is
     * created with mode 0600 and never overwrites an existing one ({@link java.nio.file.FileAlreadyExistsException}).
     */
    public void writeIdentityFile(Path file) throws IOException {
        SecureFiles.createPrivate(file, identity.identityFileText(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
    }

    @Override
    public String toString() {
        return "AgeKeys[recipient " + recipient.keys().get(0) + ", identity not shown]";
    }
}
