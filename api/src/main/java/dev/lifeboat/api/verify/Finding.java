package dev.lifeboat.api.verify;

import java.util.Objects;

/**
 * One problem found by verification.
 *
 * @param type what kind of problem
 * @param subject what it concerns: a part name, or {@code manifest}
 * @param message details (expected vs actual)
 */
public record Finding(Type type, String subject, String message) {
    public enum Type {
        MANIFEST_MISSING,
        MANIFEST_INVALID,
        PART_MISSING,
        SIZE_MISMATCH,
        HASH_MISMATCH,
        UNREADABLE,
        /**
         * The manifest's signature is missing, does not verify, or was made by an untrusted key: the manifest (and so
         * every hash in it) cannot be trusted.
         */
        SIGNATURE_INVALID,
        /** CONTENT with identities: none of them matches the part's recipients, so its plaintext was not checked. */
        NO_MATCHING_IDENTITY,
        /** CONTENT with identities: the stored bytes match the manifest but do not decrypt (age authentication failed). */
        DECRYPTION_FAILED,
        /** The backup was published as INCOMPLETE: some content could not be captured. */
        INCOMPLETE
    }

    public Finding {
        Objects.requireNonNull(type, "null type");
        Objects.requireNonNull(subject, "null subject");
        Objects.requireNonNull(message, "null message");
    }

    @Override
    public String toString() {
        return type + " " + subject + ": " + message;
    }
}
