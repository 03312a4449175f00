package dev.lifeboat.internal.io;

import dev.lifeboat.api.catalog.Checkpoints;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts and SHA-256-hashes the bytes read through it. */
public final class DigestingInputStream extends FilterInputStream {
    private final PrefixDigest digest;

    public DigestingInputStream(InputStream in) {
        this(in, PrefixDigest.none());
    }

    /** Also records the prefix hashes at every multiple of {@code every} bytes (see {@link #checkpoints()}). */
    public DigestingInputStream(InputStream in, long every) {
        this(in, PrefixDigest.fixed(every));
    }

    private DigestingInputStream(InputStream in, PrefixDigest digest) {
        super(in);
        this.digest = digest;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            digest.update(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads and hashes the rest of the stream. */
    public void drain() throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (read(buf, 0, buf.length) >= 0) {
            // hashing happens in read
        }
    }

    public long count() {
        return digest.count();
    }

    /** The hex SHA-256 of everything read; call once, at the end. */
    public String sha256() {
        return digest.sha256();
    }

    /** The prefix hashes recorded ({@code null} unless made with a span); call at the end. */
    public Checkpoints checkpoints() {
        return digest.checkpoints();
    }
}
