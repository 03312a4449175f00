package dev.lifeboat.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed restore's staging tree holds the archive's own modes: directories its owner may not list or change.
 * (Run as root, the permission checks pass anyway; as any other user this is what fails without the chmod first.)
 */
class TreesTest {
    @TempDir
    Path dir;

    @Test
    void aTreeWithLockedDirectoriesIsDeletedWholeWithoutFollowingLinks() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "not ours to delete");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path locked = Files.createDirectories(staging.resolve("a/locked"));
        Files.writeString(locked.resolve("secret.env"), "TOKEN=x");
        Files.createDirectories(locked.resolve("deeper/still"));
        Files.createSymbolicLink(staging.resolve("a/link-out"), outside);
        Files.setPosixFilePermissions(locked.resolve("deeper"), PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(staging.resolve("a"), PosixFilePermissions.fromString("r-x------"));

        Trees.deleteQuietly(staging);

        assertThat(staging).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("not ours to delete");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).startsWith("rwx");
        Trees.deleteQuietly(staging); // gone already: nothing to do
        Trees.deleteQuietly(null);
    }
}
