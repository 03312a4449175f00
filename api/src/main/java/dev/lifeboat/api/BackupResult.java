package dev.lifeboat.api;

import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The result of a published backup: its manifest (what was stored, where, with which hashes).
 *
 * @param manifest the manifest as written to the store
 */
public record BackupResult(Manifest manifest) {
    public BackupResult {
        Objects.requireNonNull(manifest, "null manifest");
    }

    public BackupId id() {
        return manifest.backupId();
    }

    public BackupStatus status() {
        return manifest.status();
    }

    public List<PartInfo> parts() {
        return manifest.parts();
    }

    public Duration duration() {
        return Duration.between(manifest.startedAt(), manifest.finishedAt());
    }

    /** Total bytes stored for this backup (sum of the parts' stored sizes). */
    public long storedBytes() {
        return manifest.parts().stream().mapToLong(PartInfo::size).sum();
    }
}
