package dev.lifeboat.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file with several names is stored once while the archiver can remember it; its memory for that is bounded,
 * and a file that changed between its names is stored again rather than linked to older content.
 */
class TreeArchiverHardLinkTest {
    @TempDir
    Path dir;

    @Test
    void laterNamesBecomeLinksWhileTheyFitTheMemoryBudgetAndCopiesPastIt() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(media.resolve("a1"), "first file, two names");
        Files.createLink(media.resolve("a2"), media.resolve("a1"));
        Files.writeString(media.resolve("b1"), "second file, two names");
        Files.createLink(media.resolve("b2"), media.resolve("b1"));

        // room for one remembered file: a1 is remembered until a2 (then forgotten), so b1 fits as well
        assertThat(archive(media, 200)).extracting(TarReader.Entry::name, TarReader.Entry::type, TarReader.Entry::linkName)
                .containsExactly(tuple("a1", '0', ""), tuple("a2", '1', "a1"), tuple("b1", '0', ""),
                        tuple("b2", '1', "b1"));
        // a third name of a1 elsewhere keeps it remembered, so b1 no longer fits and b2 is stored as a copy
        Files.createLink(dir.resolve("a3-outside"), media.resolve("a1"));
        assertThat(archive(media, 200)).extracting(TarReader.Entry::name, TarReader.Entry::type, TarReader.Entry::size)
                .containsExactly(tuple("a1", '0', 21L), tuple("a2", '1', 0L), tuple("b1", '0', 22L), tuple("b2", '0', 22L));
        // no memory at all: every name is a copy
        assertThat(archive(media, 0)).extracting(TarReader.Entry::type).containsOnly('0');
    }

    @Test
    void aFileChangedBetweenItsNamesIsStoredAgain() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(media.resolve("a1"), "version 1");
        Files.createLink(media.resolve("a2"), media.resolve("a1"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TreeArchiver archiver = new TreeArchiver(new TarWriter(bytes, 4096), List.of());
        // a1 is archived alone first; then the file changes; then a2, its other name, is archived
        archiver.addPath(media.resolve("a1"), "a1");
        Files.writeString(media.resolve("a1"), "version 2, longer");
        Files.setLastModifiedTime(media.resolve("a1"), FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        archiver.addPath(media.resolve("a2"), "a2");
        archiver.finish();

        assertThat(entries(bytes.toByteArray())).extracting(TarReader.Entry::name, TarReader.Entry::type, TarReader.Entry::size)
                .containsExactly(tuple("a1", '0', 9L), tuple("a2", '0', 17L));
        assertThat(archiver.stats().files()).isEqualTo(2);
        assertThat(archiver.stats().bytes()).isEqualTo(9 + 17);
    }

    private static List<TarReader.Entry> archive(Path tree, long budget) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TreeArchiver archiver = new TreeArchiver(new TarWriter(bytes, 4096), List.of(), budget);
        archiver.addTree(tree, "");
        archiver.finish();
        assertThat(archiver.issues()).isEmpty();
        List<TarReader.Entry> files = new ArrayList<>();
        for (TarReader.Entry e : entries(bytes.toByteArray())) {
            if (!e.isDirectory()) {
                files.add(e);
            }
        }
        return files;
    }

    private static List<TarReader.Entry> entries(byte[] tar) throws Exception {
        List<TarReader.Entry> all = new ArrayList<>();
        TarReader reader = new TarReader(new ByteArrayInputStream(tar));
        for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
            all.add(e);
        }
        return all;
    }
}
