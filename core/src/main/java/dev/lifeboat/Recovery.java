package dev.lifeboat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.TreeStats;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

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

    private final List<Store> stores;
    private final Path tempRoot;
    private final Identities identities;
    private final Set<ManifestVerifyKey> trusted;
    private final LifeboatListener listener;

    private Recovery(List<Store> stores, Path tempRoot, Identities identities, Set<ManifestVerifyKey> trusted,
            LifeboatListener listener) {
        this.stores = List.copyOf(stores);
        this.tempRoot = tempRoot;
        this.identities = identities;
        this.trusted = Set.copyOf(trusted);
        this.listener = listener;
    }

    /** Recovery over {@code store}, with temporary files in the system temp directory. */
    public static Recovery from(Store store) {
        return from(store, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Recovery over {@code store}, with private temporary files under {@code tempRoot}. */
    public static Recovery from(Store store, Path tempRoot) {
        return from(List.of(Objects.requireNonNull(store, "null store")), tempRoot);
    }

    /**
     * Recovery over several stores holding copies of the same backups, in order of preference: a backup is read from
     * the first store that has it (so a restore still works when the preferred store lost it or is down), and
     * {@link #list()} shows the backups of all of them.
     */
    public static Recovery from(List<Store> stores, Path tempRoot) {
        if (stores.isEmpty()) {
            throw new IllegalArgumentException("stores must name at least one store, but was empty");
        }
        return new Recovery(stores, Objects.requireNonNull(tempRoot, "null tempRoot"), Identities.none(), Set.of(),
                LifeboatListener.NONE);
    }

    /**
     * The same recovery, able to decrypt parts encrypted to any of {@code identities} (in addition to identities given
     * before). Used by restores and CONTENT verification; the identities are never logged or stored.
     */
    public Recovery withIdentities(Identities identities) {
        Objects.requireNonNull(identities, "null identities");
        return new Recovery(stores, tempRoot, this.identities.and(identities), trusted, listener);
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
        return new Recovery(stores, tempRoot, identities, all, listener);
    }

    /** The same recovery, reporting restore and verify progress to {@code listener}. */
    public Recovery withListener(LifeboatListener listener) {
        return new Recovery(stores, tempRoot, identities, trusted, Objects.requireNonNull(listener, "null listener"));
    }

    /** The trusted verify keys (empty: signatures are checked for consistency only). */
    public Set<ManifestVerifyKey> trustedKeys() {
        return trusted;
    }

    /** The preferred store (the first). */
    public Store store() {
        return stores.get(0);
    }

    /** The stores read from, in order of preference. */
    public List<Store> stores() {
        return stores;
    }

    /**
     * Every published backup in any store, oldest first (a backup in several stores appears once, as the first store
     * holding it records it). A store that cannot be listed is skipped with a warning unless all fail.
     */
    public List<Manifest> list() {
        Map<BackupId, Manifest> all = new TreeMap<>();
        forEachListable(s -> {
            for (Manifest m : catalog(s).list()) {
                all.putIfAbsent(m.backupId(), m);
            }
        });
        return new ArrayList<>(all.values());
    }

    /**
     * The id of every backup with a manifest in any store, oldest first, including those whose manifest does not
     * read or verify (which {@link #list()} skips): a newer backup that cannot be read is one to hear about.
     */
    public List<BackupId> ids() {
        java.util.TreeSet<BackupId> ids = new java.util.TreeSet<>();
        forEachListable(s -> ids.addAll(catalog(s).manifestIds()));
        return new ArrayList<>(ids);
    }

    /** Runs {@code action} on each store; one that cannot be listed is skipped with a warning unless all fail. */
    private void forEachListable(java.util.function.Consumer<Store> action) {
        RuntimeException failure = null;
        int failed = 0;
        for (Store s : stores) {
            try {
                action.accept(s);
            } catch (LifeboatException e) {
                failed++;
                failure = failure == null ? e : failure;
                LOG.log(System.Logger.Level.WARNING, "cannot list backups in {0}: {1}", s.describe(), e.getMessage());
            }
        }
        if (failed == stores.size()) {
            throw failure;
        }
    }

    /** The newest published backup in any store. */
    public Optional<Manifest> latest() {
        if (stores.size() == 1) {
            return catalog(stores.get(0)).latest();
        }
        List<Manifest> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * The manifest of backup {@code id}; {@link NotFoundException} if it does not exist,
     * {@link dev.lifeboat.api.IntegrityException} if it cannot be trusted.
     */
    public Manifest manifest(BackupId id) {
        return locate(id).loaded().manifest();
    }

    /**
     * Verifies a backup; the report lists every finding, and says what the manifest's signature established. At
     * {@link VerifyLevel#CONTENT}, encrypted parts are decrypted and their plaintext checked when identities are given.
     */
    public VerificationReport verify(BackupId id, VerifyLevel level) {
        Store store = stores.size() == 1 ? stores.get(0) : locateOrFirst(id);
        return new Verifier(store, trusted, identities, listener).verify(id, level);
    }

    /**
     * Restores database {@code name} of backup {@code id} into {@code target}: a PostgreSQL database (created if
     * missing; must be empty unless {@link RestoreOptions#replace(boolean)}) or a SQLite file.
     */
    public RestoreResult restoreDatabase(BackupId id, String name, Database target, RestoreOptions options) {
        return fromAnyCopy(id, (store, m) -> {
            PartInfo part = part(m, SourceKind.DATABASE, name);
            return restorer(store).restoreDatabase(m, part, target, options.replace(), limits(part, options).maxBytes());
        });
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
        return fromAnyCopy(id, (store, m) -> {
            PartInfo part = part(m, kind, name);
            return restorer(store).restoreArchive(m, part, directory, limits(part, options));
        });
    }

    /**
     * The caps of an archive (or SQLite) restore: those set in {@code options}, else what the manifest records with
     * room to spare (an eighth more, plus 64 MiB and 10,000 entries), so a part that expands far beyond what was
     * backed up (a decompression bomb from a compromised writer, which can sign it) is refused before it fills the
     * disk.
     */
    static SafeExtractor.Limits limits(PartInfo part, RestoreOptions options) {
        long bytes = options.maxBytes();
        long entries = options.maxEntries();
        TreeStats t = part.tree();
        if (t != null && !options.maxBytesSet()) {
            bytes = t.bytes() + t.bytes() / 8 + (64L << 20);
        }
        if (t != null && !options.maxEntriesSet()) {
            long recorded = t.files() + t.directories() + t.symlinks();
            entries = Math.min(entries, recorded + recorded / 8 + 10_000);
        }
        return new SafeExtractor.Limits(bytes, entries);
    }

    /**
     * Restores from the first store holding the backup; when its copy of the part cannot be read or fails its
     * checks there (which leaves the target as it was: a rolled-back transaction, a discarded staging directory),
     * from the next store that holds the backup, with a warning. {@link RestoreResult#store()} says which.
     */
    private RestoreResult fromAnyCopy(BackupId id, BiFunction<Store, Manifest, RestoreResult> restore) {
        Located l = locateForRestore(id);
        try {
            return restore.apply(l.store(), l.loaded().manifest());
        } catch (LifeboatException e) {
            if (!isBadCopy(e)) {
                throw e;
            }
            for (Store other : stores.subList(stores.indexOf(l.store()) + 1, stores.size())) {
                Manifest m;
                try {
                    m = catalog(other).read(id).manifest();
                } catch (LifeboatException notThere) {
                    continue;
                }
                LOG.log(System.Logger.Level.WARNING, "backup {0}: the copy in {1} failed ({2}); restoring from {3} instead",
                        id, l.store().describe(), e.getMessage(), other.describe());
                try {
                    return restore.apply(other, m);
                } catch (LifeboatException again) {
                    if (!isBadCopy(again)) {
                        throw again;
                    }
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
    }

    /** A failure of one store's copy (missing, unreadable, altered) that another store's copy may not have. */
    private static boolean isBadCopy(LifeboatException e) {
        return e.code() == ErrorCode.INTEGRITY || e.code() == ErrorCode.STORE_FAILED || e.code() == ErrorCode.NOT_FOUND;
    }

    /**
     * Checks, without writing anything, that database {@code name} of backup {@code id} could be restored into
     * {@code target}: the part exists, the identity matches, the tools are recent enough and the target is reachable
     * and empty (unless replacing). Lets a caller check every target of a multi-part restore before starting any.
     */
    public void preflightDatabase(BackupId id, String name, Database target, RestoreOptions options) {
        Located l = locate(id);
        Manifest m = l.loaded().manifest();
        restorer(l.store()).preflightDatabase(m, part(m, SourceKind.DATABASE, name), target, options.replace());
    }

    /** Checks, without writing anything, that {@code directory} is a valid archive restore target (absent or empty). */
    public void preflightDirectory(Path directory) {
        SafeExtractor.checkTarget(directory);
    }

    /**
     * Checks, without writing anything, that the {@code kind} part {@code name} of backup {@code id} could be
     * restored into {@code directory}: the part exists and is an archive, the directory is absent or empty, and, for
     * an encrypted part, an identity matches. Lets a caller check every target of a multi-part restore before starting.
     */
    public void preflightArchive(BackupId id, SourceKind kind, String name, Path directory) {
        Located l = locate(id);
        Manifest m = l.loaded().manifest();
        restorer(l.store()).preflightArchive(m, part(m, kind, name), directory);
    }

    private Catalog catalog(Store store) {
        return new Catalog(store, trusted);
    }

    private PartRestorer restorer(Store store) {
        return new PartRestorer(store, tempRoot, identities, listener);
    }

    private record Located(Store store, Catalog.Loaded loaded) {}

    /**
     * The first store holding a readable, trusted manifest of {@code id}, or, when none does, the first store where
     * it exists but cannot be used ({@code failing}) and the failure to report ({@code first}: that store's, else
     * the first store's "not found").
     */
    private record Search(Located found, Store failing, LifeboatException first) {}

    private Search search(BackupId id) {
        LifeboatException first = null;
        Store failing = null;
        for (Store s : stores) {
            try {
                return new Search(new Located(s, catalog(s).read(id)), null, null);
            } catch (NotFoundException e) {
                first = first == null ? e : first;
            } catch (LifeboatException e) {
                if (stores.size() == 1) {
                    throw e;
                }
                // damaged, untrusted or unreachable here: another store may hold a good copy
                if (failing == null) {
                    failing = s;
                    first = e;
                }
                LOG.log(System.Logger.Level.WARNING, "backup {0} in {1}: {2}", id, s.describe(), e.getMessage());
            }
        }
        return new Search(null, failing, first);
    }

    /** The first store holding a readable, trusted manifest of {@code id}. */
    private Located locate(BackupId id) {
        Search found = search(id);
        if (found.found() == null) {
            throw found.first();
        }
        return found.found();
    }

    /** The store to verify {@code id} in: one with a good copy, else the first where it exists but is not good. */
    private Store locateOrFirst(BackupId id) {
        Search found = search(id);
        if (found.found() != null) {
            return found.found().store();
        }
        if (found.failing() != null) {
            return found.failing(); // let the verifier report what is wrong with it there
        }
        throw found.first();
    }

    private Located locateForRestore(BackupId id) {
        Located located = locate(id);
        Catalog.Loaded loaded = located.loaded();
        if (loaded.signature() != SignatureStatus.TRUSTED) {
            LOG.log(System.Logger.Level.WARNING, "restoring backup {0} without checking who wrote it: its manifest is {1} and"
                    + " no trusted verify key is configured (Recovery.trusting)", id,
                    loaded.signature() == SignatureStatus.UNSIGNED ? "not signed" : "signed by " + loaded.manifest().signedBy());
        }
        return located;
    }

    private static PartInfo part(Manifest m, SourceKind kind, String name) {
        return m.parts().stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst()
                .orElseThrow(() -> new NotFoundException("backup " + m.backupId() + " has no " + kind.prefix() + " part named \""
                        + name + "\"; it has: " + m.parts().stream().map(PartInfo::qualifiedName).toList()));
    }
}
