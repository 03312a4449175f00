package dev.lifeboat.api.catalog;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The commit record of one backup, stored as {@code backups/<backupId>/manifest.json} and written after
 * every part is stored. A backup exists if and only if its manifest exists and verifies.
 *
 * @param formatVersion storage format version ({@value #FORMAT_VERSION} for this release)
 * @param backupId the backup's id
 * @param application the application name from the configuration
 * @param status {@link BackupStatus#SUCCESS} or {@link BackupStatus#INCOMPLETE}
 * @param startedAt when the backup started
 * @param finishedAt when the last part was stored
 * @param host the host name of the machine that ran the backup
 * @param lifeboatVersion the version of Lifeboat that wrote it
 * @param parts every stored part, in the order they were written
 * @param stores the outcome in each configured store (empty for backups written to one unnamed store)
 * @param signedBy fingerprint of the Ed25519 key that signed this manifest ({@code manifest.json.sig}), or
 *     {@code null} when it is unsigned. Part of the signed bytes, so a signature cannot be stripped unnoticed.
 */
public record Manifest(
        int formatVersion,
        BackupId backupId,
        String application,
        BackupStatus status,
        Instant startedAt,
        Instant finishedAt,
        String host,
        String lifeboatVersion,
        List<PartInfo> parts,
        String signedBy,
        List<StoreCopy> stores) {

    /** The storage format version this release writes and reads. */
    public static final int FORMAT_VERSION = 1;

    public Manifest {
        Objects.requireNonNull(backupId, "null backupId");
        Objects.requireNonNull(application, "null application");
        Objects.requireNonNull(status, "null status");
        Objects.requireNonNull(startedAt, "null startedAt");
        Objects.requireNonNull(finishedAt, "null finishedAt");
        Objects.requireNonNull(host, "null host");
        Objects.requireNonNull(lifeboatVersion, "null lifeboatVersion");
        parts = List.copyOf(parts);
        stores = List.copyOf(stores);
    }

    /** A manifest without per-store outcomes (a single store). */
    public Manifest(int formatVersion, BackupId backupId, String application, BackupStatus status, Instant startedAt,
            Instant finishedAt, String host, String lifeboatVersion, List<PartInfo> parts, String signedBy) {
        this(formatVersion, backupId, application, status, startedAt, finishedAt, host, lifeboatVersion, parts, signedBy, List.of());
    }

    /** An unsigned manifest. */
    public Manifest(int formatVersion, BackupId backupId, String application, BackupStatus status, Instant startedAt,
            Instant finishedAt, String host, String lifeboatVersion, List<PartInfo> parts) {
        this(formatVersion, backupId, application, status, startedAt, finishedAt, host, lifeboatVersion, parts, null, List.of());
    }

    /** Whether the manifest names the key that signed it. */
    public boolean isSigned() {
        return signedBy != null;
    }

    /** The part with this name, if any. */
    public Optional<PartInfo> part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The stores where this backup could not be stored completely. */
    public List<StoreCopy> failedStores() {
        return stores.stream().filter(c -> !c.complete()).toList();
    }

    /** Every issue recorded by any part. */
    public List<Issue> issues() {
        return parts.stream().flatMap(p -> p.issues().stream()).toList();
    }
}
