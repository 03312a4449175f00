package dev.lifeboat.api;

/**
 * A source could not be read: a dump tool is missing or too old, the dump process failed or timed out,
 * or a file tree could not be archived. The backup that was running is not published.
 */
public final class SourceException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    public SourceException(ErrorCode code, String message) {
        super(code, message);
    }

    public SourceException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
