package dev.lifeboat.internal.catalog;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backups in one store. A backup exists if and only if its manifest exists and parses: objects without a
 * manifest are never listed and are removed by {@link #collectGarbage} once older than a safety age.
 */
public final class Catalog {
    private static final System.Logger LOG = System.getLogger(Catalog.class.getName());
    /** Manifests larger than this are refused as corrupt rather than read into memory. */
    static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

    private final Store store;

    public Catalog(Store store) {
        this.store = store;
    }

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
        List<BackupId> ids = manifestIds();
        for (int i = ids.size() - 1; i >= 0; i--) {
            try {
                return Optional.of(manifest(ids.get(i)));
            } catch (IntegrityException | NotFoundException e) {
                LOG.log(Level.WARNING, "skipping backup {0} in {1}: {2}", ids.get(i), store.describe(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Reads and parses one manifest. */
    public Manifest manifest(BackupId id) {
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
        return m;
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
     * {@code safetyAge}: debris of crashed or failed runs. Returns the ids collected.
     */
    public List<String> collectGarbage(Instant now, Duration safetyAge) {
        Instant cutoff = now.minus(safetyAge);
        Map<String, List<ObjectInfo>> byId = new TreeMap<>();
        try {
            for (ObjectInfo o : store.list(Layout.BACKUPS)) {
                String id = Layout.idOf(o.key());
                if (id != null) {
                    byId.computeIfAbsent(id, k -> new ArrayList<>()).add(o);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list backups in " + store.describe(), true, e);
        }
        List<String> collected = new ArrayList<>();
        for (Map.Entry<String, List<ObjectInfo>> e : byId.entrySet()) {
            List<ObjectInfo> objects = e.getValue();
            boolean hasManifest = objects.stream().anyMatch(o -> o.key().endsWith("/" + Layout.MANIFEST));
            Instant newest = objects.stream().map(ObjectInfo::lastModified).max(Comparator.naturalOrder()).orElse(Instant.MAX);
            boolean idOld = !BackupId.isValid(e.getKey()) || BackupId.parse(e.getKey()).timestamp().isBefore(cutoff);
            if (!hasManifest && newest.isBefore(cutoff) && idOld) {
                for (ObjectInfo o : objects) {
                    try {
                        store.delete(o.key());
                    } catch (IOException ex) {
                        LOG.log(Level.WARNING, "cannot delete leftover {0} in {1}: {2}", o.key(), store.describe(), ex.getMessage());
                    }
                }
                collected.add(e.getKey());
                LOG.log(Level.INFO, "removed {0} leftover objects of unfinished backup {1} from {2}",
                        objects.size(), e.getKey(), store.describe());
            }
        }
        return collected;
    }

    private List<BackupId> manifestIds() {
        List<BackupId> ids = new ArrayList<>();
        try {
            for (ObjectInfo o : store.list(Layout.BACKUPS)) {
                String id = Layout.idOf(o.key());
                if (id != null && o.key().equals(Layout.BACKUPS + id + "/" + Layout.MANIFEST) && BackupId.isValid(id)) {
                    ids.add(BackupId.parse(id));
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list backups in " + store.describe(), true, e);
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }
}
