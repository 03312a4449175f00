package dev.lifeboat.api;

/**
 * The outcome recorded in a published manifest. A backup that failed has no manifest and therefore no
 * status: it does not exist.
 */
public enum BackupStatus {
    /** Every part was read completely and stored. */
    SUCCESS,
    /**
     * Every part was stored, but some content could not be captured faithfully (a file was unreadable or
     * changed while it was read). The manifest lists what. Never counted as a plain success.
     */
    INCOMPLETE
}
