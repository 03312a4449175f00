package dev.lifeboat.s3.internal;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * One part's bytes in memory, in blocks (64 KiB growing to 1 MiB, so a small object costs little and a 5 GiB
 * part needs no 5 GiB array). Blocks stay allocated across {@link #reset}, so a writer reuses its buffers
 * instead of allocating per part. Every {@link #newStream()} reads the content from the start, which makes a
 * request body repeatable for retries and signing.
 */
public final class PartBuffer implements ContentStreamProvider {
    static final int FIRST_BLOCK = 64 * 1024;
    static final int MAX_BLOCK = 1024 * 1024;

    private final List<byte[]> blocks = new ArrayList<>();
    private int blockIndex;
    private int blockPos;
    private long size;
    private long capacity;

    public PartBuffer(long capacity) {
        this.capacity = capacity;
    }

    /** Empties the buffer for reuse with a (not smaller) capacity; keeps its blocks. */
    public void reset(long newCapacity) {
        size = 0;
        blockIndex = 0;
        blockPos = 0;
        capacity = newCapacity;
    }

    /** Drops the blocks. */
    public void release() {
        blocks.clear();
        reset(capacity);
    }

    public long size() {
        return size;
    }

    public long capacity() {
        return capacity;
    }

    public boolean isFull() {
        return size >= capacity;
    }

    /** Bytes held in blocks (for tests of the memory bound). */
    public long allocated() {
        long n = 0;
        for (byte[] b : blocks) {
            n += b.length;
        }
        return n;
    }

    /** Copies up to {@code len} bytes, as many as fit; returns how many. */
    public int write(byte[] b, int off, int len) {
        int n = (int) Math.min(len, capacity - size);
        int remaining = n;
        while (remaining > 0) {
            if (blockIndex == blocks.size()) {
                blocks.add(new byte[blockSize(blockIndex)]);
            }
            byte[] block = blocks.get(blockIndex);
            int c = Math.min(remaining, block.length - blockPos);
            System.arraycopy(b, off, block, blockPos, c);
            off += c;
            remaining -= c;
            blockPos += c;
            if (blockPos == block.length) {
                blockIndex++;
                blockPos = 0;
            }
        }
        size += n;
        return n;
    }

    static int blockSize(int index) {
        return index >= 4 ? MAX_BLOCK : FIRST_BLOCK << index;
    }

    /** The base64 MD5 of the content, for a {@code Content-MD5} header. */
    public String md5Base64() {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            forEachBlock(md5::update);
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no MD5 in this JVM", e);
        }
    }

    /**
     * The base64 CRC32 of the content, for an {@code x-amz-checksum-crc32} header. Given with the request, it
     * spares the SDK from computing it in an {@code aws-chunked} trailer, which copies every chunk into a new array.
     */
    public String crc32Base64() {
        CRC32 crc = new CRC32();
        forEachBlock(crc::update);
        long v = crc.getValue();
        return Base64.getEncoder().encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    private interface BlockConsumer {
        void accept(byte[] b, int off, int len);
    }

    private void forEachBlock(BlockConsumer consumer) {
        long left = size;
        for (byte[] block : blocks) {
            if (left == 0) {
                break;
            }
            int c = (int) Math.min(left, block.length);
            consumer.accept(block, 0, c);
            left -= c;
        }
    }

    @Override
    public InputStream newStream() {
        return new BlockStream();
    }

    private final class BlockStream extends InputStream {
        private final long end = size;
        private long pos;
        private int index;
        private int offset;

        @Override
        public int read() {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= end) {
                return -1;
            }
            int total = 0;
            while (len > 0 && pos < end) {
                byte[] block = blocks.get(index);
                int c = (int) Math.min(Math.min(len, block.length - offset), end - pos);
                System.arraycopy(block, offset, b, off, c);
                off += c;
                len -= c;
                total += c;
                pos += c;
                offset += c;
                if (offset == block.length) {
                    index++;
                    offset = 0;
                }
            }
            return total;
        }

        @Override
        public long skip(long n) {
            long skipped = 0;
            while (n > 0 && pos < end) {
                byte[] block = blocks.get(index);
                int c = (int) Math.min(Math.min(n, block.length - offset), end - pos);
                n -= c;
                skipped += c;
                pos += c;
                offset += c;
                if (offset == block.length) {
                    index++;
                    offset = 0;
                }
            }
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - pos);
        }
    }
}
