package dev.lifeboat;

import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection by wrapping a real store: after {@code failAfterBytes} bytes written in total, writes fail
 * like a full disk; or the commit of keys matching {@code failCommitOf} fails (before the object is stored, or,
 * with {@link #losingCommitOf}, after it was stored, like a response lost on the way back), or a stat fails
 * ({@link #failingStatOf}). Every key whose
 * commit reached the real store is recorded in {@link #committed()}.
 */
final class FaultyStore implements Store {
    private final Store delegate;
    private final long failAfterBytes;
    private final String failCommitOf;
    private final boolean storeBeforeFailing;
    private volatile String failStatOf;
    private volatile String refuseDeleteOf;
    private volatile String failReadOf;
    private volatile long failReadAfter;
    private volatile boolean failReadUnchecked;
    private volatile java.util.OptionalLong usableSpace;
    private final AtomicLong written = new AtomicLong();
    private final List<String> committed = new CopyOnWriteArrayList<>();

    private FaultyStore(Store delegate, long failAfterBytes, String failCommitOf, boolean storeBeforeFailing) {
        this.delegate = delegate;
        this.failAfterBytes = failAfterBytes;
        this.failCommitOf = failCommitOf;
        this.storeBeforeFailing = storeBeforeFailing;
    }

    static FaultyStore diskFullAfter(Store delegate, long bytes) {
        return new FaultyStore(delegate, bytes, null, false);
    }

    static FaultyStore failingCommitOf(Store delegate, String keySuffix) {
        return new FaultyStore(delegate, Long.MAX_VALUE, keySuffix, false);
    }

    /** The commit of keys ending in {@code keySuffix} stores the object, then fails as if the answer was lost. */
    static FaultyStore losingCommitOf(Store delegate, String keySuffix) {
        return new FaultyStore(delegate, Long.MAX_VALUE, keySuffix, true);
    }

    /** Also fails every {@link #stat} of keys ending in {@code keySuffix}, like a store that cannot be reached. */
    FaultyStore failingStatOf(String keySuffix) {
        this.failStatOf = keySuffix;
        return this;
    }

    /**
     * Refuses every {@link #delete} of keys ending in {@code keySuffix} with an unchecked store error, like an S3
     * writer credential without delete rights.
     */
    FaultyStore refusingDeleteOf(String keySuffix) {
        this.refuseDeleteOf = keySuffix;
        return this;
    }

    /** Reports {@code bytes} as the store's usable space, like a nearly full disk. */
    FaultyStore reportingUsableSpace(long bytes) {
        this.usableSpace = java.util.OptionalLong.of(bytes);
        return this;
    }

    @Override
    public java.util.OptionalLong usableSpace() throws IOException {
        return usableSpace != null ? usableSpace : delegate.usableSpace();
    }

    /** The keys whose commit reached the real store, in order. */
    List<String> committed() {
        return List.copyOf(committed);
    }

    @Override
    public String describe() {
        return "faulty(" + delegate.describe() + ")";
    }

    @Override
    public ObjectWriter write(String key, WriteOption... options) throws IOException {
        ObjectWriter w = delegate.write(key, options);
        OutputStream out = new FilterOutputStream(w.stream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written.addAndGet(len) > failAfterBytes) {
                    throw new IOException("No space left on device");
                }
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };
        return new ObjectWriter() {
            @Override
            public OutputStream stream() {
                return out;
            }

            @Override
            public ObjectInfo commit() throws IOException {
                if (failCommitOf != null && key.endsWith(failCommitOf)) {
                    if (storeBeforeFailing) {
                        w.commit();
                        committed.add(key);
                        throw new IOException("injected loss of the answer to the commit of " + key);
                    }
                    w.abort();
                    throw new IOException("injected commit failure for " + key);
                }
                ObjectInfo info = w.commit();
                committed.add(key);
                return info;
            }

            @Override
            public void abort() {
                w.abort();
            }

            @Override
            public void close() {
                w.close();
            }
        };
    }

    /**
     * Every read of keys ending in {@code keySuffix} fails with an I/O error after {@code bytes} bytes, like a disk
     * going bad under the store, or a download that stays broken after its retries.
     */
    FaultyStore failingReadsOf(String keySuffix, long bytes) {
        this.failReadOf = keySuffix;
        this.failReadAfter = bytes;
        return this;
    }

    /**
     * As {@link #failingReadsOf}, but the read fails once, with an unchecked {@link dev.lifeboat.api.StoreException}
     * (as the S3 store's stream does when a broken download cannot be resumed); reading on from there works.
     */
    FaultyStore failingReadsWithStoreErrorOf(String keySuffix, long bytes) {
        this.failReadUnchecked = true;
        return failingReadsOf(keySuffix, bytes);
    }

    @Override
    public <T> T read(String key, Reader<T> reader) throws IOException {
        if (failReadOf == null || !key.endsWith(failReadOf)) {
            return delegate.read(key, reader);
        }
        return delegate.read(key, in -> reader.read(new java.io.FilterInputStream(in) {
            long read;
            long limit = failReadAfter;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= limit) {
                    String message = "Input/output error (injected, reading " + key + ")";
                    if (failReadUnchecked) {
                        limit = Long.MAX_VALUE;
                        throw new dev.lifeboat.api.StoreException(message, true, null);
                    }
                    throw new IOException(message);
                }
                int n = in.read(b, off, (int) Math.min(len, limit - read));
                read += Math.max(n, 0);
                return n;
            }
        }));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        if (failStatOf != null && key.endsWith(failStatOf)) {
            throw new IOException("injected stat failure for " + key);
        }
        return delegate.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        if (refuseDeleteOf != null && key.endsWith(refuseDeleteOf)) {
            throw new dev.lifeboat.api.StoreException("AccessDenied: delete of " + key + " (test)", false, null);
        }
        delegate.delete(key);
    }
}
