package dev.lifeboat.api;

/**
 * Stable error codes. Each code has an id that never changes meaning (documented with "caused by /
 * solution" in {@code docs/errors.md}) and the process exit code the CLI uses for it.
 */
public enum ErrorCode {
    /** The configuration is invalid; the message lists every problem. */
    CONFIGURATION("LB-100", 2),
    /** A required external tool (pg_dump, pg_restore, …) is missing or too old. */
    TOOL_UNAVAILABLE("LB-200", 1),
    /** The database could not be reached or queried before or after the dump. */
    DATABASE_UNAVAILABLE("LB-201", 1),
    /** The dump process failed: non-zero exit, empty or invalid output, killed. */
    DUMP_FAILED("LB-202", 1),
    /** The dump process did not finish within its timeout and was killed. */
    DUMP_TIMEOUT("LB-203", 1),
    /** Reading a source failed (files missing, unreadable root, SQLite copy failed). */
    SOURCE_FAILED("LB-204", 1),
    /** A store operation failed. */
    STORE_FAILED("LB-300", 1),
    /** The requested object or backup does not exist. */
    NOT_FOUND("LB-301", 1),
    /** Another backup of the same {@code Lifeboat} instance is running. */
    BACKUP_IN_PROGRESS("LB-302", 1),
    /**
     * A store holds a backup dated later than this machine's clock allows: this clock is behind, or the one that
     * made that backup was ahead. A backup now would not be the latest, so none is made.
     */
    CLOCK_SKEW("LB-303", 1),
    /**
     * The backup was cancelled (its thread interrupted: a cancelled Future, SIGINT or SIGTERM) before it was
     * published; what it wrote is removed and earlier backups are untouched.
     */
    CANCELLED("LB-304", 1),
    /** Stored data does not match its manifest (hash, size, missing part, unreadable manifest). */
    INTEGRITY("LB-400", 3),
    /**
     * An archive contains an entry that would escape or damage the restore target, or a part expands past the
     * restore's byte or entry caps.
     */
    UNSAFE_ARCHIVE("LB-401", 1),
    /** The restore target is not empty and replacing it was not requested. */
    RESTORE_TARGET_NOT_EMPTY("LB-402", 1),
    /** The restore itself failed (pg_restore exit code, I/O error). */
    RESTORE_FAILED("LB-403", 1),
    /**
     * The backup was written but is incomplete (files changed or unreadable while read). Reserved: an incomplete
     * backup is reported by its status ({@code BackupResult.status()}), not by an exception.
     */
    INCOMPLETE("LB-404", 3),
    /**
     * An encrypted part cannot be decrypted: no identity was given, or none of the identities given matches the
     * part's recipients. Nothing was written to the restore target.
     */
    NO_MATCHING_IDENTITY("LB-405", 1),
    /**
     * A manifest's signature is missing, does not verify, or was made by a key that is not trusted: the manifest
     * may have been tampered with, so the backup is neither restored nor counted as a good backup.
     */
    SIGNATURE_INVALID("LB-406", 3),
    /** A bug or an unexpected condition in Lifeboat. */
    INTERNAL("LB-900", 1);

    private final String id;
    private final int exitCode;

    ErrorCode(String id, int exitCode) {
        this.id = id;
        this.exitCode = exitCode;
    }

    /** The stable identifier, e.g. {@code LB-202}, shown in every message and documented in docs/errors.md. */
    public String id() {
        return id;
    }

    /** The exit code of the {@code lifeboat} command line for this error: 1 failure, 2 configuration, 3 integrity. */
    public int exitCode() {
        return exitCode;
    }
}
