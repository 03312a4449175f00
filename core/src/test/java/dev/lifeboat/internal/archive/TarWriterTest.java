package dev.lifeboat.internal.archive;

import static dev.lifeboat.internal.archive.TarSamples.LINK_TARGET;
import static dev.lifeboat.internal.archive.TarSamples.LONG;
import static dev.lifeboat.internal.archive.TarSamples.UNICODE;
import static dev.lifeboat.internal.archive.TarSamples.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarWriterTest {
    @Test
    void fieldsThatDoNotFitUstarGoIntoPaxHeadersAndReadBack() throws Exception {
        byte[] bytes = TarSamples.everyHeaderCase();
        assertThat(bytes.length % (20 * 512)).isZero();

        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(bytes))) {
            TarArchiveEntry e = in.getNextEntry();
            assertThat(e.getName()).isEqualTo("dir/");
            assertThat(e.isDirectory()).isTrue();
            assertThat(e.getMode() & 07777).isEqualTo(0750);
            assertThat(e.getLongUserId()).isEqualTo(1000);
            assertThat(e.getModTime().toInstant().getEpochSecond()).isEqualTo(1_600_000_000L);
            assertEntry(in, "dir/plain.txt", "hello", 0640);
            assertEntry(in, LONG, "long name", 0644);
            assertEntry(in, UNICODE, "unicode", 0600);
            e = assertEntry(in, "big-ids", "ids", 0644);
            assertThat(e.getLongUserId()).isEqualTo(3_000_000_000L);
            assertThat(e.getLongGroupId()).isEqualTo(4_000_000L);
            e = assertEntry(in, "old", "1969", 0644);
            assertThat(e.getModTime().toInstant().getEpochSecond()).isEqualTo(-86_400L);
            e = assertEntry(in, "future", "2300", 0644);
            assertThat(e.getModTime().toInstant()).isEqualTo(Instant.parse("2300-01-01T00:00:00Z"));
            e = in.getNextEntry();
            assertThat(e.isSymbolicLink()).isTrue();
            assertThat(e.getLinkName()).isEqualTo(LINK_TARGET);
            assertEntry(in, "n".repeat(100), "exactly 100 bytes: ustar", 0644);
            assertEntry(in, "n".repeat(101), "101 bytes: pax", 0644);
            assertEntry(in, "line\nbreak", "control character: pax", 0644);
            assertThat(in.getNextEntry()).isNull();
        }
    }

    @Test
    void gnuTarListsWhatTheWriterWrote(@TempDir Path dir) throws Exception {
        Requirements.requireTool("tar");
        Path archive = dir.resolve("a.tar");
        try (var out = Files.newOutputStream(archive)) {
            TarWriter tar = new TarWriter(out, 4096);
            file(tar, LONG, "long name", 0644, 0, 0, 1_600_000_000L);
            file(tar, UNICODE, "unicode", 0600, 0, 0, 1_600_000_000L);
            file(tar, "big-ids", "ids", 0644, 3_000_000_000L, 4_000_000L, 1_600_000_000L);
            tar.symlink("link", "target", 0777, 0, 0, 1_600_000_000L);
            tar.finish();
        }
        Process p = new ProcessBuilder("tar", "--numeric-owner", "-tvf", archive.toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(listing).isZero();
        assertThat(listing).contains(LONG, UNICODE, "3000000000/4000000", "link -> target").doesNotContain("warning");
    }

    @Test
    void sizesOfEightGibibytesAndMoreUsePax() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, 4096);
        long size = 9L << 30;
        tar.beginFile("huge.bin", size, 0644, 0, 0, 1_600_000_000L);
        tar.write(new byte[1024], 0, 1024);
        tar.flush();
        // only the headers are read back: the entry's size is what matters
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            TarArchiveEntry e = in.getNextEntry();
            assertThat(e.getName()).isEqualTo("huge.bin");
            assertThat(e.getSize()).isEqualTo(size);
        }
    }

    @Test
    void anEntryMustReceiveExactlyItsDeclaredSize() throws Exception {
        TarWriter tar = new TarWriter(new ByteArrayOutputStream(), 4096);
        tar.beginFile("f", 3, 0644, 0, 0, 0);
        assertThatThrownBy(() -> tar.write(new byte[4], 0, 4)).isInstanceOf(IllegalStateException.class);
        tar.write(new byte[2], 0, 2);
        assertThatThrownBy(tar::endFile).isInstanceOf(IllegalStateException.class);
    }

    private static TarArchiveEntry assertEntry(TarArchiveInputStream in, String name, String content, int mode)
            throws Exception {
        TarArchiveEntry e = in.getNextEntry();
        assertThat(e.getName()).isEqualTo(name);
        assertThat(e.getMode() & 07777).isEqualTo(mode);
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(content);
        return e;
    }
}
