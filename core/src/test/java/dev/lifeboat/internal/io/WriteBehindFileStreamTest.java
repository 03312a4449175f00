package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindFileStreamTest {
    @TempDir
    Path dir;

    @Test
    void everyByteReachesTheFileWhileBackgroundFlushesRun() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 13];
        new SplittableRandom(3).nextBytes(data);
        Path file = dir.resolve("part");
        try (ObservedChannel ch = new ObservedChannel(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), -1, null)) {
            WriteBehindFileStream out = new WriteBehindFileStream(ch, 256 * 1024);
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, 1 + (off * 31 % 70_000));
                out.write(data, off, n);
                off += n;
            }
            out.sync();
            assertThat(ch.dataSyncs.get()).as("background flushes").isGreaterThan(0);
            assertThat(ch.fullSyncs.get()).as("the final fsync, with metadata").isEqualTo(1);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(data);
    }

    @Test
    void aFailedBackgroundFlushFailsTheNextWriteAndTheSync() throws Exception {
        Path file = dir.resolve("part");
        CountDownLatch failed = new CountDownLatch(1);
        try (ObservedChannel ch = new ObservedChannel(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), 1, failed)) {
            WriteBehindFileStream out = new WriteBehindFileStream(ch, 1024);
            out.write(new byte[2048], 0, 2048); // starts the first background flush, which fails
            assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> out.sync()).isInstanceOf(IOException.class)
                    .hasMessageContaining("writing back to disk failed").hasMessageContaining("EIO (injected)");
            assertThatThrownBy(() -> out.write(new byte[1], 0, 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("writing back to disk failed");
            assertThat(ch.fullSyncs.get()).as("no fsync may report success after a lost writeback").isZero();
        }
    }

    /** A real file channel that counts its syncs and can fail the n-th background one, as a disk error would. */
    private static final class ObservedChannel extends FileChannel {
        private final FileChannel real;
        private final int failDataSync;
        private final CountDownLatch failed;
        final AtomicInteger dataSyncs = new AtomicInteger();
        final AtomicInteger fullSyncs = new AtomicInteger();

        ObservedChannel(FileChannel real, int failDataSync, CountDownLatch failed) {
            this.real = real;
            this.failDataSync = failDataSync;
            this.failed = failed;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (metaData) {
                fullSyncs.incrementAndGet();
            } else if (dataSyncs.incrementAndGet() == failDataSync) {
                try {
                    throw new IOException("EIO (injected)");
                } finally {
                    failed.countDown();
                }
            }
            real.force(metaData);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
