package dev.lifeboat.api;

/** A backup was requested while another one is running in this process. */
public final class BackupInProgressException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    private final BackupId running;

    public BackupInProgressException(BackupId running) {
        super(ErrorCode.BACKUP_IN_PROGRESS, "backup " + running + " is already running; wait for it to finish"
                + " (one backup runs at a time per Lifeboat instance)");
        this.running = running;
    }

    /** The id of the backup that is running. */
    public BackupId running() {
        return running;
    }
}
