package dev.lifeboat.api;

import java.util.Objects;

/**
 * The root of every exception Lifeboat throws. Unchecked; carries a stable {@link ErrorCode}.
 *
 * <p>Messages say what went wrong and what to do about it. They never contain secrets (passwords,
 * keys, secret file contents), by construction: values that may be secret are held as {@link Secret}.
 */
public abstract class LifeboatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    protected LifeboatException(ErrorCode code, String message) {
        this(code, message, null);
    }

    protected LifeboatException(ErrorCode code, String message, Throwable cause) {
        super("[" + Objects.requireNonNull(code, "null code").id() + "] " + message, cause);
        this.code = code;
    }

    /** The stable error code. */
    public ErrorCode code() {
        return code;
    }
}
