package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lifeboat.api.BackupInProgressException;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.store.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {
    @TempDir
    Path dir;

    @Test
    void everyProblemIsReportedAtOnceWithSettingRequirementAndValue() throws Exception {
        Path notADir = Files.writeString(dir.resolve("file.txt"), "x");
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> Lifeboat.configure()
                .application("my shop!")
                .database("main", Postgres.url("mysql://nope"))
                .database("main", Postgres.url("jdbc:postgresql://127.0.0.1/shop"))
                .database("cache", Sqlite.file(dir.resolve("missing.db")))
                .files("uploads", dir.resolve("nowhere"))
                .files("logs", notADir)
                .config("deploy", dir.resolve("gone.conf"))
                .compressionLevel(42)
                .build());

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.problems()).extracting(ConfigurationException.Problem::setting).containsExactly(
                "application", "stores", "db \"main\" url", "db \"main\"", "db \"cache\" file", "files \"uploads\" path",
                "files \"logs\" path", "config \"deploy\" path", "compressionLevel");
        assertThat(e.getMessage())
                .contains("Invalid Lifeboat configuration (9 problems)")
                .contains("application: must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit, but was \"my shop!\"")
                .contains("db \"main\" url: must be a jdbc:postgresql://host[:port]/database or postgres://[user[:password]@]host[:port]/database URL, but was \"mysql://nope\"")
                .contains("db \"main\": must be a unique db name, but was a duplicate")
                .contains("files \"uploads\" path: must be an existing directory, but was \"" + dir.resolve("nowhere") + "\" (does not exist)")
                .contains("files \"logs\" path: must be an existing directory, but was \"" + notADir + "\" (not a directory)")
                .contains("compressionLevel: must be between 1 and 19, but was 42");
    }

    @Test
    void configPathsThatContainOneAnotherAreRefusedBecauseTheArchiveWouldHoldThemTwice() throws Exception {
        Path nginx = Files.createDirectories(dir.resolve("etc/nginx"));
        Path conf = Files.writeString(nginx.resolve("nginx.conf"), "events {}\n");
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> Lifeboat.configure()
                .config("deploy", nginx, conf, conf).store(dev.lifeboat.store.LocalStore.at(dir.resolve("store"))).build());

        assertThat(e.getMessage()).contains("(3 problems)")
                .contains("config \"deploy\" path: must be paths that do not contain one another, but was \"" + conf + "\" and \""
                        + nginx + "\"")
                .contains("but was \"" + conf + "\" twice");
    }

    @Test
    void nothingConfiguredSaysWhatIsNeeded() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> Lifeboat.configure().build());
        assertThat(e.problems()).hasSize(2);
        assertThat(e.getMessage()).contains("sources: must be at least one database, files, config or secrets source, but was none")
                .contains("stores: must be at least one store");
    }

    @Test
    void aTempDirectoryGoneAfterBuildFailsTheBackupSayingSoAndWritesNothing() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(media.resolve("a.txt"), "a");
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        Lifeboat lifeboat = Lifeboat.configure().files("media", media).tempDirectory(temp)
                .store(LocalStore.at(dir.resolve("store"))).build();
        Files.delete(temp);

        dev.lifeboat.api.SourceException e = catchThrowableOfType(dev.lifeboat.api.SourceException.class, lifeboat::backupNow);

        assertThat(e.getMessage()).contains("cannot create its private temporary directory in " + temp, "lifeboat.temp-dir")
                .doesNotContain("while reading a source");
        assertThat(lifeboat.list()).isEmpty();
    }

    @Test
    void anExcludeGlobThatCannotBeParsedIsAProblemAtBuildNotAFailureOfEveryBackup() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> Lifeboat.configure()
                .files("media", media, "*.tmp", "cache/{a").store(LocalStore.at(dir.resolve("store"))).build());
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.setting()).isEqualTo("files \"media\" exclude");
            assertThat(p.actual()).isEqualTo("\"cache/{a\"");
        });
    }

    @Test
    void urlsInBothStylesAreAccepted() {
        Lifeboat.configure().database("a", Postgres.url("jdbc:postgresql://db.internal:6543/shop?sslmode=require"))
                .database("b", Postgres.url("postgres://app:s3cret@db.internal/shop"))
                .database("c", Postgres.url("postgresql://[::1]:5432/shop"))
                .store(LocalStore.at(dir)).build();
    }

    @Test
    void secondConcurrentBackupIsRefusedWithTheRunningId() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        FilesRoundTripTest.writeRandom(media.resolve("big.bin"), 64L << 20, 1);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Lifeboat lifeboat = Lifeboat.configure().files("media", media).store(LocalStore.at(dir.resolve("store")))
                .listener(new dev.lifeboat.api.LifeboatListener() {
                    @Override
                    public void partStarted(dev.lifeboat.api.BackupId id, String part) {
                        started.countDown();
                    }
                }).build();
        Thread t = new Thread(lifeboat::backupNow);
        t.start();
        started.await();
        BackupInProgressException e = catchThrowableOfType(BackupInProgressException.class, lifeboat::backupNow);
        assertThat(e.running()).isEqualTo(lifeboat.running().orElse(e.running()));
        t.join();
        assertThat(lifeboat.list()).hasSize(1);
    }

    @Test
    void twoInstancesBackingUpToOneStoreAtOnceBothPublishWholeBackups() throws Exception {
        // the CLI beside the application, or two replicas: each is its own Lifeboat, with nothing shared but the store
        Path media = Files.createDirectories(dir.resolve("media"));
        FilesRoundTripTest.writeRandom(media.resolve("big.bin"), 24L << 20, 2);
        Path store = dir.resolve("store");
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        java.util.function.Supplier<Lifeboat> instance = () -> Lifeboat.configure().files("media", media)
                .store(LocalStore.at(store)).listener(new dev.lifeboat.api.LifeboatListener() {
                    @Override
                    public void partStarted(dev.lifeboat.api.BackupId id, String part) {
                        try {
                            together.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).build();
        Lifeboat a = instance.get();
        Lifeboat b = instance.get();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var fa = pool.submit(a::backupNow);
            var fb = pool.submit(b::backupNow);
            dev.lifeboat.api.BackupResult ra = fa.get(2, java.util.concurrent.TimeUnit.MINUTES);
            dev.lifeboat.api.BackupResult rb = fb.get(2, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(ra.id()).isNotEqualTo(rb.id());
            assertThat(a.list()).extracting(m -> m.backupId()).containsExactlyInAnyOrder(ra.id(), rb.id());
            for (dev.lifeboat.api.BackupResult r : java.util.List.of(ra, rb)) {
                assertThat(a.verify(r.id(), dev.lifeboat.api.verify.VerifyLevel.CONTENT).findings()).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
