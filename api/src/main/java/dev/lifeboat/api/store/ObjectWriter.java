package dev.lifeboat.api.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One atomic write in progress. Write the content to {@link #stream()}, then {@link #commit()} to publish it,
 * or {@link #abort()} to discard it. {@link #close()} aborts unless committed, so try-with-resources never
 * publishes a half-written object.
 */
public interface ObjectWriter extends AutoCloseable {
    /** The stream to write the content to. Do not close it; call {@link #commit()} or {@link #abort()}. */
    OutputStream stream();

    /**
     * Makes the object visible under its key, durably. Returns what was stored. Throws
     * {@link IllegalStateException} after {@link #abort()} or a previous commit.
     */
    ObjectInfo commit() throws IOException;

    /** Discards everything written. Idempotent; never throws. */
    void abort();

    /** Aborts unless committed. */
    @Override
    void close();
}
