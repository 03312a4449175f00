package dev.lifeboat.api;

/** A backup, a part or a stored object does not exist. */
public final class NotFoundException extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(ErrorCode.NOT_FOUND, message, false, null);
    }
}
