package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * Hands what is written to it to a thread of its own, which writes it to {@code out}: the producer (a source, the
 * compressor, the encryption) goes on while the consumer hashes and stores, so the two use two cores instead of
 * taking turns on one. Memory is bounded: {@code buffers} buffers of {@code bufferSize} bytes circulate between the
 * two threads, and the producer waits when all of them are full.
 *
 * <p>{@link #flush()} returns once everything written so far has been written to {@code out} and {@code out} was
 * flushed; what the consumer thread did is visible to the caller afterwards. A failure of {@code out} (an
 * {@link IOException} or a runtime exception such as a store's) is thrown, as it is, to the producer at its next
 * write, flush or close; the rest of its data is discarded. {@link #close()} flushes and stops the thread, without
 * closing {@code out}; {@link #abort()} stops it without writing what is left. The thread is a daemon and ends
 * with either.
 */
public final class PipelinedOutputStream extends OutputStream {
    private static final byte[] STOP = new byte[0];
    private static final byte[] FLUSH = new byte[0];

    private final OutputStream out;
    private final BlockingQueue<Chunk> full;
    private final BlockingQueue<byte[]> free;
    private final Thread consumer;
    private volatile Throwable failure;
    private volatile CountDownLatch flushed;
    private byte[] current;
    private int fill;
    private boolean stopped;

    private record Chunk(byte[] data, int len) {}

    public PipelinedOutputStream(OutputStream out, int bufferSize, int buffers, String threadName) {
        if (bufferSize < 1 || buffers < 2) {
            throw new IllegalArgumentException("bufferSize must be positive and buffers at least 2");
        }
        this.out = Objects.requireNonNull(out, "null out");
        this.full = new ArrayBlockingQueue<>(buffers + 2); // + the FLUSH and STOP markers
        this.free = new ArrayBlockingQueue<>(buffers);
        for (int i = 1; i < buffers; i++) {
            free.add(new byte[bufferSize]);
        }
        this.current = new byte[bufferSize];
        this.consumer = new Thread(this::consume, threadName);
        consumer.setDaemon(true);
        consumer.start();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, current.length - fill);
            System.arraycopy(b, off, current, fill, n);
            fill += n;
            off += n;
            len -= n;
            if (fill == current.length) {
                handOver();
            }
        }
    }

    /** Waits until everything written so far is written to {@code out} and {@code out} is flushed. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (fill > 0) {
            handOver();
        }
        CountDownLatch latch = new CountDownLatch(1);
        flushed = latch;
        put(new Chunk(FLUSH, 0));
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer thread");
        }
        rethrow();
    }

    /** Flushes, then stops the writer thread. Does not close {@code out}. */
    @Override
    public void close() throws IOException {
        if (stopped) {
            return;
        }
        try {
            flush();
        } finally {
            abort();
        }
    }

    /** Stops the writer thread without writing what is still buffered (for failure paths). Never throws. */
    public void abort() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (failure == null) {
            failure = new IOException("the stream was aborted");
        }
        // the consumer discards everything once failure is set; STOP ends it
        if (!full.offer(new Chunk(STOP, 0))) {
            consumer.interrupt();
        }
        try {
            consumer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handOver() throws IOException {
        put(new Chunk(current, fill));
        try {
            current = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer thread");
        }
        fill = 0;
        rethrow();
    }

    private void put(Chunk c) throws IOException {
        try {
            full.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer thread");
        }
    }

    private void ensureOpen() throws IOException {
        if (stopped) {
            throw new IOException("the stream is closed");
        }
        rethrow();
    }

    private void rethrow() throws IOException {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new IOException(t);
    }

    private void consume() {
        try {
            while (true) {
                Chunk c = full.take();
                if (c.data() == STOP) {
                    return;
                }
                if (c.data() == FLUSH) {
                    if (failure == null) {
                        try {
                            out.flush();
                        } catch (Throwable t) {
                            failure = t;
                        }
                    }
                    flushed.countDown();
                    continue;
                }
                if (failure == null) {
                    try {
                        out.write(c.data(), 0, c.len());
                    } catch (Throwable t) {
                        failure = t;
                    }
                }
                free.put(c.data());
            }
        } catch (InterruptedException e) {
            // aborted
        }
    }
}
