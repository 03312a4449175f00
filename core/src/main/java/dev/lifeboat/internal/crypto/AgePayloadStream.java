package dev.lifeboat.internal.crypto;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The payload of an age file (age-encryption.org/v1, "STREAM"): the plaintext cut into 64 KiB chunks, each sealed
 * with ChaCha20-Poly1305 under the payload key and the nonce {@code 11-byte big-endian chunk counter || last flag},
 * written in order. The header and the payload key come from jagged ({@link AgeFormat#encrypt}); this class only
 * seals chunks, with the JDK's cipher or Conscrypt's ({@link ChunkCiphers}).
 *
 * <p>The chunks are independent once the key is known, so they are sealed on {@code threads} worker threads and
 * written in order by the caller's thread: on JDK 17 the JDK's cipher runs at ≈ 200 MB/s per core and is the slowest
 * stage of an encrypted backup. At most {@code 4 × threads} chunks are in flight (≈ 128 KiB each), so memory stays
 * constant. With one thread, chunks are sealed on the caller's thread.
 *
 * <p>As in age, a chunk is sealed only when it is known whether it is the last: a full chunk waits for the next
 * byte, and {@link #close()} seals the final one (empty only when the whole plaintext is empty).
 */
final class AgePayloadStream extends OutputStream {
    static final int CHUNK = 64 * 1024;
    private static final int TAG = 16;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final OutputStream out;
    private final SecretKeySpec key;
    private final byte[] keyBytes;
    private final ThreadPoolExecutor pool;
    private final int maxInFlight;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final ArrayDeque<byte[]> freePlain = new ArrayDeque<>();
    private final ArrayDeque<byte[]> freeSealed = new ArrayDeque<>();
    private final Cipher inline;
    private byte[] current = new byte[CHUNK];
    private int fill;
    private long counter;
    private boolean closed;
    private IOException failure;

    private record Pending(Future<Integer> sealed, byte[] plain, byte[] out) {}

    AgePayloadStream(OutputStream out, byte[] payloadKey, int threads) throws GeneralSecurityException {
        this.out = out;
        this.keyBytes = payloadKey.clone();
        this.key = new SecretKeySpec(keyBytes, "ChaCha20");
        if (threads > 1) {
            int id = POOLS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            this.pool = new ThreadPoolExecutor(threads, threads, 2, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "lifeboat-age-" + id + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            // an abandoned stream (its backup failed) leaves no threads behind
            this.pool.allowCoreThreadTimeOut(true);
            this.maxInFlight = 4 * threads;
            this.inline = null;
        } else {
            this.pool = null;
            this.maxInFlight = 0;
            this.inline = ChunkCiphers.newCipher();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the age stream is closed");
        }
        failIfBroken();
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (fill == CHUNK) {
                seal(false); // more data follows, so this full chunk is not the last
            }
            int n = Math.min(len, CHUNK - fill);
            System.arraycopy(b, off, current, fill, n);
            fill += n;
            off += n;
            len -= n;
        }
    }

    /** Chunks already sealed are written; the last chunk waits for {@link #close()}. */
    @Override
    public void flush() throws IOException {
        failIfBroken();
        while (!inFlight.isEmpty() && inFlight.peek().sealed().isDone()) {
            writeOldest();
        }
        out.flush();
    }

    /** Seals the last chunk and writes everything; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            failIfBroken();
            seal(true);
            while (!inFlight.isEmpty()) {
                writeOldest();
            }
        } finally {
            Arrays.fill(keyBytes, (byte) 0);
            Arrays.fill(current, (byte) 0);
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    private void seal(boolean last) throws IOException {
        byte[] plain = current;
        int len = fill;
        byte[] nonce = nonce(counter++, last);
        if (pool == null) {
            byte[] sealed = sealedBuffer();
            int n;
            try {
                n = seal(inline, key, nonce, plain, len, sealed);
            } catch (GeneralSecurityException e) {
                throw broken(e);
            }
            out.write(sealed, 0, n);
            freeSealed.push(sealed);
            fill = 0;
            return;
        }
        byte[] sealed = sealedBuffer();
        Future<Integer> f = pool.submit(() -> seal(CIPHER.get(), key, nonce, plain, len, sealed));
        inFlight.add(new Pending(f, plain, sealed));
        current = freePlain.isEmpty() ? new byte[CHUNK] : freePlain.pop();
        fill = 0;
        while (inFlight.size() >= maxInFlight) {
            writeOldest();
        }
    }

    private void writeOldest() throws IOException {
        Pending p = inFlight.poll();
        int n;
        try {
            n = p.sealed().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw broken(new InterruptedIOException("interrupted while encrypting"));
        } catch (ExecutionException e) {
            throw broken(e.getCause());
        }
        out.write(p.out(), 0, n);
        freePlain.push(p.plain());
        freeSealed.push(p.out());
    }

    private byte[] sealedBuffer() {
        return freeSealed.isEmpty() ? new byte[CHUNK + TAG] : freeSealed.pop();
    }

    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return ChunkCiphers.newCipher();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available on this JDK", e);
        }
    });

    private static int seal(Cipher c, SecretKeySpec key, byte[] nonce, byte[] plain, int len, byte[] out)
            throws GeneralSecurityException {
        c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
        return c.doFinal(plain, 0, len, out, 0);
    }

    /** age's STREAM nonce: the chunk counter as 11 big-endian bytes, then 0x01 for the last chunk, else 0x00. */
    static byte[] nonce(long counter, boolean last) {
        byte[] n = new byte[12];
        for (int i = 0; i < 8; i++) {
            n[10 - i] = (byte) (counter >>> (8 * i));
        }
        n[11] = (byte) (last ? 1 : 0);
        return n;
    }

    private void failIfBroken() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private IOException broken(Throwable cause) {
        failure = cause instanceof IOException io ? io : new IOException("age encryption failed: " + cause, cause);
        if (pool != null) {
            pool.shutdownNow();
        }
        return failure;
    }
}
