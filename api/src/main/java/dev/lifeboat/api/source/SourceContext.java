package dev.lifeboat.api.source;

import java.nio.file.Path;
import java.time.Duration;

/** What the engine gives a source while it runs. */
public interface SourceContext {
    /** A private directory for bounded temporary files; deleted after the backup. */
    Path tempDirectory();

    /** How long the source may take before it must give up (dump timeout). */
    Duration timeout();

    /** zstd compression level for sources that compress (1–19). */
    int compressionLevel();

    /** Worker threads for compression. */
    int compressionWorkers();
}
