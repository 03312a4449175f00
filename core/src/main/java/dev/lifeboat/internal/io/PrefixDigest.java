package dev.lifeboat.internal.io;

import dev.lifeboat.api.catalog.Checkpoints;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * A running SHA-256 that also records the hash of every prefix ending at a multiple of a span: the
 * {@link Checkpoints} of a part. A prefix hash costs one clone and finish of the running digest per span, so the
 * bytes are hashed once, not twice.
 */
public final class PrefixDigest {
    /** The span a backup starts with. */
    public static final long FIRST_SPAN = 4L << 20;

    private final MessageDigest digest = Hex.sha256();
    private final boolean grow;
    private final int max;
    private long every;
    private long count;
    private final List<String> prefixes = new ArrayList<>();

    private PrefixDigest(long every, boolean grow, int max) {
        this.every = every;
        this.grow = grow;
        this.max = max;
    }

    /** Records at {@link #FIRST_SPAN}, doubling the span whenever the list would grow past {@link Checkpoints#MAX}. */
    public static PrefixDigest growing() {
        return growing(FIRST_SPAN, Checkpoints.MAX);
    }

    /** As {@link #growing()}, with a first span and a most entries of the caller's (tests use small ones). */
    static PrefixDigest growing(long first, int max) {
        return new PrefixDigest(first, true, max);
    }

    /** Records at a fixed span, to compare with a manifest's checkpoints. */
    public static PrefixDigest fixed(long every) {
        return new PrefixDigest(every, false, Integer.MAX_VALUE);
    }

    /** Records no prefixes: a plain running SHA-256 and count. */
    public static PrefixDigest none() {
        return new PrefixDigest(0, false, 0);
    }

    public void update(byte[] b, int off, int len) {
        if (every == 0) {
            digest.update(b, off, len);
            count += len;
            return;
        }
        while (len > 0) {
            long toBoundary = (prefixes.size() + 1) * every - count;
            if (len < toBoundary) {
                digest.update(b, off, len);
                count += len;
                return;
            }
            int n = (int) toBoundary;
            digest.update(b, off, n);
            count += n;
            off += n;
            len -= n;
            prefixes.add(current(digest));
            if (grow && prefixes.size() > max) {
                List<String> kept = new ArrayList<>(prefixes.size() / 2);
                for (int i = 1; i < prefixes.size(); i += 2) {
                    kept.add(prefixes.get(i)); // the prefixes ending at multiples of twice the span
                }
                prefixes.clear();
                prefixes.addAll(kept);
                every *= 2;
            }
        }
    }

    public long count() {
        return count;
    }

    /** The hex SHA-256 of everything so far; call once, at the end. */
    public String sha256() {
        return Hex.hex(digest.digest());
    }

    /** The prefix hashes below the count so far ({@code null} for {@link #none()}); call at the end. */
    public Checkpoints checkpoints() {
        if (every == 0) {
            return null;
        }
        List<String> below = prefixes;
        if (!below.isEmpty() && below.size() * every >= count) {
            below = below.subList(0, below.size() - 1); // a prefix that is the whole part is its sha256
        }
        return new Checkpoints(every, below);
    }

    /** The hex SHA-256 of what {@code d} has hashed so far, leaving {@code d} running. */
    static String current(MessageDigest d) {
        try {
            return Hex.hex(((MessageDigest) d.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 cannot be cloned", e);
        }
    }
}
