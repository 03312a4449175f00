package dev.lifeboat.api;

/** An unexpected condition: a bug in Lifeboat or an environment it does not support. */
public final class InternalException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    public InternalException(String message, Throwable cause) {
        super(ErrorCode.INTERNAL, message, cause);
    }
}
