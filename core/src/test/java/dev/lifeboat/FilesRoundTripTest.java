package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesRoundTripTest {

    static void writeRandom(Path file, long size, long seed) throws Exception {
        Random r = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                r.nextBytes(block);
                // half compressible, half random
                if ((left / block.length) % 2 == 0) {
                    java.util.Arrays.fill(block, 0, block.length / 2, (byte) 'a');
                }
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    /** {@code zstd -dc PART | tar -x} into a new directory {@code into}, which it returns. */
    static Path extractWithStockTools(Path part, Path into) throws Exception {
        Requirements.requireTool("zstd");
        Files.createDirectory(into);
        Process p = new ProcessBuilder("bash", "-c", "zstd -dc '" + part + "' | tar -x -C '" + into + "'")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return into;
    }

    @Test
    void treeRoundTripsByContentAndMode(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.createDirectories(media.resolve("a/b/c/d"));
        Files.createDirectories(media.resolve("empty/nested-empty"));
        Files.writeString(media.resolve("a/b/c/d/deep.txt"), "deep");
        Files.writeString(media.resolve("résumé-日本語-Ωμέγα.txt"), "unicode name ✓");
        String longName = "l".repeat(200) + ".bin";
        Path longDir = Files.createDirectories(media.resolve("x".repeat(120)).resolve("y".repeat(120)));
        Files.writeString(longDir.resolve(longName), "a path longer than 255 bytes");
        Files.createFile(media.resolve("empty.txt"));
        Files.writeString(media.resolve("secret-ish.key"), "mode 600");
        Files.setPosixFilePermissions(media.resolve("secret-ish.key"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(media.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(media.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(media.resolve("a/b"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(media.resolve("link-to-deep"), Path.of("a/b/c/d/deep.txt"));
        Files.createSymbolicLink(media.resolve("dangling"), Path.of("/nonexistent/target"));
        writeRandom(media.resolve("big.bin"), 110L << 20, 42);
        Files.setLastModifiedTime(media.resolve("a/b/c/d/deep.txt"), FileTime.from(Instant.parse("2020-02-02T02:02:02Z")));
        boolean fifo = Requirements.runs("mkfifo", media.resolve("pipe").toString());
        if (!fifo && Requirements.isCi()) {
            throw new AssertionError("required under CI=true, but missing: mkfifo (a FIFO in the tree must be skipped and recorded)");
        }

        Lifeboat lifeboat = Lifeboat.configure().files("uploads", media).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        PartInfo part = result.parts().get(0);
        assertThat(part.key()).endsWith("/files-uploads.tar.zst");
        assertThat(part.tree().files()).isEqualTo(7);
        assertThat(part.tree().symlinks()).isEqualTo(2);
        assertThat(part.tree().bytes()).isGreaterThan(110L << 20);
        if (fifo) {
            assertThat(part.issues()).containsExactly(new Issue(Issue.Severity.NOTICE, "pipe", "FIFO skipped"));
            Files.delete(media.resolve("pipe"));
        }
        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();

        Path target = dir.resolve("restored");
        RestoreResult restored = lifeboat.restoreFiles(result.id(), "uploads", target, RestoreOptions.defaults());

        assertThat(restored.mismatches()).isEmpty();
        Map<String, String> want = FileTrees.snapshot(media);
        assertThat(FileTrees.snapshot(target)).isEqualTo(want);
        assertThat(Files.getLastModifiedTime(target.resolve("a/b/c/d/deep.txt")).toInstant())
                .isEqualTo(Instant.parse("2020-02-02T02:02:02Z"));

        // the archive is readable by stock tar + zstd
        Path stock = extractWithStockTools(dir.resolve("store").resolve(part.key()), dir.resolve("stock"));
        assertThat(FileTrees.snapshot(stock)).isEqualTo(want);

        // a non-empty target is refused and left alone
        assertThatThrownBy(() -> lifeboat.restoreFiles(result.id(), "uploads", stock, RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .satisfies(e -> assertThat(((RestoreException) e).code()).isEqualTo(ErrorCode.RESTORE_TARGET_NOT_EMPTY));
    }

    @Test
    void aFileWithSeveralNamesIsStoredOnceAndRestoredAsOneFileWithThoseNames(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Path original = media.resolve("a/photo.raw");
        Files.createDirectories(original.getParent());
        Files.createDirectories(media.resolve("b/c"));
        writeRandom(original, 4L << 20, 7); // 4 MiB, 3 of them random: each stored copy costs ≈ 3 MiB
        Files.createLink(media.resolve("b/c/same-photo.raw"), original);
        Files.createLink(media.resolve("z-third-name.raw"), original);
        Path outsideName = dir.resolve("outside-name.raw"); // a name outside the tree: the inode has 4 names
        Files.createLink(outsideName, media.resolve("b/c/same-photo.raw"));
        Files.writeString(media.resolve("plain.txt"), "one name only");

        Lifeboat lifeboat = Lifeboat.configure().files("uploads", media).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        PartInfo part = result.parts().get(0);
        assertThat(part.tree().files()).isEqualTo(4);
        assertThat(part.tree().bytes()).as("the content is counted once").isEqualTo((4L << 20) + "one name only".length());
        assertThat(part.size()).as("stored once (≈ 3 MiB), not three times").isLessThan(4L << 20);

        Path target = dir.resolve("restored");
        RestoreResult restored = lifeboat.restoreFiles(result.id(), "uploads", target, RestoreOptions.defaults());
        assertThat(restored.mismatches()).isEmpty();
        assertThat(FileTrees.snapshot(target)).isEqualTo(FileTrees.snapshot(media));
        Object inode = Files.getAttribute(target.resolve("a/photo.raw"), "unix:ino");
        assertThat(Files.getAttribute(target.resolve("b/c/same-photo.raw"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.getAttribute(target.resolve("z-third-name.raw"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.getAttribute(target.resolve("a/photo.raw"), "unix:nlink")).isEqualTo(3);
        assertThat(Files.getAttribute(target.resolve("plain.txt"), "unix:nlink")).isEqualTo(1);

        // stock tar restores the same links from the archive
        Path stock = extractWithStockTools(dir.resolve("store").resolve(part.key()), dir.resolve("stock"));
        assertThat(FileTrees.snapshot(stock)).isEqualTo(FileTrees.snapshot(media));
        assertThat(Files.getAttribute(stock.resolve("z-third-name.raw"), "unix:ino"))
                .isEqualTo(Files.getAttribute(stock.resolve("a/photo.raw"), "unix:ino"));
    }

    @Test
    void symlinkLoopsAndLinksOutOfTheTreeAreStoredAsLinksAndNeverFollowed(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("app.env"), "DB_PASSWORD=Canary-outside-9f3\n");
        Files.writeString(media.resolve("photo.jpg"), "pixels");
        Files.createSymbolicLink(media.resolve("a"), Path.of("b")); // a -> b -> a
        Files.createSymbolicLink(media.resolve("b"), Path.of("a"));
        Files.createSymbolicLink(media.resolve("self"), Path.of("self"));
        Files.createSymbolicLink(media.resolve("loop-dir"), Path.of("."));
        Files.createSymbolicLink(media.resolve("config"), outside); // to the app's config, outside the root
        Files.createSymbolicLink(media.resolve("escape"), Path.of("../outside/app.env"));

        Lifeboat lifeboat = Lifeboat.configure().files("uploads", media).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        PartInfo part = result.parts().get(0);
        assertThat(part.tree().files()).isEqualTo(1);
        assertThat(part.tree().symlinks()).isEqualTo(6);
        assertThat(part.tree().bytes()).as("only photo.jpg's bytes").isEqualTo(6);
        Path target = dir.resolve("restored");
        RestoreResult restored = lifeboat.restoreFiles(result.id(), "uploads", target, RestoreOptions.defaults());
        assertThat(restored.mismatches()).isEmpty();
        assertThat(FileTrees.snapshot(target)).isEqualTo(FileTrees.snapshot(media));
        assertThat(Files.readSymbolicLink(target.resolve("config"))).isEqualTo(outside);
        assertThat(Files.readSymbolicLink(target.resolve("a"))).isEqualTo(Path.of("b"));
        try (java.util.stream.Stream<Path> all = Files.walk(target)) {
            assertThat(all.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)))
                    .as("nothing from outside the root was read")
                    .containsExactly(target.resolve("photo.jpg"));
        }
    }

    @Test
    void fileChangingWhileReadMakesTheBackupIncomplete(@TempDir Path dir) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Path growing = media.resolve("growing.log");
        writeRandom(growing, 64L << 20, 7);
        Files.writeString(media.resolve("stable.txt"), "stable");
        AtomicBoolean stop = new AtomicBoolean();
        Thread appender = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(growing, java.nio.file.StandardOpenOption.APPEND)) {
                while (!stop.get()) {
                    out.write("more log lines\n".getBytes());
                    out.flush();
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        appender.start();
        BackupResult result;
        Lifeboat lifeboat = Lifeboat.configure().files("logs", media).store(LocalStore.at(dir.resolve("store"))).build();
        try {
            result = lifeboat.backupNow();
        } finally {
            stop.set(true);
            appender.join();
        }
        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.manifest().issues()).anySatisfy(i -> {
            assertThat(i.severity()).isEqualTo(Issue.Severity.INCOMPLETE);
            assertThat(i.subject()).isEqualTo("growing.log");
        });
        // published (the other files are safe) but never reported as a clean, verified backup
        assertThat(lifeboat.latest()).isPresent();
        assertThat(lifeboat.verify(result.id(), VerifyLevel.STRUCTURE).findings())
                .extracting(Finding::type).containsExactly(Finding.Type.INCOMPLETE);
    }

    @Test
    void namesWithBackslashesAndDriveLettersAreOrdinaryNamesHere(@TempDir Path dir) throws Exception {
        // uploads saved under the names old browsers sent: a backup that takes them must restore them
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(media.resolve("C:\\Documents and Settings\\ada\\photo.jpg"), "windows path as a name");
        Files.writeString(Files.createDirectories(media.resolve("D:")).resolve("x\\y.txt"), "drive-like directory");
        Lifeboat lifeboat = Lifeboat.configure().files("media", media).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();
        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);

        Path target = dir.resolve("restored");
        lifeboat.restoreFiles(result.id(), "media", target, RestoreOptions.defaults());

        assertThat(FileTrees.snapshot(target)).isEqualTo(FileTrees.snapshot(media));
        assertThat(target.resolve("C:\\Documents and Settings\\ada\\photo.jpg")).hasContent("windows path as a name");
    }

    @Test
    void aNameTheJvmCannotDecodeIsLeftOutAndMadeIncompleteNotStoredUnderAnotherName(@TempDir Path dir) throws Exception {
        // two Latin-1 names (an old FTP upload): under a UTF-8 locale both decode to "caf\uFFFD", which would be stored,
        // and restored, as one name twice
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(media.resolve("café.txt"), "valid UTF-8 name");
        Process p = new ProcessBuilder("bash", "-c", "printf e > $'caf\\xe9' && printf a > $'caf\\xe8' && ln -s $'caf\\xe9' link")
                .directory(media.toFile()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Lifeboat lifeboat = Lifeboat.configure().files("media", media).store(LocalStore.at(dir.resolve("store"))).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.parts().get(0).issues()).hasSize(3).allSatisfy(i -> {
            assertThat(i.severity()).isEqualTo(Issue.Severity.INCOMPLETE);
            assertThat(i.message()).contains("file name encoding", "UTF-8");
        });
        Path target = dir.resolve("restored");
        lifeboat.restoreFiles(result.id(), "media", target, RestoreOptions.defaults());
        assertThat(target.resolve("café.txt")).hasContent("valid UTF-8 name");
        try (java.util.stream.Stream<Path> restored = Files.list(target)) {
            assertThat(restored).hasSize(1);
        }
    }

    @Test
    void configFilesAreArchivedUnderTheirAbsolutePaths(@TempDir Path dir) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc/nginx/sites-available"));
        Path site = Files.writeString(etc.resolve("shop.conf"), "server { listen 80; }\n");
        Path compose = Files.writeString(dir.resolve("docker-compose.yml"), "services: {}\n");
        Lifeboat lifeboat = Lifeboat.configure().config("deploy", site, compose).store(LocalStore.at(dir.resolve("store"))).build();
        BackupResult result = lifeboat.backupNow();
        assertThat(result.parts().get(0).key()).endsWith("/config-deploy.tar.zst");
        Path target = dir.resolve("restored-config");
        lifeboat.restoreConfig(result.id(), "deploy", target, RestoreOptions.defaults());
        assertThat(target.resolve(site.toString().substring(1))).hasContent("server { listen 80; }");
        assertThat(target.resolve(compose.toString().substring(1))).hasContent("services: {}");
    }

    @Test
    void aConfiguredPathThatIsASymlinkIsStoredWithItsTargetsContent(@TempDir Path dir) throws Exception {
        // sites-enabled links, and Kubernetes secret mounts (key -> ..data/key -> ..2026_11_27/key)
        Path available = Files.writeString(Files.createDirectories(dir.resolve("sites-available")).resolve("shop.conf"),
                "server { listen 443; }\n");
        Path enabled = Files.createSymbolicLink(Files.createDirectories(dir.resolve("sites-enabled")).resolve("shop.conf"),
                Path.of("../sites-available/shop.conf"));
        Path mount = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(Files.createDirectories(mount.resolve("..2026_11_27")).resolve("api-key"), "k-123\n");
        Files.createSymbolicLink(mount.resolve("..data"), Path.of("..2026_11_27"));
        Path key = Files.createSymbolicLink(mount.resolve("api-key"), Path.of("..data/api-key"));
        Lifeboat lifeboat = Lifeboat.configure().config("deploy", enabled, key).store(LocalStore.at(dir.resolve("store"))).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        assertThat(result.parts().get(0).issues()).extracting(i -> i.severity() + " " + i.subject()).containsExactlyInAnyOrder(
                "NOTICE " + enabled.toString().substring(1), "NOTICE " + key.toString().substring(1));
        Path target = dir.resolve("restored-config");
        lifeboat.restoreConfig(result.id(), "deploy", target, RestoreOptions.defaults());
        assertThat(target.resolve(enabled.toString().substring(1))).isRegularFile().hasContent("server { listen 443; }");
        assertThat(target.resolve(key.toString().substring(1))).isRegularFile().hasContent("k-123");
        assertThat(available).hasContent("server { listen 443; }\n");
    }
}
