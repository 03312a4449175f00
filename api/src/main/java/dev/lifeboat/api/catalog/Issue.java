package dev.lifeboat.api.catalog;

import java.util.Objects;

/**
 * Something a source could not capture faithfully, or skipped on purpose.
 *
 * @param severity {@link Severity#NOTICE} (skipped on purpose, e.g. a socket) or
 *     {@link Severity#INCOMPLETE} (data may be missing or inconsistent)
 * @param subject what it concerns, e.g. a path relative to the source root
 * @param message what happened
 */
public record Issue(Severity severity, String subject, String message) {
    public enum Severity {
        /** Skipped by design (sockets, FIFOs, devices); the backup is still complete. */
        NOTICE,
        /** Content is missing or may be inconsistent; the backup is {@code INCOMPLETE}. */
        INCOMPLETE
    }

    public Issue {
        Objects.requireNonNull(severity, "null severity");
        Objects.requireNonNull(subject, "null subject");
        Objects.requireNonNull(message, "null message");
    }

    @Override
    public String toString() {
        return severity + " " + subject + ": " + message;
    }
}
