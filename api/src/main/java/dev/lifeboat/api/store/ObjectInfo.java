package dev.lifeboat.api.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored object.
 *
 * @param key its key
 * @param size its size in bytes
 * @param lastModified when it was written
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
    public ObjectInfo {
        Objects.requireNonNull(key, "null key");
        Objects.requireNonNull(lastModified, "null lastModified");
    }
}
