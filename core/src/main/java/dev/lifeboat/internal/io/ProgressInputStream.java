package dev.lifeboat.internal.io;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.LifeboatListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reports the bytes read to a listener, at most every 200 ms and once at the end. */
public final class ProgressInputStream extends FilterInputStream {
    private static final long INTERVAL_NANOS = 200_000_000L;
    private final BackupId id;
    private final String part;
    private final long total;
    private final LifeboatListener listener;
    private long bytes;
    private long last = System.nanoTime();

    private ProgressInputStream(InputStream in, BackupId id, String part, long total, LifeboatListener listener) {
        super(in);
        this.id = id;
        this.part = part;
        this.total = total;
        this.listener = listener;
    }

    /** {@code in} itself when nobody listens. */
    public static InputStream wrap(InputStream in, BackupId id, String part, long total, LifeboatListener listener) {
        return listener == null || listener == LifeboatListener.NONE ? in : new ProgressInputStream(in, id, part, total, listener);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        count(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        count(n);
        return n;
    }

    private void count(int n) {
        if (n > 0) {
            bytes += n;
        }
        long now = System.nanoTime();
        if (n < 0 || now - last >= INTERVAL_NANOS) {
            last = now;
            try {
                listener.progress(id, part, bytes, total);
            } catch (RuntimeException e) {
                // a listener must not break a restore
            }
        }
    }
}
