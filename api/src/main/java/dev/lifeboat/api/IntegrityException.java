package dev.lifeboat.api;

/** Stored data does not match what its manifest promises, or a manifest cannot be trusted. */
public final class IntegrityException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    public IntegrityException(String message) {
        super(ErrorCode.INTEGRITY, message);
    }

    public IntegrityException(String message, Throwable cause) {
        super(ErrorCode.INTEGRITY, message, cause);
    }

    /**
     * An integrity failure with a more specific code, e.g. {@link ErrorCode#SIGNATURE_INVALID} for a manifest whose
     * signature does not verify.
     */
    public IntegrityException(ErrorCode code, String message) {
        super(code, message);
    }
}
