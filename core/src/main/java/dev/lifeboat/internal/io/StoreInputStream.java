package dev.lifeboat.internal.io;

import dev.lifeboat.api.StoreException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Wraps a store's stream so that its read failures (a failing disk, an S3 download that stays broken after its
 * retries) surface as {@link StoreException}s naming the object and store: a restore then knows the copy, not the
 * target, failed, and tries another store's copy. An interrupt stays what it is: the operator stopped the restore.
 */
public final class StoreInputStream extends FilterInputStream {
    private final String what;

    public StoreInputStream(InputStream in, String what) {
        super(in);
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        try {
            return in.read();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return in.skip(n);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** The interrupt itself, to be thrown; any other failure is thrown here as a {@link StoreException}. */
    private IOException failure(IOException e) {
        if (e instanceof InterruptedIOException || e instanceof ClosedByInterruptException) {
            return e;
        }
        if (e.getCause() instanceof StoreException se) {
            throw se;
        }
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        throw new StoreException("reading " + what + " failed: " + reason, true, e);
    }
}
