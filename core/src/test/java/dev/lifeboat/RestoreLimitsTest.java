package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.catalog.Layout;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An archive restore's caps: from the manifest with room to spare, unless set, and then exactly as set. */
class RestoreLimitsTest {
    static final PartInfo PART = new PartInfo("media", SourceKind.FILES, "tar+zstd",
            Layout.partKey(BackupId.generate(Instant.parse("2026-11-27T00:00:00Z")), "files-media.tar.zst"), 10, "0".repeat(64), 10,
            "0".repeat(64), false, 1, Map.of(), Map.of(), new TreeStats(800, 150, 50, 80L << 20), List.of(), List.of(), null);

    @Test
    void byDefaultTheManifestsFiguresPlusAnEighthAndSomeRoom() {
        SafeExtractor.Limits l = Recovery.limits(PART, RestoreOptions.defaults());
        assertThat(l.maxBytes()).isEqualTo((80L << 20) + (10L << 20) + (64L << 20));
        assertThat(l.maxEntries()).isEqualTo(1000 + 125 + 10_000);
    }

    @Test
    void aCapSetExplicitlyStandsEvenWhenItEqualsTheDefaultsValue() {
        RestoreOptions asDefault = RestoreOptions.defaults().maxBytes(Long.MAX_VALUE).maxEntries(RestoreOptions.DEFAULT_MAX_ENTRIES);
        SafeExtractor.Limits l = Recovery.limits(PART, asDefault);
        assertThat(l.maxBytes()).isEqualTo(Long.MAX_VALUE);
        assertThat(l.maxEntries()).isEqualTo(RestoreOptions.DEFAULT_MAX_ENTRIES);

        SafeExtractor.Limits small = Recovery.limits(PART, RestoreOptions.defaults().maxBytes(1000).maxEntries(3).replace(true));
        assertThat(small.maxBytes()).isEqualTo(1000);
        assertThat(small.maxEntries()).as("replace(…) keeps what was set").isEqualTo(3);
    }
}
