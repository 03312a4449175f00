package dev.lifeboat.internal.catalog;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.internal.crypto.ManifestSignatures;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The backups in one store. A backup exists if and only if its manifest exists and parses: objects without a
 * manifest are never listed and are removed by {@link #collectGarbage} once older than a safety age.
 *
 * <p>Signatures: a manifest's signature ({@code manifest.json.sig}) is checked on every read. With trusted verify
 * keys, only manifests signed by one of them are returned: an unsigned, tampered or foreign-signed manifest is an
 * {@link IntegrityException} ({@link ErrorCode#SIGNATURE_INVALID}) and is skipped by {@link #list()} and
 * {@link #latest()}. Without trusted keys, an unsigned manifest is accepted, but a signed one must still verify
 * against the key it names (so a manifest edited after signing is never accepted).
 */
public final class Catalog {
    private static final System.Logger LOG = System.getLogger(Catalog.class.getName());
    /** Manifests larger than this are refused as corrupt rather than read into memory. */
    static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
    /** Signature files are a few hundred bytes. */
    static final int MAX_SIGNATURE_BYTES = 64 * 1024;

    private final Store store;
    private final Set<ManifestVerifyKey> trusted;

    /** A catalog that trusts no key: unsigned manifests are accepted, signed ones must verify. */
    public Catalog(Store store) {
        this(store, Set.of());
    }

    /** A catalog that accepts only manifests signed by one of {@code trusted} (when not empty). */
    public Catalog(Store store, Set<ManifestVerifyKey> trusted) {
        this.store = store;
        this.trusted = Set.copyOf(trusted);
    }

    /** A manifest and what its signature established. */
    public record Loaded(Manifest manifest, SignatureStatus signature) {}

    public Store store() {
        return store;
    }

    /** Every published backup, oldest first. Unreadable manifests are skipped (and logged). */
    public List<Manifest> list() {
        List<Manifest> out = new ArrayList<>();
        for (BackupId id : manifestIds()) {
            try {
                out.add(manifest(id));
            } catch (IntegrityException | NotFoundException e) {
                LOG.log(Level.WARNING, "skipping backup {0} in {1}: {2}", id, store.describe(), e.getMessage());
            }
        }
        out.sort(Comparator.comparing(Manifest::backupId));
        return out;
    }

    /** The newest published backup. */
    public Optional<Manifest> latest() {
        return latest(listBackups());
    }

    /** The newest published backup among {@code listing} (what {@link #listBackups()} returned). */
    public Optional<Manifest> latest(List<ObjectInfo> listing) {
        List<BackupId> ids = manifestIds(listing);
        for (int i = ids.size() - 1; i >= 0; i--) {
            try {
                return Optional.of(manifest(ids.get(i)));
            } catch (IntegrityException | NotFoundException e) {
                LOG.log(Level.WARNING, "skipping backup {0} in {1}: {2}", ids.get(i), store.describe(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Reads, authenticates and parses one manifest. */
    public Manifest manifest(BackupId id) {
        return read(id).manifest();
    }

    /**
     * Reads one manifest and its signature; checks the signature against the trusted keys before parsing. Throws
     * {@link NotFoundException} when it does not exist, {@link IntegrityException} when it cannot be used.
     */
    public Loaded read(BackupId id) {
        String key = Layout.manifestKey(id);
        byte[] bytes;
        try {
            bytes = store.read(key, in -> in.readNBytes(MAX_MANIFEST_BYTES + 1));
        } catch (NotFoundException e) {
            throw new NotFoundException("backup " + id + " does not exist in " + store.describe()
                    + " (no manifest); list the restore points to see which exist");
        } catch (IOException e) {
            throw new StoreException("cannot read the manifest of backup " + id + " from " + store.describe(), true, e);
        }
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new IntegrityException("the manifest of backup " + id + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        byte[] signature = readSignature(id);
        SignatureStatus status = ManifestSignatures.check(id, store.describe(), bytes, signature, trusted);
        Manifest m;
        try {
            m = ManifestCodec.decode(bytes);
        } catch (RuntimeException e) {
            throw new IntegrityException("the manifest of backup " + id + " in " + store.describe()
                    + " cannot be read: " + e.getMessage(), e);
        }
        if (!m.backupId().equals(id)) {
            throw new IntegrityException("the manifest stored as backup " + id + " names backup " + m.backupId()
                    + "; it was moved or tampered with");
        }
        ManifestSignatures.checkClaim(id, store.describe(), m.signedBy(), signature);
        return new Loaded(m, status);
    }

    private byte[] readSignature(BackupId id) {
        String key = Layout.signatureKey(id);
        try {
            return store.read(key, in -> in.readNBytes(MAX_SIGNATURE_BYTES + 1));
        } catch (NotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new StoreException("cannot read the manifest signature of backup " + id + " from " + store.describe(), true, e);
        }
    }

    /**
     * Writes the manifest: the commit point of the backup. Written once (conditional write). A signature, when
     * given, is written first, so a visible manifest always has its signature next to it.
     */
    public void publish(Manifest m, byte[] encoded, byte[] signature) {
        if (signature != null) {
            String sigKey = Layout.signatureKey(m.backupId());
            try (ObjectWriter w = store.write(sigKey, WriteOption.IF_ABSENT)) {
                w.stream().write(signature);
                w.commit();
            } catch (IOException e) {
                throw new StoreException("cannot write the manifest signature of backup " + m.backupId() + " to "
                        + store.describe(), true, e);
            }
        }
        publish(m, encoded);
    }

    /** Writes the manifest: the commit point of the backup. Written once (conditional write). */
    public void publish(Manifest m, byte[] encoded) {
        String key = Layout.manifestKey(m.backupId());
        try (ObjectWriter w = store.write(key, WriteOption.IF_ABSENT)) {
            w.stream().write(encoded);
            w.commit();
        } catch (IOException e) {
            throw new StoreException("cannot write the manifest of backup " + m.backupId() + " to " + store.describe(), true, e);
        }
    }

    /**
     * Deletes the objects of backups that have no manifest and whose newest object is older than
     * {@code safetyAge}: debris of crashed or failed runs. Returns the ids collected. First lets the store remove
     * its own incomplete writes older than the same age ({@link Store#cleanUpIncompleteWrites}).
     */
    public List<String> collectGarbage(Instant now, Duration safetyAge) {
        return collectGarbage(now, safetyAge, null);
    }

    /** As {@link #collectGarbage(Instant, Duration)}, never touching {@code running} (a backup of this process). */
    public List<String> collectGarbage(Instant now, Duration safetyAge, BackupId running) {
        cleanUpIncompleteWrites(safetyAge);
        return collectLeftovers(now, safetyAge, running, listBackups());
    }

    /** Lets the store remove its own incomplete writes older than {@code safetyAge}; a failure is logged. */
    public void cleanUpIncompleteWrites(Duration safetyAge) {
        try {
            store.cleanUpIncompleteWrites(safetyAge);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot clean up incomplete writes in {0}: {1}", store.describe(), e.getMessage());
        }
    }

    /** Every object under {@code backups/}: one listing that {@link #latest(List)} and the sweep below can share. */
    public List<ObjectInfo> listBackups() {
        try {
            return store.list(Layout.BACKUPS);
        } catch (IOException e) {
            throw new StoreException("cannot list backups in " + store.describe(), true, e);
        }
    }

    /**
     * The sweep of {@link #collectGarbage(Instant, Duration, BackupId)} over {@code listing}: a listing taken before
     * the sweep serves {@link #latest(List)} too, as the sweep never removes a published backup.
     */
    public List<String> collectLeftovers(Instant now, Duration safetyAge, BackupId running, List<ObjectInfo> listing) {
        Instant cutoff = now.minus(safetyAge);
        Map<String, List<ObjectInfo>> byId = new TreeMap<>();
        for (ObjectInfo o : listing) {
            String id = Layout.idOf(o.key());
            if (id != null) {
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(o);
            }
        }
        List<String> collected = new ArrayList<>();
        for (Map.Entry<String, List<ObjectInfo>> e : byId.entrySet()) {
            List<ObjectInfo> objects = e.getValue();
            boolean hasManifest = objects.stream().anyMatch(o -> o.key().endsWith("/" + Layout.MANIFEST));
            Instant newest = objects.stream().map(ObjectInfo::lastModified).max(Comparator.naturalOrder()).orElse(Instant.MAX);
            boolean idOld = !BackupId.isValid(e.getKey()) || BackupId.parse(e.getKey()).timestamp().isBefore(cutoff);
            boolean live = running != null && running.value().equals(e.getKey());
            if (!hasManifest && newest.isBefore(cutoff) && idOld && !live) {
                int removed = 0;
                for (ObjectInfo o : objects) {
                    try {
                        store.delete(o.key());
                        removed++;
                    } catch (IOException | RuntimeException ex) {
                        // e.g. a writer credential without delete rights (docs/s3.md): the sweep goes on
                        LOG.log(Level.WARNING, "cannot delete leftover {0} in {1}: {2}", o.key(), store.describe(), ex.getMessage());
                    }
                }
                if (removed == objects.size()) {
                    collected.add(e.getKey());
                }
                LOG.log(Level.INFO, "removed {0} of {1} leftover objects of unfinished backup {2} from {3}",
                        removed, objects.size(), e.getKey(), store.describe());
            }
        }
        return collected;
    }

    /** The id of every backup with a manifest, oldest first, whether or not the manifest reads and verifies. */
    public List<BackupId> manifestIds() {
        return manifestIds(listBackups());
    }

    private static List<BackupId> manifestIds(List<ObjectInfo> listing) {
        List<BackupId> ids = new ArrayList<>();
        for (ObjectInfo o : listing) {
            String id = Layout.idOf(o.key());
            if (id != null && o.key().equals(Layout.BACKUPS + id + "/" + Layout.MANIFEST) && BackupId.isValid(id)) {
                ids.add(BackupId.parse(id));
            }
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }
}
