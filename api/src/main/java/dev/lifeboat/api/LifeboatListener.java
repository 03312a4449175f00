package dev.lifeboat.api;

import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.VerificationReport;

/**
 * Observes backups as they run. Every method has a no-op default, so a listener overrides only what it
 * needs. Listeners are called on the thread running the backup; they must be quick and must not throw
 * (an exception from a listener is logged and ignored).
 */
public interface LifeboatListener {
    /** A listener that does nothing. */
    LifeboatListener NONE = new LifeboatListener() {};

    default void backupStarted(BackupId id) {}

    default void partStarted(BackupId id, String partName) {}

    default void partFinished(BackupId id, PartInfo part) {}

    /**
     * Bytes of a part produced by its source (backups: before encryption) or read (verify, restore) so far; called
     * at most a few times a second.
     *
     * @param total the part's size when known (restore, verify), else -1
     */
    default void progress(BackupId id, String part, long bytes, long total) {}

    /** The manifest was written: the backup exists. */
    default void backupFinished(BackupResult result) {}

    /** The backup failed; nothing was published and the parts written so far were removed. */
    default void backupFailed(BackupId id, LifeboatException error) {}

    default void verifyFinished(VerificationReport report) {}
}
