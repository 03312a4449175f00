package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PipelinedOutputStreamTest {
    private static final String THREAD = "pipeline-test";

    @Test
    void everyByteArrivesInOrderWhateverTheWriteSizes() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new SplittableRandom(7).nextBytes(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AtomicBoolean flushed = new AtomicBoolean();
        OutputStream downstream = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sink.write(b, off, len);
            }

            @Override
            public void flush() {
                flushed.set(true);
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(downstream, 64 * 1024, 3, THREAD);
        SplittableRandom sizes = new SplittableRandom(1);
        int off = 0;
        while (off < data.length) {
            int n = Math.min(data.length - off, sizes.nextInt(0, 200_000));
            if (n == 1) {
                p.write(data[off]);
            } else {
                p.write(data, off, n);
            }
            off += n;
        }
        p.close();
        assertThat(sink.toByteArray()).isEqualTo(data);
        assertThat(flushed).isTrue();
        assertThat(threadAlive()).isFalse();
        assertThatThrownBy(() -> p.write(1)).isInstanceOf(IOException.class).hasMessageContaining("closed");
        p.close(); // a second close is harmless
    }

    @Test
    void aFailureDownstreamIsThrownToTheWriterAsTheSameException() throws Exception {
        IllegalStateException boom = new IllegalStateException("store is gone");
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) {
                throw boom;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                throw boom;
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(failing, 1024, 2, THREAD);
        byte[] chunk = new byte[1024];
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10_000; i++) {
                p.write(chunk);
            }
        }).isSameAs(boom);
        assertThatThrownBy(p::close).isSameAs(boom);
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void anIOExceptionDownstreamIsThrownByClose() throws Exception {
        IOException full = new IOException("No space left on device");
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw full;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw full;
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(failing, 1024, 2, THREAD);
        p.write(new byte[100]);
        assertThatThrownBy(p::close).isSameAs(full);
    }

    @Test
    void memoryIsBoundedWhenTheDownstreamIsSlowerThanTheWriter() throws Exception {
        GatedSink blocked = new GatedSink();
        int buffer = 1024;
        int depth = 4;
        PipelinedOutputStream p = new PipelinedOutputStream(blocked, buffer, depth, THREAD);
        AtomicLong accepted = new AtomicLong();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = inBackground(() -> {
            byte[] b = new byte[100];
            for (int i = 0; i < 10_000; i++) {
                p.write(b);
                accepted.addAndGet(b.length);
            }
            p.close();
        }, writerFailure);
        Thread.sleep(300);
        // queued buffers, the one the thread holds and the one being filled: nothing more is taken in
        assertThat(accepted.get()).isLessThanOrEqualTo((long) (depth + 3) * buffer);
        assertThat(writer.isAlive()).isTrue();
        blocked.gate.countDown();
        writer.join(10_000);
        assertThat(writerFailure.get()).isNull();
        assertThat(blocked.received.get()).isEqualTo(1_000_000);
    }

    @Test
    void abortDropsWhatIsQueuedAndEndsTheThreadWithoutFlushing() throws Exception {
        GatedSink slow = new GatedSink();
        PipelinedOutputStream p = new PipelinedOutputStream(slow, 1000, 8, THREAD);
        for (int i = 0; i < 5; i++) {
            p.write(new byte[1000]);
        }
        assertThat(slow.entered.await(5, TimeUnit.SECONDS)).isTrue();
        Thread releaser = new Thread(() -> {
            sleep(200);
            slow.gate.countDown();
        });
        releaser.start();
        p.abort(); // returns only once the thread is done with the write it is in
        assertThat(threadAlive()).isFalse();
        assertThat(slow.received.get()).isEqualTo(1000); // the four queued buffers were dropped
        assertThat(slow.flushed).isFalse();
        p.abort();
        p.close(); // after abort: nothing to do, no failure to report
    }

    @Test
    void anInterruptedWriterAbortsAndIsToldSo() throws Exception {
        GatedSink stuck = new GatedSink(); // never opened: the pipeline interrupts its thread when the writer is
        PipelinedOutputStream p = new PipelinedOutputStream(stuck, 100, 1, THREAD);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = inBackground(() -> {
            for (int i = 0; i < 1000; i++) {
                p.write(new byte[100]);
            }
        }, failure);
        Thread.sleep(200);
        writer.interrupt();
        writer.join(5_000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void anInterruptedCloseDoesNotPassForComplete() throws Exception {
        GatedSink slow = new GatedSink();
        PipelinedOutputStream p = new PipelinedOutputStream(slow, 100, 4, THREAD);
        for (int i = 0; i < 4; i++) {
            p.write(new byte[100]);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread closer = inBackground(p::close, failure);
        assertThat(slow.entered.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        closer.interrupt();
        closer.join(5_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(slow.received.get()).isLessThan(400);
        assertThat(threadAlive()).isFalse();
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Starts {@code action} on a thread of its own; what it throws lands in {@code failure}. */
    private static Thread inBackground(Action action, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        return t;
    }

    /** A sink whose writes wait until {@link #gate} opens (or the writing thread is interrupted). */
    private static final class GatedSink extends OutputStream {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean flushed = new AtomicBoolean();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            received.addAndGet(len);
        }

        @Override
        public void flush() {
            flushed.set(true);
        }
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(THREAD) && t.isAlive());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
