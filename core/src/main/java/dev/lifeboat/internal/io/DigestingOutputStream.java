package dev.lifeboat.internal.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Counts and SHA-256-hashes the bytes passing through on their way to {@code out}. */
public final class DigestingOutputStream extends FilterOutputStream {
    private final MessageDigest digest = Hex.sha256();
    private long count;
    private boolean closeTarget;

    public DigestingOutputStream(OutputStream out, boolean closeTarget) {
        super(out);
        this.closeTarget = closeTarget;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    public long count() {
        return count;
    }

    /** The hex SHA-256 of everything written; call once, after the last write. */
    public String sha256() {
        return Hex.hex(digest.digest());
    }

    @Override
    public void close() throws IOException {
        flush();
        if (closeTarget) {
            out.close();
        }
        closeTarget = false;
    }
}
