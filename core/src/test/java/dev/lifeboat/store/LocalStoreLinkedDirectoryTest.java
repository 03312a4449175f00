package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.testing.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator who moves the store's {@code backups/} folder to a bigger disk and links it back expects the store
 * to go on working: what is written through the link is listed through it, and emptying it keeps the link.
 */
class LocalStoreLinkedDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void backupsWrittenThroughALinkedDirectoryAreListedAndTheLinkOutlivesTheirDeletion() throws Exception {
        Path root = Files.createDirectories(dir.resolve("store"));
        Path bigDisk = Files.createDirectories(dir.resolve("big-disk/backups"));
        Path link = Files.createSymbolicLink(root.resolve("backups"), bigDisk);
        Files.writeString(Files.createDirectories(dir.resolve("app")).resolve("app.conf"), "listen 80\n");
        Lifeboat lifeboat = Lifeboat.configure().config("deploy", dir.resolve("app/app.conf")).store(LocalStore.at(root)).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(bigDisk.resolve(result.id().value()).resolve("manifest.json")).isRegularFile();
        assertThat(lifeboat.list()).extracting(Manifest::backupId).containsExactly(result.id());
        assertThat(lifeboat.latest()).map(Manifest::backupId).contains(result.id());
        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();

        LocalStore store = LocalStore.at(root);
        for (ObjectInfo o : store.list("backups/")) {
            store.delete(o.key());
        }
        assertThat(store.list("")).isEmpty();
        assertThat(Files.isSymbolicLink(link)).as("the operator's link stays").isTrue();
        try (var left = Files.list(bigDisk)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("only the staging folder").containsOnly(LocalStore.TEMP_DIR);
        }
    }

    /** The bigger disk is another file system: a write is staged there, so its final rename does not cross devices. */
    @Test
    void aLinkedBackupsFolderOnAnotherFileSystemIsWrittenAndListed() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("big-disk-fs"));
        try (Requirements.Mount mounted = Requirements.mountTmpfs(mount, "32m", "to link backups/ to another file system")) {
            Path root = Files.createDirectories(dir.resolve("store"));
            Files.createSymbolicLink(root.resolve("backups"), Files.createDirectory(mount.resolve("backups")));
            assertThat(Files.getFileStore(mount)).isNotEqualTo(Files.getFileStore(root));
            Files.writeString(Files.createDirectories(dir.resolve("app")).resolve("app.conf"), "listen 80\n");
            Lifeboat lifeboat = Lifeboat.configure().config("deploy", dir.resolve("app/app.conf")).store(LocalStore.at(root)).build();

            BackupResult result = lifeboat.backupNow();

            assertThat(mount.resolve("backups").resolve(result.id().value()).resolve("manifest.json")).isRegularFile();
            assertThat(lifeboat.latest()).map(Manifest::backupId).contains(result.id());
            assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
            assertThat(LocalStore.at(root).list("")).allMatch(o -> o.key().startsWith("backups/" + result.id() + "/"));
        }
    }

    @Test
    void linksBelowTheTopLevelAreNotFollowedAndALinkBackToTheRootDoesNotLoop() throws Exception {
        Path root = Files.createDirectories(dir.resolve("store"));
        LocalStore store = LocalStore.at(root);
        try (ObjectWriter w = store.write("backups/a/manifest.json")) {
            w.stream().write("{}".getBytes(StandardCharsets.UTF_8));
            w.commit();
        }
        Files.createSymbolicLink(root.resolve("backups/a/loop"), root.resolve("backups"));
        Files.createSymbolicLink(root.resolve("backups/a/passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("backups/a/dangling"), dir.resolve("nowhere"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("not-ours.txt"), "x");
        Files.createSymbolicLink(root.resolve("backups/a/elsewhere"), elsewhere);
        Files.createSymbolicLink(root.resolve("top-loop"), root);

        assertThat(store.list("backups/")).extracting(ObjectInfo::key).containsExactly("backups/a/manifest.json");
        assertThat(store.list("")).as("links below the top level are not followed").extracting(ObjectInfo::key)
                .containsExactly("backups/a/manifest.json");
    }
}
