package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.store.ObjectWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store without recipients holds the application's data in plaintext: what LocalStore creates is private to
 * its owner, whatever the process umask (restic's local backend does the same).
 */
class LocalStorePermissionsTest {
    @TempDir
    Path dir;

    @Test
    void createdDirectoriesAre0700AndObjects0600() throws Exception {
        Path root = dir.resolve("backups").resolve("shop");
        LocalStore store = LocalStore.at(root);
        try (ObjectWriter w = store.write("backups/20261127T120000Z-0000abcd/files-media.tar.zst")) {
            w.stream().write("plaintext".getBytes(StandardCharsets.UTF_8));
            w.commit();
        }
        for (Path d : new Path[] {dir.resolve("backups"), root, root.resolve("backups"),
                root.resolve("backups/20261127T120000Z-0000abcd"), root.resolve(LocalStore.TEMP_DIR)}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwx------");
        }
        Path object = root.resolve("backups/20261127T120000Z-0000abcd/files-media.tar.zst");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(object))).isEqualTo("rw-------");
        assertThat(store.list("backups/")).singleElement().satisfies(o -> assertThat(o.size()).isEqualTo(9));
        // an existing root keeps the permissions its owner gave it
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));
        try (ObjectWriter w = LocalStore.at(shared).write("backups/x/manifest.json")) {
            w.commit();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rwxr-x---");
    }
}
