package dev.lifeboat.internal.engine;

import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.internal.crypto.CryptoPlan;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

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
 * @param crypto encryption recipients and manifest signing
 */
public record Plan(
        String application,
        List<Source> sources,
        List<Store> stores,
        Path tempRoot,
        int compressionLevel,
        int compressionWorkers,
        Duration timeout,
        Duration garbageSafetyAge,
        Clock clock,
        LifeboatListener listener,
        CryptoPlan crypto) {
    public Plan {
        sources = List.copyOf(sources);
        stores = List.copyOf(stores);
        crypto = crypto == null ? CryptoPlan.NONE : crypto;
    }

    /** A plan without encryption or signing. */
    public Plan(String application, List<Source> sources, List<Store> stores, Path tempRoot, int compressionLevel,
            int compressionWorkers, Duration timeout, Duration garbageSafetyAge, Clock clock, LifeboatListener listener) {
        this(application, sources, stores, tempRoot, compressionLevel, compressionWorkers, timeout, garbageSafetyAge, clock,
                listener, CryptoPlan.NONE);
    }
}
