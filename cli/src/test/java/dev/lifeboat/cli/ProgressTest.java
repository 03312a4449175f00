package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.BackupId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The progress line's content: part, bytes of the total, percentage, rate and ETA; one line, erased at the end. */
class ProgressTest {
    @Test
    void aPartOfKnownSizeShowsBytesPercentRateAndEtaOnOneLine() throws Exception {
        StringWriter out = new StringWriter();
        Progress progress = Progress.drawingInto(new PrintWriter(out));
        BackupId id = BackupId.generate(Instant.parse("2026-11-27T00:00:00Z"));

        progress.progress(id, "db-main", 0, 4 * 1024 * 1024);
        Thread.sleep(300); // redrawn at most four times a second
        long drawnAt = System.nanoTime();
        progress.progress(id, "db-main", 1024 * 1024, 4 * 1024 * 1024);
        String drawn = out.toString();
        assertThat(drawn).startsWith("\r  db-main  0 B / 4.0 MiB (0%)  ");
        assertThat(drawn.substring(drawn.lastIndexOf('\r'))).matches("\r  db-main  1\\.0 MiB / 4\\.0 MiB \\(25%\\)  [0-9.]+ (B|KiB|MiB|GiB)/s  ETA \\d+s\u001b\\[K");
        assertThat(drawn).doesNotContain("\n");

        progress.progress(id, "db-main", 2 * 1024 * 1024, 4 * 1024 * 1024);
        if (System.nanoTime() - drawnAt < 200_000_000L) { // unless this thread stalled for as long
            assertThat(out.toString()).as("not redrawn within a quarter second").isEqualTo(drawn);
        }
        drawn = out.toString();
        progress.progress(id, "db-main", 4 * 1024 * 1024, 4 * 1024 * 1024);
        assertThat(out.toString().substring(drawn.length())).as("the end is always drawn, without an ETA")
                .startsWith("\r  db-main  4.0 MiB / 4.0 MiB (100%)  ").doesNotContain("ETA");

        // a stream of unknown length (a running pg_dump): bytes and rate only
        Thread.sleep(300);
        progress.progress(id, "files-media", 5000, -1);
        String unknown = out.toString().substring(out.toString().lastIndexOf('\r'));
        assertThat(unknown).startsWith("\r  files-media  4.9 KiB  ").contains("/s").doesNotContain("%", "ETA");
        progress.done();
        assertThat(out.toString()).endsWith("\r\u001b[K");
    }
}
