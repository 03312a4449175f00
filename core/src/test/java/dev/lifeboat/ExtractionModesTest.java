package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.io.Trees;
import dev.lifeboat.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who can see a restored tree, and when: nobody but its owner until it is complete and verified. */
class ExtractionModesTest {
    @TempDir
    Path dir;

    static void entry(TarArchiveOutputStream tar, String name, int mode, String content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode((content == null ? 0040000 : 0100000) | mode);
        byte[] b = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    static byte[] secrets() throws IOException {
        return Forge.tarZst(tar -> {
            entry(tar, "opt/", 0755, null);
            entry(tar, "opt/shop/", 0300, null); // not even readable by its owner
            entry(tar, "opt/shop/.env", 0600, "DB_PASSWORD=Canary-42");
            entry(tar, "opt/shop/README", 0644, "public");
        });
    }

    /** Records, at its first read, the modes of the restore's staging directories next to {@code target}. */
    static final class Spy extends FilterInputStream {
        final Path target;
        final List<String> stagingModes = new ArrayList<>();
        final boolean failAtEnd;

        Spy(byte[] bytes, Path target, boolean failAtEnd) {
            super(new ByteArrayInputStream(bytes));
            this.target = target;
            this.failAtEnd = failAtEnd;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (stagingModes.isEmpty()) {
                try (Stream<Path> s = Files.list(target.getParent())) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        if (p.getFileName().toString().contains("lifeboat-restore")) {
                            stagingModes.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                        }
                    }
                }
            }
            int n = super.read(b, off, len);
            if (n < 0 && failAtEnd) {
                throw new IOException("the part does not match its manifest (test)");
            }
            return n;
        }
    }

    @Test
    void theStagingTreeIsPrivateAndTheTargetKeepsTheModeOfTheDirectoryItReplaces() throws Exception {
        Path target = Files.createDirectory(dir.resolve("secrets"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-x---"));
        Spy raw = new Spy(secrets(), target, false);

        new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(raw, target);

        assertThat(raw.stagingModes).containsExactly("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("opt/shop/.env")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("opt/shop")))).isEqualTo("-wx------");
        Files.setPosixFilePermissions(target.resolve("opt/shop"), PosixFilePermissions.fromString("rwx------"));
        assertThat(target.resolve("opt/shop/.env")).hasContent("DB_PASSWORD=Canary-42");
    }

    @Test
    void aNewTargetGetsTheModeANewDirectoryGetsHere() throws Exception {
        Path probe = Files.createDirectory(dir.resolve("probe"));
        Path target = dir.resolve("fresh");

        new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(new ByteArrayInputStream(secrets()), target);

        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(probe));
        Files.setPosixFilePermissions(target.resolve("opt/shop"), PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void aTargetThatIsAMountPointIsFilledInPlaceAndNothingIsStagedOnTheParentsFileSystem() throws Exception {
        Path target = Files.createDirectory(dir.resolve("volume"));
        try (Requirements.Mount mount = Requirements.mountTmpfs(target, "16m", "to restore into a mount point")) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-x---"));
            assertThat(Files.getFileStore(target)).isNotEqualTo(Files.getFileStore(dir));
            // a part that fails its check leaves the mount point empty
            assertThatThrownBy(() -> new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(
                    new Spy(secrets(), target, true), target)).hasMessageContaining("does not match");
            try (Stream<Path> s = Files.list(target)) {
                assertThat(s.toList()).isEmpty();
            }

            // a fresh ext4 volume's lost+found does not make it "not empty", and stays
            Path lostAndFound = Files.createDirectory(target.resolve("lost+found"));
            new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(new ByteArrayInputStream(secrets()), target);

            assertThat(target.resolve("opt/shop/README")).hasContent("public");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rwxr-x---");
            try (Stream<Path> s = Files.list(target)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("opt", "lost+found");
            }
            assertThat(lostAndFound).isEmptyDirectory();

            // an entry that cannot arrive (the archive's own lost+found): those that did leave again
            Trees.deleteQuietly(target.resolve("opt"));
            byte[] clashing = Forge.tarZst(tar -> {
                for (int i = 0; i < 5; i++) {
                    Forge.file(tar, "d" + i + "/f", "x");
                }
                Forge.file(tar, "lost+found/y", "y");
            });
            assertThatThrownBy(() -> new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(
                    new ByteArrayInputStream(clashing), target)).isInstanceOf(dev.lifeboat.api.RestoreException.class)
                    .hasMessageContaining("already has lost+found");
            try (Stream<Path> s = Files.list(target)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lost+found");
            }
            assertThat(lostAndFound).isEmptyDirectory();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactly("volume");
            }
        }
    }

    @Test
    void aPartThatFailsItsCheckLeavesNothingBehindEvenWithDirectoriesItsOwnerCannotRead() throws Exception {
        Path target = dir.resolve("secrets");
        Spy raw = new Spy(secrets(), target, true);

        assertThatThrownBy(() -> new SafeExtractor(SafeExtractor.Limits.DEFAULT).extractZstd(raw, target))
                .hasMessageContaining("does not match its manifest");

        assertThat(target).doesNotExist();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("lifeboat-restore"));
        }
    }
}
