package dev.lifeboat.api.verify;

import dev.lifeboat.api.BackupId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of verifying one backup: every finding, not only the first.
 *
 * @param backupId the backup verified
 * @param level how deeply
 * @param partsChecked parts examined
 * @param bytesRead bytes read back (CONTENT only)
 * @param findings every problem found; empty when the backup verifies
 * @param duration how long it took
 */
public record VerificationReport(
        BackupId backupId, VerifyLevel level, int partsChecked, long bytesRead, List<Finding> findings, Duration duration) {
    public VerificationReport {
        Objects.requireNonNull(backupId, "null backupId");
        Objects.requireNonNull(level, "null level");
        findings = List.copyOf(findings);
    }

    /** Whether the backup verified without any finding. */
    public boolean ok() {
        return findings.isEmpty();
    }
}
