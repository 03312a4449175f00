package dev.lifeboat.api.catalog;

import java.util.List;
import java.util.Objects;

/**
 * SHA-256 of every prefix of a stored part that ends at a multiple of {@code every} bytes, below the part's size:
 * entry {@code k} (from 0) is the SHA-256 of the stored bytes {@code [0, (k + 1) × every)}; the whole part's hash is
 * {@link PartInfo#sha256()}. A restore holds back one span of {@code every} bytes at a time and releases it to
 * pg_restore, the extractor or the SQLite writer only once the prefix it ends has matched, so no byte that differs
 * from the backup ever reaches a restore target, whatever its consumer does with a stream that ends early. Each
 * entry is what {@code head -c N PART | sha256sum} prints.
 *
 * @param every the span in bytes, a power of two (4 MiB unless the part is so large that the list would hold more
 *     than {@value #MAX} entries; then it doubles as often as needed)
 * @param sha256 the prefix hashes (hex), {@code ceil(size / every) − 1} of them
 */
public record Checkpoints(long every, List<String> sha256) {
    /** The most entries a part's list holds: the span doubles rather than the list growing past it. */
    public static final int MAX = 8192;

    public Checkpoints {
        if (every <= 0 || Long.bitCount(every) != 1) {
            throw new IllegalArgumentException("checkpoints.every must be a positive power of two, was " + every);
        }
        sha256 = List.copyOf(Objects.requireNonNull(sha256, "null sha256"));
        if (sha256.size() > MAX) {
            throw new IllegalArgumentException("checkpoints hold " + sha256.size() + " entries, more than " + MAX);
        }
    }

    /** How many entries a part of {@code size} bytes has with this span. */
    public long expectedEntries(long size) {
        return size <= 0 ? 0 : (size - 1) / every;
    }
}
