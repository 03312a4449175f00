package dev.lifeboat.api;

/**
 * A backup was cancelled before it was published: the thread running it was interrupted (a cancelled
 * {@code Future}, an application shutting down, SIGINT or SIGTERM to the CLI). What it had written is removed;
 * earlier backups are untouched. Whatever the backup was doing when interrupted (dumping, uploading, publishing),
 * this is the code, so that a cancellation is never mistaken for a failing source or store.
 */
public final class CancelledException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    public CancelledException(String message, Throwable cause) {
        super(ErrorCode.CANCELLED, message, cause);
    }
}
