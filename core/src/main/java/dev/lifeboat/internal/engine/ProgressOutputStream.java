package dev.lifeboat.internal.engine;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.LifeboatListener;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Reports the bytes written to a listener, at most every 200 ms (and once at the end). */
final class ProgressOutputStream extends FilterOutputStream {
    private static final long INTERVAL_NANOS = 200_000_000L;
    private final BackupId id;
    private final String part;
    private final LifeboatListener listener;
    private long bytes;
    private long last = System.nanoTime();

    ProgressOutputStream(OutputStream out, BackupId id, String part, LifeboatListener listener) {
        super(out);
        this.id = id;
        this.part = part;
        this.listener = listener;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        bytes += len;
        long now = System.nanoTime();
        if (now - last >= INTERVAL_NANOS) {
            last = now;
            report();
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
        report();
    }

    private void report() {
        if (listener == LifeboatListener.NONE) {
            return;
        }
        try {
            listener.progress(id, part, bytes, -1);
        } catch (RuntimeException e) {
            // a listener must not break a backup
        }
    }
}
