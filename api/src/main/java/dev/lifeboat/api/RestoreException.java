package dev.lifeboat.api;

/**
 * A restore was refused or failed. Refusals ({@link ErrorCode#UNSAFE_ARCHIVE},
 * {@link ErrorCode#RESTORE_TARGET_NOT_EMPTY}) happen before anything is written to the target.
 */
public final class RestoreException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    public RestoreException(ErrorCode code, String message) {
        super(code, message);
    }

    public RestoreException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
