package dev.lifeboat.internal.io;

import dev.lifeboat.api.IntegrityException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Hashes what it reads and withholds the last {@code holdback} bytes until the whole stream has been read and
 * matches the expected size and SHA-256. On a mismatch it throws {@link IntegrityException} instead of
 * releasing the tail, so a consumer that commits only at the end of its input (pg_restore
 * --single-transaction, an extractor that moves its staging directory into place at the end) never
 * commits tampered or truncated data.
 */
public final class VerifyingInputStream extends InputStream {
    private final InputStream in;
    private final long expectedSize;
    private final String expectedSha256;
    private final String what;
    private final MessageDigest digest = Hex.sha256();
    private final byte[] window;
    private int windowStart;
    private int windowLen;
    private boolean sourceDone;
    private boolean verified;
    private long count;

    public VerifyingInputStream(InputStream in, long expectedSize, String expectedSha256, int holdback, String what) {
        this.in = in;
        this.expectedSize = expectedSize;
        this.expectedSha256 = expectedSha256;
        this.what = what;
        this.window = new byte[Math.max(holdback, 1) * 2 + 64 * 1024];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int holdback = (window.length - 64 * 1024) / 2;
        while (true) {
            int releasable = sourceDone ? (verified ? windowLen : 0) : windowLen - holdback;
            if (releasable > 0) {
                int n = Math.min(len, releasable);
                System.arraycopy(window, windowStart, b, off, n);
                windowStart += n;
                windowLen -= n;
                return n;
            }
            if (sourceDone) {
                if (!verified) {
                    verify();
                    continue;
                }
                return -1;
            }
            fill();
        }
    }

    private void fill() throws IOException {
        if (windowStart > 0) {
            System.arraycopy(window, windowStart, window, 0, windowLen);
            windowStart = 0;
        }
        int n = in.read(window, windowLen, window.length - windowLen);
        if (n < 0) {
            sourceDone = true;
            return;
        }
        digest.update(window, windowLen, n);
        windowLen += n;
        count += n;
        if (count > expectedSize) {
            throw new IntegrityException(what + " is longer than its manifest says (more than " + expectedSize
                    + " bytes); it was modified after the backup");
        }
    }

    private void verify() {
        if (count != expectedSize) {
            throw new IntegrityException(what + " has " + count + " bytes but its manifest says " + expectedSize
                    + "; it is truncated or was modified after the backup");
        }
        String actual = Hex.hex(digest.digest());
        if (!actual.equals(expectedSha256)) {
            throw new IntegrityException(what + " does not match its manifest (SHA-256 " + actual + ", expected "
                    + expectedSha256 + "); it was modified after the backup");
        }
        verified = true;
    }

    /** Bytes read from the underlying stream so far. */
    public long count() {
        return count;
    }

    /** Whether the whole stream was read and matched. */
    public boolean verified() {
        return verified;
    }

    @Override
    public void close() throws IOException {
        Arrays.fill(window, (byte) 0);
        in.close();
    }
}
