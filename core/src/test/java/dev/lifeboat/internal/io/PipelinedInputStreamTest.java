package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PipelinedInputStreamTest {
    private static final String THREAD = "read-ahead-test";

    @Test
    void everyByteArrivesInOrderWhateverTheReadSizes() throws Exception {
        byte[] data = new byte[2 * 1024 * 1024 + 5];
        new SplittableRandom(3).nextBytes(data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (PipelinedInputStream p = new PipelinedInputStream(new ByteArrayInputStream(data), 64 * 1024, 3, THREAD)) {
            SplittableRandom sizes = new SplittableRandom(9);
            byte[] buf = new byte[200_000];
            while (true) {
                if (sizes.nextInt(10) == 0) {
                    int b = p.read();
                    if (b < 0) {
                        break;
                    }
                    got.write(b);
                    continue;
                }
                int n = p.read(buf, 0, sizes.nextInt(1, buf.length));
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            assertThat(p.read()).isEqualTo(-1);
            assertThat(p.read(buf)).isEqualTo(-1);
        }
        assertThat(got.toByteArray()).isEqualTo(data);
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void aFailureAtTheEndOfTheSourceReplacesTheEndOfTheStream() throws Exception {
        // like a hash check that fails at the end of a part: the bytes before it arrive, then the failure, never -1
        IllegalStateException mismatch = new IllegalStateException("does not match its manifest");
        InputStream checked = new InputStream() {
            private final InputStream data = new ByteArrayInputStream(new byte[300_000]);

            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = data.read(b, off, len);
                if (n < 0) {
                    throw mismatch;
                }
                return n;
            }
        };
        PipelinedInputStream p = new PipelinedInputStream(checked, 64 * 1024, 2, THREAD);
        byte[] buf = new byte[8192];
        long total = 0;
        try {
            int n;
            while ((n = p.read(buf)) >= 0) {
                total += n;
            }
            throw new AssertionError("the end was reported although the source failed");
        } catch (IllegalStateException e) {
            assertThat(e).isSameAs(mismatch);
        }
        assertThat(total).isEqualTo(300_000);
        assertThatThrownBy(p::read).isSameAs(mismatch); // and stays failed
        p.close();
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void memoryIsBoundedAndCloseStopsTheThreadWithoutClosingTheSource() throws Exception {
        AtomicLong supplied = new AtomicLong();
        AtomicBoolean sourceClosed = new AtomicBoolean();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                supplied.incrementAndGet();
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                supplied.addAndGet(len);
                return len;
            }

            @Override
            public void close() {
                sourceClosed.set(true);
            }
        };
        int buffer = 4096;
        int depth = 4;
        PipelinedInputStream p = new PipelinedInputStream(endless, buffer, depth, THREAD);
        assertThat(p.read(new byte[10])).isEqualTo(10);
        Thread.sleep(300); // the thread fills what it may, then waits
        assertThat(supplied.get()).isLessThanOrEqualTo((long) (depth + 2) * buffer);
        p.close();
        assertThat(threadAlive()).isFalse();
        assertThat(sourceClosed).isFalse();
        assertThatThrownBy(p::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
        p.close();
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(THREAD) && t.isAlive());
    }
}
