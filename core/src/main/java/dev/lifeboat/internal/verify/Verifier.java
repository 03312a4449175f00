package dev.lifeboat.internal.verify;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.io.DigestingInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Verifies one backup in one store and reports every finding, not only the first. */
public final class Verifier {
    private final Store store;

    public Verifier(Store store) {
        this.store = store;
    }

    /**
     * Verifies backup {@code id}. Throws {@link NotFoundException} when it has no manifest (it does not exist);
     * everything else is a finding.
     */
    public VerificationReport verify(BackupId id, VerifyLevel level) {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        Manifest m;
        try {
            m = new Catalog(store).manifest(id);
        } catch (IntegrityException e) {
            findings.add(new Finding(Finding.Type.MANIFEST_INVALID, "manifest", e.getMessage()));
            return new VerificationReport(id, level, 0, 0, findings, Duration.ofNanos(System.nanoTime() - t0));
        }
        long bytes = 0;
        for (PartInfo p : m.parts()) {
            String subject = p.qualifiedName();
            Optional<ObjectInfo> info;
            try {
                info = store.stat(p.key());
            } catch (IOException | RuntimeException e) {
                findings.add(new Finding(Finding.Type.UNREADABLE, subject, "cannot stat " + p.key() + ": " + e.getMessage()));
                continue;
            }
            if (info.isEmpty()) {
                findings.add(new Finding(Finding.Type.PART_MISSING, subject, p.key() + " is missing from " + store.describe()));
                continue;
            }
            if (info.get().size() != p.size()) {
                findings.add(new Finding(Finding.Type.SIZE_MISMATCH, subject, p.key() + " has " + info.get().size()
                        + " bytes, the manifest says " + p.size()));
                continue;
            }
            if (level == VerifyLevel.CONTENT) {
                try {
                    DigestingInputStream d = store.read(p.key(), in -> {
                        DigestingInputStream di = new DigestingInputStream(in);
                        di.drain();
                        return di;
                    });
                    bytes += d.count();
                    String sha = d.sha256();
                    if (d.count() != p.size()) {
                        findings.add(new Finding(Finding.Type.SIZE_MISMATCH, subject, p.key() + " read back " + d.count()
                                + " bytes, the manifest says " + p.size()));
                    } else if (!sha.equals(p.sha256())) {
                        findings.add(new Finding(Finding.Type.HASH_MISMATCH, subject, p.key() + " has SHA-256 " + sha
                                + ", the manifest says " + p.sha256()));
                    }
                } catch (IOException | RuntimeException e) {
                    findings.add(new Finding(Finding.Type.UNREADABLE, subject, "cannot read " + p.key() + ": " + e.getMessage()));
                }
            }
        }
        for (Issue i : m.issues()) {
            if (i.severity() == Issue.Severity.INCOMPLETE) {
                findings.add(new Finding(Finding.Type.INCOMPLETE, i.subject(), i.message()));
            }
        }
        return new VerificationReport(id, level, m.parts().size(), bytes, findings, Duration.ofNanos(System.nanoTime() - t0));
    }
}
