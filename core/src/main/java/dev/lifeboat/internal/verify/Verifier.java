package dev.lifeboat.internal.verify;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.catalog.Checkpoints;
import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.io.DigestingInputStream;
import dev.lifeboat.internal.io.PipelinedInputStream;
import dev.lifeboat.internal.io.ProgressInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies one backup in one store and reports every finding, not only the first.
 *
 * <p>The manifest's signature is checked first (see {@link Catalog}); a manifest that cannot be trusted ends the
 * verification with a {@link Finding.Type#SIGNATURE_INVALID} finding, since the hashes in it mean nothing. At CONTENT
 * level, encrypted parts are also decrypted when identities are given, and their plaintext size and SHA-256
 * compared with the manifest; without identities only the stored (encrypted) bytes are checked.
 */
public final class Verifier {
    private final Store store;
    private final Set<ManifestVerifyKey> trusted;
    private final Identities identities;
    private final LifeboatListener listener;

    public Verifier(Store store) {
        this(store, Set.of(), Identities.none(), LifeboatListener.NONE);
    }

    public Verifier(Store store, Set<ManifestVerifyKey> trusted, Identities identities, LifeboatListener listener) {
        this.store = store;
        this.trusted = Set.copyOf(trusted);
        this.identities = identities;
        this.listener = listener;
    }

    /**
     * Verifies backup {@code id}. Throws {@link NotFoundException} when it has no manifest (it does not exist) and
     * {@link dev.lifeboat.api.StoreException} when the store cannot be read for the manifest at all; everything else
     * is a finding.
     */
    public VerificationReport verify(BackupId id, VerifyLevel level) {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        Catalog.Loaded loaded;
        try {
            loaded = new Catalog(store, trusted).read(id);
        } catch (IntegrityException e) {
            boolean signature = e.code() == ErrorCode.SIGNATURE_INVALID;
            findings.add(new Finding(signature ? Finding.Type.SIGNATURE_INVALID : Finding.Type.MANIFEST_INVALID, "manifest",
                    e.getMessage()));
            // a manifest that cannot be used cannot be trusted either: UNSIGNED only where trust is not checked at all
            SignatureStatus status = signature || !trusted.isEmpty() ? SignatureStatus.INVALID : SignatureStatus.UNSIGNED;
            return new VerificationReport(id, level, 0, 0, findings, Duration.ofNanos(System.nanoTime() - t0), status,
                    store.describe());
        }
        Manifest m = loaded.manifest();
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
                bytes += checkContent(m, p, findings);
            }
        }
        for (Issue i : m.issues()) {
            if (i.severity() == Issue.Severity.INCOMPLETE) {
                findings.add(new Finding(Finding.Type.INCOMPLETE, i.subject(), i.message()));
            }
        }
        for (StoreCopy c : m.failedStores()) {
            if (c.required()) {
                findings.add(new Finding(Finding.Type.INCOMPLETE, "store " + c.name(), "the copy in required store "
                        + c.name() + " (" + c.location() + ") failed: " + c.error()));
            }
        }
        return new VerificationReport(id, level, m.parts().size(), bytes, findings, Duration.ofNanos(System.nanoTime() - t0),
                loaded.signature(), store.describe());
    }

    /** Re-reads one part: stored bytes always, plaintext too when it is encrypted and identities are given. */
    private long checkContent(Manifest m, PartInfo p, List<Finding> findings) {
        String subject = p.qualifiedName();
        boolean decrypt = p.encrypted() && !identities.isEmpty();
        Content c;
        try {
            c = store.read(p.key(), in -> read(ProgressInputStream.wrap(in, m.backupId(), subject, p.size(), listener), m, p, decrypt));
        } catch (IOException | RuntimeException e) {
            findings.add(new Finding(Finding.Type.UNREADABLE, subject, "cannot read " + p.key() + ": " + e.getMessage()));
            return 0;
        }
        int diff = firstDifference(p.checkpoints(), c.storedCheckpoints);
        if (c.storedSize != p.size()) {
            findings.add(new Finding(Finding.Type.SIZE_MISMATCH, subject, p.key() + " read back " + c.storedSize
                    + " bytes, the manifest says " + p.size()));
        } else if (!c.storedSha.equals(p.sha256())) {
            findings.add(new Finding(Finding.Type.HASH_MISMATCH, subject, p.key() + " has SHA-256 " + c.storedSha
                    + ", the manifest says " + p.sha256() + (diff < 0 ? "" : "; it differs from the backup from byte "
                    + (long) diff * p.checkpoints().every() + " on")));
        } else if (diff >= 0) {
            findings.add(new Finding(Finding.Type.HASH_MISMATCH, subject, p.key() + " matches its SHA-256 but not checkpoint "
                    + diff + " of the manifest (the SHA-256 of its first " + (diff + 1L) * p.checkpoints().every()
                    + " bytes); the manifest was edited, and a restore would refuse the part"));
        } else if (c.noIdentity != null) {
            findings.add(new Finding(Finding.Type.NO_MATCHING_IDENTITY, subject, c.noIdentity));
        } else if (c.decryptFailure != null) {
            findings.add(new Finding(Finding.Type.DECRYPTION_FAILED, subject, c.decryptFailure));
        } else if (decrypt && c.plainSize != p.plaintextSize()) {
            findings.add(new Finding(Finding.Type.SIZE_MISMATCH, subject, p.key() + " decrypts to " + c.plainSize
                    + " bytes, the manifest says " + p.plaintextSize()));
        } else if (decrypt && !c.plainSha.equals(p.plaintextSha256())) {
            findings.add(new Finding(Finding.Type.HASH_MISMATCH, subject, p.key() + " decrypts to plaintext with SHA-256 "
                    + c.plainSha + ", the manifest says " + p.plaintextSha256()));
        }
        return c.storedSize;
    }

    /**
     * The index of the first checkpoint where {@code actual} differs from the manifest's {@code expected} (a
     * missing one counts as different), or -1 when they agree or the manifest records none.
     */
    private static int firstDifference(Checkpoints expected, Checkpoints actual) {
        if (expected == null || actual == null) {
            return -1;
        }
        List<String> e = expected.sha256();
        List<String> a = actual.sha256();
        for (int k = 0; k < e.size(); k++) {
            if (k >= a.size() || !e.get(k).equals(a.get(k))) {
                return k;
            }
        }
        return -1;
    }

    private Content read(InputStream in, Manifest m, PartInfo p, boolean decrypt) throws IOException {
        DigestingInputStream stored = p.checkpoints() == null ? new DigestingInputStream(in)
                : new DigestingInputStream(in, p.checkpoints().every());
        Content c = new Content();
        if (decrypt) {
            String what = "part " + p.qualifiedName() + " of backup " + m.backupId();
            // the stored bytes are read and hashed ahead, on another thread, while this one decrypts and hashes
            PipelinedInputStream ahead = new PipelinedInputStream(stored, "lifeboat-verify-read-ahead");
            try (ahead; InputStream plain = identities.decrypt(ahead, what)) {
                DigestingInputStream d = new DigestingInputStream(plain);
                d.drain();
                c.plainSize = d.count();
                c.plainSha = d.sha256();
            } catch (LifeboatException e) {
                if (e.code() == ErrorCode.NO_MATCHING_IDENTITY) {
                    c.noIdentity = "no identity matches " + what + " (recipient fingerprints "
                            + (p.recipients().isEmpty() ? "not recorded" : String.join(", ", p.recipients()))
                            + "; the identities given have fingerprints " + String.join(", ", identities.fingerprints()) + ")";
                } else if (e.code() == ErrorCode.INTEGRITY) {
                    c.decryptFailure = e.getMessage();
                } else {
                    throw e; // the store failed under the decryption (STORE_FAILED…): UNREADABLE, not a bad ciphertext
                }
            }
        }
        // whatever decryption did not read (the read-ahead has ended: closing it waits for its thread), so the stored
        // hash covers every byte
        stored.drain();
        c.storedSize = stored.count();
        c.storedSha = stored.sha256();
        c.storedCheckpoints = stored.checkpoints();
        return c;
    }

    private static final class Content {
        long storedSize;
        String storedSha;
        Checkpoints storedCheckpoints;
        long plainSize;
        String plainSha;
        String noIdentity;
        String decryptFailure;
    }
}
