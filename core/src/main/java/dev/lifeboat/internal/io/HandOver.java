package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.UncheckedIOException;

/** What the pipelined streams share: a failure caught on one thread, thrown on the other as the very exception. */
final class HandOver {
    /**
     * The buffers Lifeboat's pipelines hand over, and how many may wait: 2 MiB in flight per pipeline, enough for
     * two threads to stop waiting on each other (8 and 32 buffers measured the same), whatever the amount of data.
     */
    static final int BUFFER = 256 * 1024;
    static final int DEPTH = 8;

    private HandOver() {}

    /** Throws {@code t} itself (an IOException, RuntimeException or Error); anything else wrapped. */
    static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new UncheckedIOException(new IOException(t));
    }

    /** Checks the sizes both pipelined streams take. */
    static void requirePositive(int bufferSize, int depth) {
        if (bufferSize < 1 || depth < 1) {
            throw new IllegalArgumentException("bufferSize and depth must be positive");
        }
    }
}
