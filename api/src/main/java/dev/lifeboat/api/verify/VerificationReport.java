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
 * @param signature what the manifest's signature established (see {@link SignatureStatus})
 * @param store the store whose copy was verified, as {@code Store.describe()} says it (never credentials);
 *     {@code null} when not recorded
 */
public record VerificationReport(
        BackupId backupId, VerifyLevel level, int partsChecked, long bytesRead, List<Finding> findings, Duration duration,
        SignatureStatus signature, String store) {
    public VerificationReport {
        Objects.requireNonNull(backupId, "null backupId");
        Objects.requireNonNull(level, "null level");
        Objects.requireNonNull(signature, "null signature");
        findings = List.copyOf(findings);
    }

    /** A report that does not say which store's copy it checked. */
    public VerificationReport(BackupId backupId, VerifyLevel level, int partsChecked, long bytesRead, List<Finding> findings,
            Duration duration, SignatureStatus signature) {
        this(backupId, level, partsChecked, bytesRead, findings, duration, signature, null);
    }

    /** A report on an unsigned manifest checked without a trusted key. */
    public VerificationReport(BackupId backupId, VerifyLevel level, int partsChecked, long bytesRead, List<Finding> findings,
            Duration duration) {
        this(backupId, level, partsChecked, bytesRead, findings, duration, SignatureStatus.UNSIGNED);
    }

    /** Whether the backup verified without any finding. */
    public boolean ok() {
        return findings.isEmpty();
    }
}
