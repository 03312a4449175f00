package dev.lifeboat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.restore.PartRestorer;
import dev.lifeboat.internal.verify.Verifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything that needs only a store: list restore points, read manifests, verify, restore. This is what the
 * disaster-recovery side uses when the application is gone; a {@link Lifeboat} exposes the same operations
 * over its own stores. Immutable and thread-safe.
 *
 * <pre>{@code
 * Recovery recovery = Recovery.from(LocalStore.at(Path.of("/var/backups/shop")));
 * Manifest latest = recovery.latest().orElseThrow();
 * recovery.restoreDatabase(latest.backupId(), "main", Postgres.url("jdbc:postgresql://…/shop"), RestoreOptions.defaults());
 * }</pre>
 */
public final class Recovery {
    private final Store store;
    private final Path tempRoot;

    private Recovery(Store store, Path tempRoot) {
        this.store = store;
        this.tempRoot = tempRoot;
    }

    /** Recovery over {@code store}, with temporary files in the system temp directory. */
    public static Recovery from(Store store) {
        return new Recovery(Objects.requireNonNull(store, "null store"), Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Recovery over {@code store}, with private temporary files under {@code tempRoot}. */
    public static Recovery from(Store store, Path tempRoot) {
        return new Recovery(Objects.requireNonNull(store, "null store"), Objects.requireNonNull(tempRoot, "null tempRoot"));
    }

    /** The store read from. */
    public Store store() {
        return store;
    }

    /** Every published backup, oldest first. */
    public List<Manifest> list() {
        return new Catalog(store).list();
    }

    /** The newest published backup. */
    public Optional<Manifest> latest() {
        return new Catalog(store).latest();
    }

    /** The manifest of backup {@code id}; {@link NotFoundException} if it does not exist. */
    public Manifest manifest(BackupId id) {
        return new Catalog(store).manifest(id);
    }

    /** Verifies a backup; the report lists every finding. */
    public VerificationReport verify(BackupId id, VerifyLevel level) {
        return new Verifier(store).verify(id, level);
    }

    /**
     * Restores database {@code name} of backup {@code id} into {@code target}: a PostgreSQL database (created if
     * missing; must be empty unless {@link RestoreOptions#replace(boolean)}) or a SQLite file.
     */
    public RestoreResult restoreDatabase(BackupId id, String name, Database target, RestoreOptions options) {
        Manifest m = manifest(id);
        return new PartRestorer(store, tempRoot).restoreDatabase(m, part(m, SourceKind.DATABASE, name), target, options.replace());
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

    /** Restores any archive part (files, config, secrets) into {@code directory} (absent or empty). */
    public RestoreResult restoreArchive(BackupId id, SourceKind kind, String name, Path directory, RestoreOptions options) {
        Manifest m = manifest(id);
        return new PartRestorer(store, tempRoot).restoreArchive(m, part(m, kind, name), directory,
                new SafeExtractor.Limits(options.maxBytes(), options.maxEntries()));
    }

    private static PartInfo part(Manifest m, SourceKind kind, String name) {
        return m.parts().stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst()
                .orElseThrow(() -> new NotFoundException("backup " + m.backupId() + " has no " + kind.prefix() + " part named \""
                        + name + "\"; it has: " + m.parts().stream().map(PartInfo::qualifiedName).toList()));
    }
}
