package dev.lifeboat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.restore.PartRestorer;
import dev.lifeboat.internal.verify.Verifier;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything that needs only a store: list restore points, read manifests, verify, restore. This is what the
 * disaster-recovery side uses when the application is gone; a {@link Lifeboat} exposes the same operations
 * over its own stores. Immutable and thread-safe.
 *
 * <pre>{@code
 * Recovery recovery = Recovery.from(LocalStore.at(Path.of("/var/backups/shop")))
 *     .trusting(ManifestVerifyKey.parse("ed25519:…"))                 // the application's signing key, public half
 *     .withIdentities(Identities.fromFile(Path.of("/media/usb/shop-backup-key.txt")));   // only to decrypt
 * Manifest latest = recovery.latest().orElseThrow();
 * recovery.restoreDatabase(latest.backupId(), "main", Postgres.url("jdbc:postgresql://…/shop"), RestoreOptions.defaults());
 * }</pre>
 *
 * <p><b>Trust.</b> With {@linkplain #trusting trusted verify keys}, only manifests signed by one of them are listed,
 * verified as good or restored; anything else (unsigned, edited, signed by another key) is refused with
 * {@link dev.lifeboat.api.ErrorCode#SIGNATURE_INVALID}. Without trusted keys, unsigned manifests are accepted (a
 * warning is logged on restore) and a signed manifest must still verify against the key it names.
 *
 * <p><b>Identities.</b> Encrypted parts need an identity to restore or to check their plaintext; a missing or wrong
 * one fails with {@link dev.lifeboat.api.ErrorCode#NO_MATCHING_IDENTITY} before anything is written.
 */
public final class Recovery {
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    private final Store store;
    private final Path tempRoot;
    private final Identities identities;
    private final Set<ManifestVerifyKey> trusted;

    private Recovery(Store store, Path tempRoot, Identities identities, Set<ManifestVerifyKey> trusted) {
        this.store = store;
        this.tempRoot = tempRoot;
        this.identities = identities;
        this.trusted = Set.copyOf(trusted);
    }

    /** Recovery over {@code store}, with temporary files in the system temp directory. */
    public static Recovery from(Store store) {
        return from(store, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Recovery over {@code store}, with private temporary files under {@code tempRoot}. */
    public static Recovery from(Store store, Path tempRoot) {
        return new Recovery(Objects.requireNonNull(store, "null store"), Objects.requireNonNull(tempRoot, "null tempRoot"),
                Identities.none(), Set.of());
    }

    /**
     * The same recovery, able to decrypt parts encrypted to any of {@code identities} (in addition to identities given
     * before). Used by restores and CONTENT verification; the identities are never logged or stored.
     */
    public Recovery withIdentities(Identities identities) {
        Objects.requireNonNull(identities, "null identities");
        return new Recovery(store, tempRoot, this.identities.and(identities), trusted);
    }

    /**
     * The same recovery, accepting only manifests signed by one of {@code keys} or a key trusted before (several after
     * a signing key rotation). See the class documentation.
     */
    public Recovery trusting(ManifestVerifyKey... keys) {
        Set<ManifestVerifyKey> all = new LinkedHashSet<>(trusted);
        for (ManifestVerifyKey k : keys) {
            all.add(Objects.requireNonNull(k, "null key"));
        }
        return new Recovery(store, tempRoot, identities, all);
    }

    /** The trusted verify keys (empty: signatures are checked for consistency only). */
    public Set<ManifestVerifyKey> trustedKeys() {
        return trusted;
    }

    /** The store read from. */
    public Store store() {
        return store;
    }

    /** Every published backup, oldest first. */
    public List<Manifest> list() {
        return catalog().list();
    }

    /** The newest published backup. */
    public Optional<Manifest> latest() {
        return catalog().latest();
    }

    /**
     * The manifest of backup {@code id}; {@link NotFoundException} if it does not exist,
     * {@link dev.lifeboat.api.IntegrityException} if it cannot be trusted.
     */
    public Manifest manifest(BackupId id) {
        return catalog().manifest(id);
    }

    /**
     * Verifies a backup; the report lists every finding, and says what the manifest's signature established. At
     * {@link VerifyLevel#CONTENT}, encrypted parts are decrypted and their plaintext checked when identities are given.
     */
    public VerificationReport verify(BackupId id, VerifyLevel level) {
        return new Verifier(store, trusted, identities).verify(id, level);
    }

    /**
     * Restores database {@code name} of backup {@code id} into {@code target}: a PostgreSQL database (created if
     * missing; must be empty unless {@link RestoreOptions#replace(boolean)}) or a SQLite file.
     */
    public RestoreResult restoreDatabase(BackupId id, String name, Database target, RestoreOptions options) {
        Manifest m = manifestForRestore(id);
        return restorer().restoreDatabase(m, part(m, SourceKind.DATABASE, name), target, options.replace());
    }

    /** Restores files {@code name} of backup {@code id} into {@code directory}, which must be absent or empty. */
    public RestoreResult restoreFiles(BackupId id, String name, Path directory, RestoreOptions options) {
        return restoreArchive(id, SourceKind.FILES, name, directory, options);
    }

    /**
     * Restores config {@code name} into {@code directory} (absent or empty). Each file lands under its original
     * absolute path below the directory, e.g. {@code <dir>/etc/nginx/sites-available/shop.conf}.
     */
    public RestoreResult restoreConfig(BackupId id, String name, Path directory, RestoreOptions options) {
        return restoreArchive(id, SourceKind.CONFIG, name, directory, options);
    }

    /**
     * Restores secrets {@code name} into {@code directory} (absent or empty), like {@link #restoreConfig}. Secrets are
     * always encrypted: this needs {@link #withIdentities}.
     */
    public RestoreResult restoreSecrets(BackupId id, String name, Path directory, RestoreOptions options) {
        return restoreArchive(id, SourceKind.SECRETS, name, directory, options);
    }

    /** Restores any archive part (files, config, secrets) into {@code directory} (absent or empty). */
    public RestoreResult restoreArchive(BackupId id, SourceKind kind, String name, Path directory, RestoreOptions options) {
        Manifest m = manifestForRestore(id);
        return restorer().restoreArchive(m, part(m, kind, name), directory,
                new SafeExtractor.Limits(options.maxBytes(), options.maxEntries()));
    }

    private Catalog catalog() {
        return new Catalog(store, trusted);
    }

    private PartRestorer restorer() {
        return new PartRestorer(store, tempRoot, identities);
    }

    private Manifest manifestForRestore(BackupId id) {
        Catalog.Loaded loaded = catalog().read(id);
        if (loaded.signature() != SignatureStatus.TRUSTED) {
            LOG.log(System.Logger.Level.WARNING, "restoring backup {0} without checking who wrote it: its manifest is {1} and"
                    + " no trusted verify key is configured (Recovery.trusting)", id,
                    loaded.signature() == SignatureStatus.UNSIGNED ? "not signed" : "signed by " + loaded.manifest().signedBy());
        }
        return loaded.manifest();
    }

    private static PartInfo part(Manifest m, SourceKind kind, String name) {
        return m.parts().stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst()
                .orElseThrow(() -> new NotFoundException("backup " + m.backupId() + " has no " + kind.prefix() + " part named \""
                        + name + "\"; it has: " + m.parts().stream().map(PartInfo::qualifiedName).toList()));
    }
}
