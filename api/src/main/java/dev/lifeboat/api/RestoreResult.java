package dev.lifeboat.api;

import dev.lifeboat.api.catalog.TreeStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of restoring one part.
 *
 * @param backupId the backup restored from
 * @param part the part's qualified name, e.g. {@code db-main}
 * @param target where it was restored (no credentials)
 * @param bytesRead stored bytes read and verified
 * @param rowCounts rows per table counted in the restored database (databases)
 * @param tree what was extracted (archives); {@code null} for databases
 * @param mismatches differences between what the manifest recorded and what was restored; empty when equal
 * @param duration how long the restore took
 * @param store the store the part was read from, as {@code Store.describe()} says it (never credentials);
 *     {@code null} when not recorded
 */
public record RestoreResult(
        BackupId backupId,
        String part,
        String target,
        long bytesRead,
        Map<String, Long> rowCounts,
        TreeStats tree,
        List<String> mismatches,
        Duration duration,
        String store) {
    public RestoreResult {
        Objects.requireNonNull(backupId, "null backupId");
        Objects.requireNonNull(part, "null part");
        Objects.requireNonNull(target, "null target");
        rowCounts = Map.copyOf(rowCounts);
        mismatches = List.copyOf(mismatches);
    }

    /** A result that does not say which store the part was read from. */
    public RestoreResult(BackupId backupId, String part, String target, long bytesRead, Map<String, Long> rowCounts,
            TreeStats tree, List<String> mismatches, Duration duration) {
        this(backupId, part, target, bytesRead, rowCounts, tree, mismatches, duration, null);
    }

    /** Whether the restored content matches what the manifest recorded. */
    public boolean matchesManifest() {
        return mismatches.isEmpty();
    }
}
