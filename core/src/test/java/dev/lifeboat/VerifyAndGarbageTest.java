package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ClockSkewException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.RawSource;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyAndGarbageTest {
    @TempDir
    Path dir;

    Path storeDir;
    Lifeboat lifeboat;

    @BeforeEach
    void setUp() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(media.resolve("f" + i + ".txt"), ("file " + i + "\n").repeat(1000));
        }
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("create table t (x)");
            st.execute("insert into t values (1), (2), (3)");
        }
        Path conf = Files.writeString(dir.resolve("app.conf"), "key=value\n");
        storeDir = dir.resolve("store");
        lifeboat = Lifeboat.configure().database("app", Sqlite.file(db)).files("media", media).config("deploy", conf)
                .store(LocalStore.at(storeDir)).build();
    }

    Path partFile(BackupResult r, String name) {
        PartInfo p = r.parts().stream().filter(x -> x.qualifiedName().equals(name)).findFirst().orElseThrow();
        return storeDir.resolve(p.key());
    }

    @Test
    void verifyReportsEveryFindingNotOnlyTheFirst() throws Exception {
        BackupResult r = lifeboat.backupNow();
        assertThat(lifeboat.verify(r.id(), VerifyLevel.CONTENT).ok()).isTrue();

        // flip one byte in the database part, truncate the files part, delete the config part
        try (RandomAccessFile f = new RandomAccessFile(partFile(r, "db-app").toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x01);
        }
        try (RandomAccessFile f = new RandomAccessFile(partFile(r, "files-media").toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        Files.delete(partFile(r, "config-deploy"));

        VerificationReport structure = lifeboat.verify(r.id(), VerifyLevel.STRUCTURE);
        assertThat(structure.findings()).extracting(Finding::type, Finding::subject).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(Finding.Type.SIZE_MISMATCH, "files-media"),
                org.assertj.core.groups.Tuple.tuple(Finding.Type.PART_MISSING, "config-deploy"));
        VerificationReport content = lifeboat.verify(r.id(), VerifyLevel.CONTENT);
        assertThat(content.findings()).extracting(Finding::type, Finding::subject).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(Finding.Type.HASH_MISMATCH, "db-app"),
                org.assertj.core.groups.Tuple.tuple(Finding.Type.SIZE_MISMATCH, "files-media"),
                org.assertj.core.groups.Tuple.tuple(Finding.Type.PART_MISSING, "config-deploy"));

        // a tampered part is never restored: nothing appears at the target
        Path target = dir.resolve("restored.db");
        assertThatThrownBy(() -> lifeboat.restoreDatabase(r.id(), "app", Sqlite.file(target), RestoreOptions.defaults()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("db-app").hasMessageContaining(r.id().value());
        assertThat(target).doesNotExist();
        Path filesTarget = dir.resolve("restored-files");
        assertThatThrownBy(() -> lifeboat.restoreFiles(r.id(), "media", filesTarget, RestoreOptions.defaults()))
                .isInstanceOf(dev.lifeboat.api.LifeboatException.class);
        assertThat(filesTarget).doesNotExist();
    }

    @Test
    void unreadableManifestIsAFindingAndNotALatestBackup() throws Exception {
        BackupResult first = lifeboat.backupNow();
        BackupResult second = lifeboat.backupNow();
        Files.writeString(storeDir.resolve("backups/" + second.id() + "/manifest.json"), "{ not json");
        VerificationReport report = lifeboat.verify(second.id(), VerifyLevel.STRUCTURE);
        assertThat(report.findings()).extracting(Finding::type).containsExactly(Finding.Type.MANIFEST_INVALID);
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(first.id());
        assertThat(lifeboat.list()).extracting(m -> m.backupId()).containsExactly(first.id());
        assertThatThrownBy(() -> lifeboat.manifest(second.id())).isInstanceOf(IntegrityException.class);
    }

    @Test
    void unknownBackupIsNotFound() {
        BackupId missing = BackupId.parse("20200101T000000Z-00000000");
        assertThatThrownBy(() -> lifeboat.verify(missing, VerifyLevel.STRUCTURE))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("does not exist")
                .satisfies(e -> assertThat(((NotFoundException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    /**
     * Interrupted while handing data on, a backup is CANCELLED, not a source failure (LB-204 means unreadable files);
     * what it wrote goes, the previous backup stays the latest, and the interrupt flag is kept for the caller.
     */
    @Test
    void anInterruptedBackupIsCancelledWhateverItWasDoing() throws Exception {
        BackupResult previous = lifeboat.backupNow();
        RawSource interrupted = new RawSource("big", dev.lifeboat.api.source.SourceKind.FILES, out -> {
            byte[] block = new byte[1 << 20];
            out.write(block);
            Thread.currentThread().interrupt(); // as Future.cancel(true) or the CLI's SIGTERM hook would
            for (int i = 0; i < 8; i++) {
                out.write(block);
            }
        });
        Lifeboat cancelled = Lifeboat.configure().config("deploy", dir.resolve("app.conf")).source(interrupted)
                .store(LocalStore.at(storeDir)).build();
        Throwable t;
        try {
            t = org.assertj.core.api.Assertions.catchThrowable(cancelled::backupNow);
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        }
        assertThat(t).isInstanceOf(dev.lifeboat.api.CancelledException.class).hasMessageContaining("[LB-304]")
                .hasMessageContaining("was cancelled");
        assertThat(((dev.lifeboat.api.LifeboatException) t).code()).isEqualTo(dev.lifeboat.api.ErrorCode.CANCELLED);
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(previous.id());
        assertThat(LocalStore.at(storeDir).list("backups/")).allMatch(o -> o.key().startsWith("backups/" + previous.id() + "/"));
    }

    @Test
    void aBackupThisInstanceIsRunningIsNeverCollectedHoweverLongItRuns() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        RawSource slow = new RawSource("slow", dev.lifeboat.api.source.SourceKind.FILES, out -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            out.write(new byte[] {1, 2, 3});
        });
        Lifeboat patient = Lifeboat.configure().config("deploy", dir.resolve("app.conf")).source(slow)
                .store(LocalStore.at(storeDir)).clock(clock).build();
        java.util.concurrent.CompletableFuture<BackupResult> backup = java.util.concurrent.CompletableFuture.supplyAsync(patient::backupNow);
        assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        BackupId id = patient.running().orElseThrow();
        assertThat(LocalStore.at(storeDir).list("backups/" + id + "/")).as("the first part is stored").hasSize(1);

        now.set(now.get().plus(Duration.ofDays(3))); // the backup has now run for longer than the safety age
        assertThat(patient.collectGarbage()).isEmpty();

        release.countDown();
        BackupResult result = backup.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.id()).isEqualTo(id);
        assertThat(patient.verify(id, VerifyLevel.CONTENT).ok()).isTrue();
    }

    @Test
    void leftoversWithoutManifestAreInvisibleAndCollectedOnlyAfterTheSafetyAge() throws Exception {
        BackupResult good = lifeboat.backupNow();
        // debris of a crashed run: parts, no manifest
        BackupId crashed = BackupId.generate(Instant.now().minus(Duration.ofDays(3)));
        Path debris = Files.createDirectories(storeDir.resolve("backups/" + crashed));
        Files.writeString(debris.resolve("db-app.sqlite.zst"), "partial");
        Files.setLastModifiedTime(debris.resolve("db-app.sqlite.zst"), FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        BackupId fresh = BackupId.generate(Instant.now());
        Path running = Files.createDirectories(storeDir.resolve("backups/" + fresh));
        Files.writeString(running.resolve("db-app.sqlite.zst"), "still being written elsewhere");

        assertThat(lifeboat.list()).extracting(m -> m.backupId()).containsExactly(good.id());
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(good.id());

        // and a temporary file of a write that crashed three days ago (the store's own debris)
        Path tmp = storeDir.resolve(".lifeboat-tmp");
        Files.createDirectories(tmp);
        Path staleTemp = Files.writeString(tmp.resolve("crashed.tmp"), "half a part");
        Files.setLastModifiedTime(staleTemp, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        Path freshTemp = Files.writeString(tmp.resolve("running.tmp"), "a part being written");

        assertThat(lifeboat.collectGarbage()).containsExactly(crashed.value());
        assertThat(debris).doesNotExist();
        assertThat(staleTemp).doesNotExist();
        assertThat(freshTemp).exists();
        assertThat(running.resolve("db-app.sqlite.zst")).exists();
        assertThat(lifeboat.verify(good.id(), VerifyLevel.CONTENT).ok()).isTrue();

        // with a clock two days ahead, the fresh leftover is old enough too
        Lifeboat later = Lifeboat.configure().config("deploy", dir.resolve("app.conf")).store(LocalStore.at(storeDir))
                .clock(Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC)).build();
        assertThat(later.collectGarbage()).containsExactly(fresh.value());
        assertThat(LocalStore.at(storeDir).list("backups/")).extracting(ObjectInfo::key)
                .allMatch(k -> k.startsWith("backups/" + good.id() + "/"));
    }

    @Test
    void aFolderNamedLikeABackupOfADateThatDoesNotExistIsDebrisAndStopsNothing() throws Exception {
        // month 13: the shape of an id, but no time; it once made every sweep of the store fail
        Path impossible = Files.createDirectories(storeDir.resolve("backups/20261301T000000Z-00000000"));
        Files.writeString(impossible.resolve("db-app.sqlite.zst"), "junk");
        Files.setLastModifiedTime(impossible.resolve("db-app.sqlite.zst"), FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        BackupId crashed = BackupId.generate(Instant.now().minus(Duration.ofDays(3)));
        Path debris = Files.createDirectories(storeDir.resolve("backups/" + crashed));
        Files.writeString(debris.resolve("db-app.sqlite.zst"), "partial");
        Files.setLastModifiedTime(debris.resolve("db-app.sqlite.zst"), FileTime.from(Instant.now().minus(Duration.ofDays(3))));

        assertThat(BackupId.isValid("20261301T000000Z-00000000")).isFalse();
        assertThat(BackupId.isValid("20260231T000000Z-00000000")).as("February 31st").isFalse();
        assertThat(BackupId.isValid("20261126T240000Z-00000000")).as("hour 24").isFalse();
        assertThat(BackupId.isValid("20280229T235959Z-0a1b2c3d")).as("a leap day").isTrue();
        assertThat(BackupId.parse("20280229T235959Z-0a1b2c3d").timestamp()).isEqualTo(Instant.parse("2028-02-29T23:59:59Z"));
        assertThatThrownBy(() -> BackupId.parse("20261126T250000Z-00000000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must look like");
        assertThat(lifeboat.collectGarbage()).containsExactlyInAnyOrder("20261301T000000Z-00000000", crashed.value());
        assertThat(impossible).doesNotExist();
        assertThat(debris).doesNotExist();
        BackupResult good = lifeboat.backupNow();
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(good.id());
    }

    @Test
    void aBackupDatedInTheFutureStopsBackupsThatWouldNotBeTheLatest() throws Exception {
        SigningKey key = SigningKey.generate();
        Path conf = dir.resolve("app.conf");
        Lifeboat now = Lifeboat.configure().config("deploy", conf).signWith(key).store(LocalStore.at(storeDir)).build();
        Lifeboat aheadBy3Minutes = Lifeboat.configure().config("deploy", conf).signWith(key).store(LocalStore.at(storeDir))
                .clock(Clock.fixed(Instant.now().plus(Duration.ofMinutes(3)), ZoneOffset.UTC)).build();
        Lifeboat aheadBy1Day = Lifeboat.configure().config("deploy", conf).signWith(key).store(LocalStore.at(storeDir))
                .clock(Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC)).build();
        Lifeboat forger = Lifeboat.configure().config("deploy", conf).signWith(SigningKey.generate())
                .store(LocalStore.at(storeDir)).clock(Clock.fixed(Instant.now().plus(Duration.ofDays(30)), ZoneOffset.UTC))
                .build();

        // within the tolerance, a clock ahead is drift: the backup taken after it still sorts after it, and so is the
        // latest; a future backup this Lifeboat does not trust changes nothing
        BackupResult ahead = aheadBy3Minutes.backupNow();
        forger.backupNow();
        BackupResult second = now.backupNow();
        assertThat(second.id().timestamp()).as("one second after the backup of the clock ahead")
                .isEqualTo(ahead.id().timestamp().plusSeconds(1));
        assertThat(now.latest().orElseThrow().backupId()).isEqualTo(second.id());
        assertThat(second.manifest().startedAt()).as("the real start is still recorded").isBefore(ahead.id().timestamp());

        BackupResult future = aheadBy1Day.backupNow();
        List<BackupId> before = now.list().stream().map(m -> m.backupId()).toList();
        assertThatThrownBy(now::backupNow)
                .isInstanceOf(ClockSkewException.class)
                .satisfies(e -> assertThat(((ClockSkewException) e).code()).isEqualTo(ErrorCode.CLOCK_SKEW))
                .satisfies(e -> assertThat(((ClockSkewException) e).newest()).isEqualTo(future.id()))
                .hasMessageContaining("backup " + future.id() + " in local:" + storeDir)
                .hasMessageContaining("is dated 23 hours after this machine's clock")
                .hasMessageContaining("none was made");
        assertThat(now.list().stream().map(m -> m.backupId()).toList()).as("nothing was written").isEqualTo(before);
        assertThat(LocalStore.at(storeDir).list("backups/").stream().map(o -> o.key().split("/")[1]).distinct())
                .as("four backups, the forged one included, and no leftover of a fifth").hasSize(4);
    }

    @Test
    void backupsOfTwoProcessesInTheSameSecondSortInTheOrderTheyWereTaken() throws Exception {
        // two Lifeboats on one store (an application and a cron job of the CLI), whose clocks stand still: each id is
        // of the same second, so only the random suffix would order them, half of the time the wrong way round
        Clock frozen = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        Path conf = dir.resolve("app.conf");
        Lifeboat app = Lifeboat.configure().config("deploy", conf).store(LocalStore.at(storeDir)).clock(frozen).build();
        Lifeboat cron = Lifeboat.configure().config("deploy", conf).store(LocalStore.at(storeDir)).clock(frozen).build();
        BackupId previous = null;
        for (int i = 0; i < 6; i++) {
            BackupResult r = (i % 2 == 0 ? app : cron).backupNow();
            if (previous != null) {
                assertThat(r.id()).as("backup " + i).isGreaterThan(previous);
            }
            assertThat(app.latest().orElseThrow().backupId()).as("backup " + i + " is the latest").isEqualTo(r.id());
            previous = r.id();
        }
    }

    @Test
    void aBackupRemovesTheTemporaryFolderOfABackupKilledDaysAgoButNotARunningOnes() throws Exception {
        Path tempRoot = Files.createDirectories(dir.resolve("tmp"));
        Path killed = Files.createDirectories(tempRoot.resolve("lifeboat-" + BackupId.generate(Instant.now().minus(Duration.ofDays(3)))
                + "-1234567"));
        Files.writeString(killed.resolve("pgpass-1"), "127.0.0.1:5432:*:app:Canary-pw\n");
        Path running = Files.createDirectories(tempRoot.resolve("lifeboat-" + BackupId.generate(Instant.now()) + "-7654321"));
        Path restoring = Files.createDirectories(tempRoot.resolve("lifeboat-restore-42"));
        Lifeboat withTemp = Lifeboat.configure().config("deploy", dir.resolve("app.conf")).tempDirectory(tempRoot)
                .store(LocalStore.at(storeDir)).build();

        withTemp.backupNow();

        assertThat(killed).doesNotExist();
        assertThat(running).isDirectory();
        assertThat(restoring).isDirectory();
    }

    @Test
    void aWriterWithoutDeleteRightsReportsTheFailureItselfAndItsLeftoversStayInvisible() throws Exception {
        BackupResult good = lifeboat.backupNow();
        // the files part fails after the database part was stored, and no delete is allowed (an S3 writer policy)
        FaultyStore noDeletes = FaultyStore.failingCommitOf(LocalStore.at(storeDir), "files-media.tar.zst").refusingDeleteOf("");
        Lifeboat writer = Lifeboat.configure().database("app", Sqlite.file(dir.resolve("app.db")))
                .files("media", dir.resolve("media")).store(noDeletes).build();

        String logged;
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(writer::backupNow).isInstanceOf(dev.lifeboat.api.StoreException.class)
                    .hasMessageContaining("injected commit failure").hasMessageNotContaining("AccessDenied");
            logged = logs.text();
        }
        assertThat(logged).contains("cannot remove backups/").contains("db-app.sqlite.zst")
                .contains("it will be collected as a leftover");
        assertThat(noDeletes.committed()).anyMatch(k -> k.endsWith("/db-app.sqlite.zst"));
        assertThat(lifeboat.list()).extracting(m -> m.backupId()).as("the leftover is no backup").containsExactly(good.id());
        assertThat(lifeboat.latest().orElseThrow().backupId()).isEqualTo(good.id());

        BackupResult next = lifeboat.backupNow();
        assertThat(lifeboat.latest().orElseThrow().backupId()).isEqualTo(next.id());
        assertThat(lifeboat.verify(next.id(), VerifyLevel.CONTENT).ok()).isTrue();
    }

    @Test
    void aStoreThatRefusesOneDeleteStillHasItsOtherLeftoversCollected() throws Exception {
        Instant old = Instant.now().minus(Duration.ofDays(3));
        List<BackupId> crashed = new ArrayList<>();
        for (String part : new String[] {"db-app.sqlite.zst", "files-media.tar.zst"}) {
            BackupId id = BackupId.generate(old);
            Path debris = Files.createDirectories(storeDir.resolve("backups/" + id));
            Files.writeString(debris.resolve(part), "partial");
            Files.setLastModifiedTime(debris.resolve(part), FileTime.from(old));
            crashed.add(id);
        }
        FaultyStore store = FaultyStore.diskFullAfter(LocalStore.at(storeDir), Long.MAX_VALUE).refusingDeleteOf("db-app.sqlite.zst");
        Lifeboat lifeboat = Lifeboat.configure().config("deploy", dir.resolve("app.conf")).store(store).build();

        assertThat(lifeboat.collectGarbage()).as("only what was removed whole").containsExactly(crashed.get(1).value());
        assertThat(storeDir.resolve("backups/" + crashed.get(0) + "/db-app.sqlite.zst")).exists();
        assertThat(storeDir.resolve("backups/" + crashed.get(1) + "/files-media.tar.zst")).doesNotExist();
    }
}
