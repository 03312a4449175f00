package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Hands the bytes written to it to a thread of its own, which writes them to {@code out}: the writer (a source
 * archiving and compressing, or reading a dump) and the stages behind this stream (hashing, encryption, the
 * stores) then run at the same time instead of taking turns on one thread.
 *
 * <p>Bytes travel in buffers of {@code bufferSize}; at most {@code depth} full buffers wait, so memory is bounded
 * by {@code (depth + 3) × bufferSize} whatever the amount of data. {@link #flush()} hands over what is buffered
 * and passes the flush on, without waiting. {@link #close()} waits until everything has been written to
 * {@code out} (and {@code out} flushed, not closed). A failure of the thread writing to {@code out} is thrown, as
 * the very exception, by the next {@code write}, {@code flush} or {@code close}.
 *
 * <p>When the writer gives up (its own failure), it must call {@link #abort()}: the remaining buffers are dropped
 * and the thread ends before {@code abort} returns, so the caller may then abandon {@code out} safely. Interrupting
 * a thread blocked in {@code write} or {@code close} aborts. Not thread-safe: one thread writes.
 */
public final class PipelinedOutputStream extends OutputStream {
    private static final int END = -1;
    private static final int ABORT = -2;
    private static final int FLUSH = -3;

    private record Chunk(byte[] data, int length) {}

    private final OutputStream out;
    private final int bufferSize;
    private final BlockingQueue<Chunk> queue;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean aborted;
    private byte[] current;
    private int fill;
    private boolean ended;

    /** Buffers of {@link HandOver#BUFFER}, at most {@link HandOver#DEPTH} waiting: what Lifeboat's backups use. */
    public PipelinedOutputStream(OutputStream out, String threadName) {
        this(out, HandOver.BUFFER, HandOver.DEPTH, threadName);
    }

    public PipelinedOutputStream(OutputStream out, int bufferSize, int depth, String threadName) {
        this.out = Objects.requireNonNull(out, "out");
        HandOver.requirePositive(bufferSize, depth);
        this.bufferSize = bufferSize;
        this.queue = new ArrayBlockingQueue<>(depth + 1); // + 1: room for the end marker
        this.thread = new Thread(this::drain, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        requireOpen();
        rethrow();
        while (len > 0) {
            if (current == null) {
                byte[] recycled = free.poll();
                current = recycled != null ? recycled : new byte[bufferSize];
                fill = 0;
            }
            int n = Math.min(len, bufferSize - fill);
            System.arraycopy(b, off, current, fill, n);
            fill += n;
            off += n;
            len -= n;
            if (fill == bufferSize) {
                handOver();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        requireOpen();
        rethrow();
        if (fill > 0) {
            handOver();
        }
        put(new Chunk(null, FLUSH));
    }

    /** Waits until every byte has been written to {@code out} and {@code out} flushed; does not close it. */
    @Override
    public void close() throws IOException {
        if (ended) {
            rethrow();
            return;
        }
        try {
            requireOpen();
            if (fill > 0) {
                handOver();
            }
            put(new Chunk(null, END));
            ended = true;
            if (join()) {
                rethrow();
                // the thread was told to drop the rest: what reached out is incomplete, and must not pass for done
                throw new InterruptedIOException("interrupted while waiting for " + thread.getName() + " to finish writing");
            }
        } finally {
            if (!ended) {
                abort();
            }
        }
        rethrow();
    }

    /**
     * Drops what was not written yet and returns once the thread has ended; {@code out} is neither flushed nor
     * closed. Does nothing after {@link #close()}; may be called more than once.
     */
    public void abort() {
        if (ended) {
            return;
        }
        ended = true;
        aborted = true;
        current = null;
        // make room for the marker: whatever is queued is dropped anyway
        while (!queue.offer(new Chunk(null, ABORT))) {
            queue.poll();
        }
        join();
    }

    private void handOver() throws IOException {
        Chunk c = new Chunk(current, fill);
        current = null;
        fill = 0;
        put(c);
    }

    private void put(Chunk c) throws IOException {
        try {
            queue.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new InterruptedIOException("interrupted while handing data to " + thread.getName());
        }
    }

    /**
     * Waits for the thread; an interrupt meanwhile is passed on to it (it then drops what is left) and kept for the
     * caller. Returns whether that happened.
     */
    private boolean join() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
                aborted = true;
                thread.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return interrupted;
    }

    private void requireOpen() throws IOException {
        if (ended) {
            throw new IOException("the stream is closed");
        }
    }

    private void rethrow() throws IOException {
        Throwable t = failure;
        if (t != null) {
            HandOver.rethrow(t);
        }
    }

    /** The thread: writes each chunk to {@code out} until the end marker; after a failure it only drains. */
    private void drain() {
        while (true) {
            Chunk c;
            try {
                c = queue.take();
            } catch (InterruptedException e) {
                fail(new InterruptedIOException("interrupted while writing"));
                continue; // the producer always ends with a marker; keep draining until it comes
            }
            if (c.length() == END || c.length() == ABORT) {
                if (c.length() == END && failure == null && !aborted) {
                    try {
                        out.flush();
                    } catch (Throwable t) {
                        fail(t);
                    }
                }
                return;
            }
            if (failure != null || aborted) {
                continue;
            }
            try {
                if (c.length() == FLUSH) {
                    out.flush();
                } else {
                    out.write(c.data(), 0, c.length());
                    free.offer(c.data());
                }
            } catch (Throwable t) {
                fail(t);
            }
        }
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }
}
