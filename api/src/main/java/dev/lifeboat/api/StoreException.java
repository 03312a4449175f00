package dev.lifeboat.api;

/**
 * A store operation failed. The store classifies it: {@linkplain #isTransient() transient} errors
 * (timeouts, throttling, connection resets) may succeed when retried; permanent ones will not.
 */
public class StoreException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;

    public StoreException(String message, boolean transientFailure, Throwable cause) {
        this(ErrorCode.STORE_FAILED, message, transientFailure, cause);
    }

    protected StoreException(ErrorCode code, String message, boolean transientFailure, Throwable cause) {
        super(code, message, cause);
        this.transientFailure = transientFailure;
    }

    /** Whether retrying the same operation may succeed. */
    public boolean isTransient() {
        return transientFailure;
    }
}
