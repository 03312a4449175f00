package dev.lifeboat.internal.io;

import dev.lifeboat.api.catalog.Checkpoints;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts and SHA-256-hashes the bytes passing through on their way to {@code out}; made with
 * {@link #withCheckpoints}, it also records the prefix hashes of {@link PrefixDigest#growing()} as it goes.
 */
public final class DigestingOutputStream extends FilterOutputStream {
    private final PrefixDigest digest;
    private boolean closeTarget;

    /** Hashes and counts, recording no checkpoints ({@link #checkpoints()} is {@code null}). */
    public DigestingOutputStream(OutputStream out, boolean closeTarget) {
        this(out, closeTarget, PrefixDigest.none());
    }

    private DigestingOutputStream(OutputStream out, boolean closeTarget, PrefixDigest digest) {
        super(out);
        this.closeTarget = closeTarget;
        this.digest = digest;
    }

    /** Also records the {@link Checkpoints} of what passes: for a part's stored bytes. */
    public static DigestingOutputStream withCheckpoints(OutputStream out, boolean closeTarget) {
        return new DigestingOutputStream(out, closeTarget, PrefixDigest.growing());
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
    }

    public long count() {
        return digest.count();
    }

    /** The hex SHA-256 of everything written; call once, after the last write. */
    public String sha256() {
        return digest.sha256();
    }

    /** The prefix hashes of everything written ({@code null} unless made {@link #withCheckpoints}); call after the last write. */
    public Checkpoints checkpoints() {
        return digest.checkpoints();
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
