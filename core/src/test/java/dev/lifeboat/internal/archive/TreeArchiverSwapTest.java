package dev.lifeboat.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.catalog.Issue;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone who can write to the tree swaps a directory for a symlink to a secret place just after the archiver's
 * lstat saw a directory: nothing from outside the tree may be read (reliability.md: no file outside the root).
 */
class TreeArchiverSwapTest {
    @TempDir
    Path dir;

    @AfterEach
    void noSeam() {
        TreeArchiver.beforeOpening = p -> { };
        TreeArchiver.beforeReading = p -> { };
    }

    @Test
    void aDirectoryWhoseWholeContentIsExcludedIsKeptEmptyAndNeverOpened() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(Files.createDirectories(media.resolve("cache/thumbs")).resolve("a.jpg"), "thumb");
        Files.writeString(Files.createDirectories(media.resolve("photos/cache")).resolve("b.jpg"), "nested cache");
        Files.writeString(media.resolve("photos/c.jpg"), "photo");
        List<String> opened = new ArrayList<>();
        TreeArchiver.beforeOpening = p -> opened.add(media.relativize(p).toString());

        Archived archived = archive(media, List.of("cache/**", "**/cache/**"));
        ByteArrayOutputStream bytes = archived.bytes();
        TreeArchiver archiver = archived.archiver();

        assertThat(opened).as("an excluded directory's content is never listed, so an unreadable one cannot make the"
                + " backup incomplete").containsExactly("photos");
        assertThat(names(bytes)).containsExactly("cache/", "photos/", "photos/c.jpg", "photos/cache/");
        assertThat(archiver.issues()).isEmpty();
    }

    @Test
    void aDirectorySwappedForASymlinkBeforeItIsOpenedIsRefusedNotFollowed() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Path d = Files.createDirectories(media.resolve("d"));
        Files.writeString(d.resolve("upload.jpg"), "an upload");
        Files.writeString(media.resolve("z.txt"), "after d");
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("id_rsa"), "PRIVATE KEY CANARY");
        AtomicBoolean swapped = new AtomicBoolean();
        TreeArchiver.beforeOpening = p -> {
            if (p.getFileName().toString().equals("d") && swapped.compareAndSet(false, true)) {
                try {
                    Files.move(d, media.resolve("d-moved"));
                    Files.createSymbolicLink(d, secret);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };

        Archived archived = archive(media, List.of());
        ByteArrayOutputStream bytes = archived.bytes();
        TreeArchiver archiver = archived.archiver();

        assertThat(swapped).isTrue();
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
                assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("CANARY");
            }
        }
        assertThat(names).noneMatch(n -> n.contains("id_rsa")).contains("z.txt");
        assertThat(archiver.issues()).anySatisfy(i -> {
            assertThat(i.severity()).isEqualTo(Issue.Severity.INCOMPLETE);
            assertThat(i.subject()).isEqualTo("d");
            assertThat(i.message()).contains("changed while being read");
        });
    }

    /** An editor's lock link deleted, or a link replaced by a file, between listing and reading: the backup goes on. */
    @Test
    void aSymlinkThatVanishesOrStopsBeingOneIsNotTheWholeBackupsFailure() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Path lock = Files.createSymbolicLink(media.resolve(".#draft.txt"), Path.of("user@host.1234"));
        Path link = Files.createSymbolicLink(media.resolve("current"), Path.of("v2"));
        Files.writeString(media.resolve("z.txt"), "after the links");
        TreeArchiver.beforeReading = p -> {
            try {
                if (p.equals(lock)) {
                    Files.delete(lock);
                } else if (p.equals(link)) {
                    Files.delete(link);
                    Files.writeString(link, "now a file");
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };

        Archived archived = archive(media, List.of());
        ByteArrayOutputStream bytes = archived.bytes();
        TreeArchiver archiver = archived.archiver();

        assertThat(names(bytes)).containsExactly("z.txt");
        assertThat(archiver.issues()).singleElement().satisfies(i -> {
            assertThat(i.severity()).isEqualTo(Issue.Severity.INCOMPLETE);
            assertThat(i.subject()).isEqualTo("current");
            assertThat(i.message()).contains("no longer the symlink it was");
        });
    }

    private static List<String> names(ByteArrayOutputStream tar) throws java.io.IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }

    private record Archived(ByteArrayOutputStream bytes, TreeArchiver archiver) {}

    /** {@code media} archived (with {@code excludes}), the tar bytes and the archiver that made them. */
    private static Archived archive(Path media, List<String> excludes) throws java.io.IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TreeArchiver archiver = new TreeArchiver(new TarWriter(bytes, 4096), excludes);
        archiver.addTree(media, "");
        archiver.finish();
        return new Archived(bytes, archiver);
    }
}
