package dev.lifeboat.internal.engine;

import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.internal.crypto.CryptoPlan;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A validated, immutable backup plan: what {@code Lifeboat.Builder.build()} produces for the engine.
 *
 * @param application application name recorded in manifests
 * @param sources what to back up, in order
 * @param stores where to, every part to each
 * @param tempRoot where private temporary directories are created
 * @param compressionLevel zstd level for compressing sources
 * @param compressionWorkers zstd worker threads
 * @param timeout default wall-clock limit per source
 * @param garbageSafetyAge leftovers of unfinished backups younger than this are never removed
 * @param clock time source
 * @param listener observer
 * @param crypto encryption and signing
 * @param rpo recovery point objective, or {@code null}
 * @param rto recovery time objective, or {@code null}
 */
public record Plan(
        String application,
        List<Source> sources,
        List<NamedStore> stores,
        Path tempRoot,
        int compressionLevel,
        int compressionWorkers,
        Duration timeout,
        Duration garbageSafetyAge,
        Clock clock,
        LifeboatListener listener,
        CryptoPlan crypto,
        Duration rpo,
        Duration rto) {
    public Plan {
        sources = List.copyOf(sources);
        stores = List.copyOf(stores);
        crypto = crypto == null ? CryptoPlan.NONE : crypto;
    }

    /**
     * A configured store.
     *
     * @param name its name (unique in the plan)
     * @param store the store
     * @param required whether the backup counts as successful only when this store holds a complete copy
     */
    public record NamedStore(String name, Store store, boolean required) {
        public NamedStore {
            Objects.requireNonNull(name, "null name");
            Objects.requireNonNull(store, "null store");
        }
    }

    /** The stores alone, in order. */
    public List<Store> storeList() {
        return stores.stream().map(NamedStore::store).toList();
    }
}
