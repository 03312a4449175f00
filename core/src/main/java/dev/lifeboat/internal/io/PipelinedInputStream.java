package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads {@code in} ahead on a thread of its own: the stages behind {@code in} (reading the store, verifying the
 * hash, decrypting, decompressing) and the reader of this stream (extracting files, feeding a restore tool) then
 * run at the same time instead of taking turns on one thread.
 *
 * <p>Bytes travel in buffers of {@code bufferSize}; at most {@code depth} filled buffers wait, so memory is bounded
 * by {@code (depth + 2) × bufferSize}. The end of {@code in} is the end of this stream only once {@code in} has
 * returned -1, so whatever {@code in} checks at its end (a hash) has been checked; a failure of {@code in} is
 * thrown, as the very exception, by the {@code read} that reaches it. {@link #close()} stops the thread and waits for
 * it (it ends after its current read of {@code in}); it does not close {@code in}, which the caller may use again
 * once this stream is closed. Not thread-safe: one thread reads.
 */
public final class PipelinedInputStream extends InputStream {
    private static final int END = -1;
    private static final int FAILED = -2;

    private record Chunk(byte[] data, int length, Throwable failure) {}

    private final InputStream in;
    private final int bufferSize;
    private final BlockingQueue<Chunk> queue;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private Chunk current;
    private int pos;
    private Chunk last; // END or FAILED, once taken: every later read answers the same

    /** Buffers of {@link HandOver#BUFFER}, at most {@link HandOver#DEPTH} waiting: what Lifeboat's restores use. */
    public PipelinedInputStream(InputStream in, String threadName) {
        this(in, HandOver.BUFFER, HandOver.DEPTH, threadName);
    }

    public PipelinedInputStream(InputStream in, int bufferSize, int depth, String threadName) {
        this.in = Objects.requireNonNull(in, "in");
        HandOver.requirePositive(bufferSize, depth);
        this.bufferSize = bufferSize;
        this.queue = new ArrayBlockingQueue<>(depth);
        this.thread = new Thread(this::fill, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("the stream is closed");
        }
        if (len == 0) {
            return 0;
        }
        if (current == null || pos == current.length()) {
            if (!next()) {
                return -1;
            }
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.data(), pos, b, off, n);
        pos += n;
        if (pos == current.length()) {
            free.offer(current.data());
            current = null;
        }
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length() - pos;
    }

    /** Takes the next filled buffer; false at the end of {@code in}; throws {@code in}'s failure. */
    private boolean next() throws IOException {
        Chunk c = last;
        if (c == null) {
            try {
                c = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new InterruptedIOException("interrupted while waiting for " + thread.getName());
            }
        }
        if (c.length() == END) {
            last = c;
            return false;
        }
        if (c.length() == FAILED) {
            last = c;
            HandOver.rethrow(c.failure());
        }
        current = c;
        pos = 0;
        return true;
    }

    /** Stops the thread and waits until it has ended; {@code in} is not closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            queue.clear(); // a thread waiting for room sees it, then sees closed
            try {
                thread.join(50);
            } catch (InterruptedException e) {
                interrupted = true;
                thread.interrupt();
            }
        }
        queue.clear();
        current = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The thread: fills buffers from {@code in} until its end or its failure, each handed over in order. */
    private void fill() {
        try {
            while (!closed) {
                byte[] buf = free.poll();
                if (buf == null) {
                    buf = new byte[bufferSize];
                }
                int n = 0;
                int r = 0;
                Throwable failure = null;
                try {
                    while (n < buf.length && (r = in.read(buf, n, buf.length - n)) >= 0) {
                        n += r;
                    }
                } catch (Throwable t) {
                    failure = t; // the bytes read before it are handed over first
                }
                if (n > 0 && !put(new Chunk(buf, n, null))) {
                    return;
                }
                if (failure != null) {
                    put(new Chunk(null, FAILED, failure));
                    return;
                }
                if (r < 0) {
                    put(new Chunk(null, END, null));
                    return;
                }
            }
        } catch (Throwable t) {
            put(new Chunk(null, FAILED, t));
        }
    }

    /** Hands a chunk over; false when the reader closed meanwhile. */
    private boolean put(Chunk c) {
        try {
            while (!queue.offer(c, 50, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            return false; // only close() interrupts this thread
        }
    }
}
