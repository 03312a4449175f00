package dev.lifeboat.internal.io;

import dev.lifeboat.api.StoreException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Wraps a store's stream so that its failures surface as {@link StoreException}s naming the object and store,
 * and cannot be mistaken for a failure of the source writing into it.
 */
public final class StoreOutputStream extends OutputStream {
    private final OutputStream out;
    private final String what;

    public StoreOutputStream(OutputStream out, String what) {
        this.out = out;
        this.what = what;
    }

    @Override
    public void write(int b) {
        try {
            out.write(b);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public void close() {
        flush();
    }

    private StoreException failure(IOException e) {
        if (e.getCause() instanceof StoreException se) {
            return se;
        }
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new StoreException("writing " + what + " failed: " + reason, true, e);
    }
}
