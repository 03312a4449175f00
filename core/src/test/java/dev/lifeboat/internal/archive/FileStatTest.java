package dev.lifeboat.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStatTest {
    @TempDir
    Path dir;

    @Test
    void theDirectPathIsInUseWhenSunNioFsIsOpened() {
        // core's surefire opens java.base/sun.nio.fs as the CLI jar's manifest does; when a JDK update breaks the
        // direct path, this says so instead of the archiver quietly falling back to the slower attribute view
        assertThat(FileStat.direct()).isTrue();
    }

    @Test
    void bothPathsGiveTheSameModeIdsSizeAndTime() throws Exception {
        Path file = Files.writeString(dir.resolve("file.txt"), "twelve bytes", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2021-03-04T05:06:07Z")));
        Path setgid = Files.createDirectory(dir.resolve("shared"));
        new ProcessBuilder("chmod", "2775", setgid.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("file.txt"));
        Path fifo = dir.resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);

        FileStat f = FileStat.of(file);
        assertThat(f.type()).isEqualTo(FileStat.S_IFREG);
        assertThat(f.permissions()).isEqualTo(0640);
        assertThat(f.size()).isEqualTo(12);
        assertThat(f.lastModified().toInstant()).isEqualTo(Instant.parse("2021-03-04T05:06:07Z"));
        assertThat(f.uid()).isEqualTo(id("-u"));
        assertThat(f.gid()).isEqualTo(id("-g"));
        assertThat(FileStat.of(setgid).type()).isEqualTo(FileStat.S_IFDIR);
        assertThat(FileStat.of(setgid).permissions()).isEqualTo(02775);
        assertThat(FileStat.of(link).type()).as("the link itself, not its target").isEqualTo(FileStat.S_IFLNK);
        assertThat(FileStat.of(fifo).type()).isEqualTo(0010000);
        for (Path p : new Path[] {file, setgid, link, fifo, dir}) {
            assertThat(FileStat.of(p)).as(p.toString()).isEqualTo(FileStat.viaView(p));
        }
    }

    @Test
    void aMissingPathIsNoSuchFileOnBothPaths() {
        Path gone = dir.resolve("gone");
        assertThatThrownBy(() -> FileStat.of(gone)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> FileStat.viaView(gone)).isInstanceOf(NoSuchFileException.class);
    }

    private static long id(String flag) throws Exception {
        Process p = new ProcessBuilder("id", flag).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        return Long.parseLong(out);
    }
}
