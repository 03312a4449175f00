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
