package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.Recovery;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.ManifestVerifyKey;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that read backups: which store, which identity. */
final class StoreOptions {
    @Option(names = "--store", paramLabel = "NAME", description = "list, status, verify: only this configured store (default: every one;"
            + " verify: the first holding the backup); show, restore: read from this store first, then the others"
            + " (default: in configured order)")
    String store;

    @Option(names = "--identity", paramLabel = "FILE", description = "age identity file (private key) for encrypted parts")
    Path identity;

    Recovery recovery(LifeboatProperties p, LifeboatListener listener) {
        Identities ids = identity == null ? null : Identities.fromFile(identity);
        Recovery r = p.recovery(store, ids);
        return listener == null ? r : r.withListener(listener);
    }

    /**
     * The configured stores, or only the one named by {@code --store}; an unknown name is a usage error. Each store
     * is created once, so per-store commands do not rebuild every store for every store they visit.
     */
    Map<String, Store> selectedStores(LifeboatProperties p) {
        Map<String, Store> all = p.stores();
        if (store == null) {
            return all;
        }
        if (!all.containsKey(store)) {
            throw new ConfigurationException("--store", "one of the configured stores " + all.keySet(), "\"" + store + "\"");
        }
        return Map.of(store, all.get(store));
    }

    /** A recovery that reads only {@code store}. */
    Recovery recoveryFor(LifeboatProperties p, Store store) {
        Recovery r = Recovery.from(store);
        if (identity != null) {
            r = r.withIdentities(Identities.fromFile(identity));
        }
        return r.trusting(p.trustedKeys().toArray(new ManifestVerifyKey[0]));
    }

    /** Resolves {@code latest} or an id; a malformed id is a usage error, an unknown one NOT_FOUND. */
    static Manifest resolve(Recovery recovery, String idOrLatest) {
        if ("latest".equals(idOrLatest)) {
            return recovery.latest().orElseThrow(() -> new NotFoundException("there are no backups in the store yet"));
        }
        if (!BackupId.isValid(idOrLatest)) {
            throw new ConfigurationException("backup id", "'latest' or an id like 20261126T021500Z-3f9a1c0b",
                    "\"" + Output.printable(idOrLatest) + "\"");
        }
        return recovery.manifest(BackupId.parse(idOrLatest));
    }
}
