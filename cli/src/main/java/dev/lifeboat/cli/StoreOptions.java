package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.Recovery;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.ManifestVerifyKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
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
        List<Problem> problems = new ArrayList<>();
        Identities ids = identity == null ? null : collect(() -> Identities.fromFile(identity), problems);
        Recovery r = collect(() -> p.recovery(store, ids), problems);
        report(problems);
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

    /** The selected stores, and for each a recovery that reads it alone. */
    record PerStore(Map<String, Store> stores, Function<Store, Recovery> recovery) {}

    /**
     * The {@linkplain #selectedStores selected stores} and recoveries that read one store each, with the identities
     * and trusted keys read once, before any store is visited: a bad {@code --store}, {@code --identity} or signing
     * setting is added to {@code problems} (a usage error, exit 2), not reported as every store's failure.
     */
    PerStore perStore(LifeboatProperties p, List<Problem> problems) {
        Map<String, Store> stores = collect(() -> selectedStores(p), problems);
        Identities ids = identity == null ? null : collect(() -> Identities.fromFile(identity), problems);
        Set<ManifestVerifyKey> trusted = collect(p::trustedKeys, problems);
        return new PerStore(stores, store -> {
            Recovery r = Recovery.from(store);
            if (ids != null) {
                r = r.withIdentities(ids);
            }
            return trusted == null ? r : r.trusting(trusted.toArray(new ManifestVerifyKey[0]));
        });
    }

    /** What {@code read} gives, or null with its configuration problems added to {@code problems}. */
    static <T> T collect(Supplier<T> read, List<Problem> problems) {
        try {
            return read.get();
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    /** Throws every problem collected, at once. */
    static void report(List<Problem> problems) {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
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
