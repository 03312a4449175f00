package dev.lifeboat.internal.io;

import java.io.FilterInputStream;
import java.io.InputStream;

/** Passes reads through; {@link #close()} does nothing, so a reader cannot close a stream it does not own. */
public final class NonClosingInputStream extends FilterInputStream {
    public NonClosingInputStream(InputStream in) {
        super(in);
    }

    @Override
    public void close() {
        // the owner closes the underlying stream
    }
}
