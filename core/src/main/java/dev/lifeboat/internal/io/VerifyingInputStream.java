package dev.lifeboat.internal.io;

import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.catalog.Checkpoints;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Hashes what it reads and releases nothing that has not matched the manifest.
 *
 * <p>With {@link Checkpoints} it reads one span at a time and releases a span only once the prefix it ends
 * matches its checkpoint; the last span only once the whole stream matches its size and SHA-256. A consumer
 * therefore sees only bytes of the backup, in order, and never the backup's last bytes unless all of it is
 * intact: it cannot commit a replaced or truncated part, even one that is itself a valid dump followed by
 * padding (pg_restore commits when its input's table of contents is done, without reading to the end).
 *
 * <p>Without checkpoints (manifests written before they were recorded) it withholds the last {@code holdback}
 * bytes until the whole stream has been read and matches, which protects a consumer that commits only at the end
 * of the backup's own content (pg_restore --single-transaction of the genuine dump, an extractor that moves its
 * staging directory into place at the end). On a mismatch it throws {@link IntegrityException} instead of
 * releasing what is held.
 */
public final class VerifyingInputStream extends InputStream {
    /** The largest span this reads into memory; parts with a larger span (over 8 TiB) are refused. */
    private static final long MAX_SPAN = 1L << 30;

    private final InputStream in;
    private final long expectedSize;
    private final String expectedSha256;
    private final Checkpoints checkpoints;
    private final String what;
    private final MessageDigest digest = Hex.sha256();
    private final byte[] window;
    private int windowStart;
    private int windowLen;
    private int released; // checkpoint mode: the window holds verified bytes up to here
    private int nextCheckpoint;
    private boolean sourceDone;
    private boolean verified;
    private long count;
    private Exception failure;

    public VerifyingInputStream(InputStream in, long expectedSize, String expectedSha256, int holdback, String what) {
        this(in, expectedSize, expectedSha256, null, holdback, what);
    }

    /** {@code checkpoints} may be {@code null}: then the last {@code holdback} bytes are withheld instead. */
    public VerifyingInputStream(InputStream in, long expectedSize, String expectedSha256, Checkpoints checkpoints,
            int holdback, String what) {
        this.in = in;
        this.expectedSize = expectedSize;
        this.expectedSha256 = expectedSha256;
        this.checkpoints = checkpoints;
        this.what = what;
        if (checkpoints != null) {
            if (checkpoints.every() > MAX_SPAN) {
                throw new IntegrityException(what + " has checkpoints every " + checkpoints.every()
                        + " bytes; this Lifeboat verifies spans of at most " + MAX_SPAN + " bytes");
            }
            // one span, and the byte that shows a last span is longer than the manifest says
            this.window = new byte[(int) Math.min(checkpoints.every(), Math.max(expectedSize, 0)) + 1];
        } else {
            this.window = new byte[Math.max(holdback, 1) * 2 + 64 * 1024];
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        // a failure stays: a consumer that reads again after it (or swallows it) gets it again, never an end of
        // stream that would look like a whole part
        if (failure instanceof IOException io) {
            throw io;
        } else if (failure != null) {
            throw (RuntimeException) failure;
        }
        if (len == 0) {
            return 0;
        }
        try {
            return checkpoints != null ? readSpans(b, off, len) : readHoldingBack(b, off, len);
        } catch (IOException | RuntimeException e) {
            failure = e;
            throw e;
        }
    }

    private int readSpans(byte[] b, int off, int len) throws IOException {
        while (true) {
            if (windowStart < released) {
                int n = Math.min(len, released - windowStart);
                System.arraycopy(window, windowStart, b, off, n);
                windowStart += n;
                return n;
            }
            if (sourceDone) {
                return -1;
            }
            windowStart = 0;
            windowLen = 0;
            released = 0;
            boolean last = nextCheckpoint >= checkpoints.sha256().size();
            // a span ends at the next checkpoint; the last one at the end of the stream
            long end = last ? Long.MAX_VALUE : (nextCheckpoint + 1L) * checkpoints.every();
            while (count < end && !sourceDone) {
                fillAtMost((int) Math.min(window.length - windowLen, end - count));
            }
            if (last || sourceDone) {
                verify(); // a stream that ends before a checkpoint is truncated: said so here
            } else {
                String expected = checkpoints.sha256().get(nextCheckpoint);
                String actual = PrefixDigest.current(digest);
                if (!actual.equals(expected)) {
                    throw new IntegrityException(what + " differs from its manifest in bytes " + (end - checkpoints.every())
                            + " to " + end + " (SHA-256 of its first " + end + " bytes " + actual + ", expected " + expected
                            + "); it was modified after the backup");
                }
                nextCheckpoint++;
            }
            released = windowLen;
        }
    }

    private int readHoldingBack(byte[] b, int off, int len) throws IOException {
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
            if (windowStart > 0) {
                System.arraycopy(window, windowStart, window, 0, windowLen);
                windowStart = 0;
            }
            fillAtMost(window.length - windowLen);
        }
    }

    /** Reads at most {@code max} bytes after the window's content, hashing them; marks the end of the source. */
    private void fillAtMost(int max) throws IOException {
        if (max <= 0) {
            // a last span longer than the window: more bytes than the manifest says
            throw new IntegrityException(what + " is longer than its manifest says (more than " + expectedSize
                    + " bytes); it was modified after the backup");
        }
        int n = in.read(window, windowStart + windowLen, max);
        if (n < 0) {
            sourceDone = true;
            return;
        }
        digest.update(window, windowStart + windowLen, n);
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
