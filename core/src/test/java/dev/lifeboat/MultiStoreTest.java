package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.AgeKeys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several stores per backup: every part streams to every store at once, a failing store is dropped while the others
 * continue, the manifest records each store's outcome, and recovery over several stores reads from whichever holds
 * a good copy. Faults are injected by wrapping real {@link LocalStore}s ({@link FaultyStore}).
 */
class MultiStoreTest {
    /** Incompressible media: the files part is about this large in every store. */
    static final int MEDIA_BYTES = 4 * 256 * 1024;

    @TempDir
    Path dir;

    Path db;
    Path media;
    Path conf;
    Path dirA;
    Path dirB;

    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("app/app.db");
        Files.createDirectories(db.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("create table users (id integer primary key, name text)");
            st.execute("insert into users (name) values ('ada'), ('grace'), ('edsger')");
        }
        media = Files.createDirectories(dir.resolve("app/media/2026"));
        Random random = new Random(7);
        for (int i = 0; i < 4; i++) {
            byte[] photo = new byte[MEDIA_BYTES / 4];
            random.nextBytes(photo);
            Files.write(media.resolve("photo-" + i + ".jpg"), photo);
        }
        media = media.getParent();
        conf = Files.writeString(dir.resolve("app/app.conf"), "listen=8080\n");
        dirA = dir.resolve("store-a");
        dirB = dir.resolve("store-b");
    }

    /** db "app" (a few KiB, first), files "media" (about 1 MiB, second), config "deploy" (third). */
    Lifeboat.Builder configure() {
        return Lifeboat.configure().application("shop").database("app", Sqlite.file(db)).files("media", media)
                .config("deploy", conf).compressionWorkers(0).tempDirectory(dir);
    }

    // ------------------------------------------------------------------ one store fails, the other holds the backup

    @Test
    void aStoreThatRunsOutOfSpaceMidPartIsDroppedAndTheBackupIsPublishedInTheOther() throws Exception {
        FaultyStore b = FaultyStore.diskFullAfter(LocalStore.at(dirB), 300_000);
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.parts()).extracting(p -> p.qualifiedName()).containsExactly("db-app", "files-media", "config-deploy");
        assertThat(b.committed()).as("the first part reached b before it ran out of space")
                .containsExactly(Layout.partKey(result.id(), "db-app.sqlite.zst"));
        Manifest m = result.manifest();
        assertThat(m.stores()).extracting(StoreCopy::name, StoreCopy::location, StoreCopy::complete, StoreCopy::required)
                .containsExactly(tuple("a", LocalStore.at(dirA).describe(), true, true), tuple("b", b.describe(), false, true));
        assertThat(m.stores().get(0).error()).isNull();
        assertThat(m.failedStores()).extracting(StoreCopy::name).containsExactly("b");
        assertThat(m.failedStores().get(0).error()).contains("No space left on device", "files-media");

        // published in a, exactly as returned; nothing at all left in b (not even its committed first part)
        assertThat(new Catalog(LocalStore.at(dirA)).manifest(result.id())).isEqualTo(m);
        assertThat(objects(dirA)).contains(Layout.manifestKey(result.id()));
        assertThat(objects(dirB)).isEmpty();

        VerificationReport report = lifeboat.verify(result.id(), VerifyLevel.CONTENT);
        assertThat(report.findings()).extracting(Finding::type, Finding::subject)
                .containsExactly(tuple(Finding.Type.INCOMPLETE, "store b"));
        assertThat(report.findings().get(0).message()).contains("b", b.describe(), "No space left on device");

        // recovery over both, the store without the backup first, restores identical data
        Recovery recovery = Recovery.from(List.of(LocalStore.at(dirB), LocalStore.at(dirA)), dir);
        assertThat(recovery.list()).extracting(Manifest::backupId).containsExactly(result.id());
        assertThat(recovery.latest()).map(Manifest::backupId).contains(result.id());
        assertRestoresIdentically(recovery, result.id());
        assertThat(lifeboat.latest()).map(Manifest::backupId).contains(result.id());
    }

    @Test
    void aFailureOfAStoreThatIsNotRequiredIsRecordedButTheBackupSucceeds() throws Exception {
        FaultyStore b = FaultyStore.diskFullAfter(LocalStore.at(dirB), 300_000);
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).requireStores("a").build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete, StoreCopy::required)
                .containsExactly(tuple("a", true, true), tuple("b", false, false));
        assertThat(result.manifest().failedStores()).singleElement()
                .satisfies(c -> assertThat(c.error()).contains("No space left on device"));
        assertThat(objects(dirB)).isEmpty();
        VerificationReport report = lifeboat.verify(result.id(), VerifyLevel.CONTENT);
        assertThat(report.ok()).as("%s", report.findings()).isTrue();
        assertThat(report.findings()).isEmpty();
    }

    @Test
    void requireStoresMustNameConfiguredStores() {
        assertThatThrownBy(() -> configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB))
                .requireStores("offsite").build())
                .isInstanceOf(dev.lifeboat.api.ConfigurationException.class)
                .hasMessageContaining("requireStores").hasMessageContaining("\"offsite\"");
    }

    @Test
    void aStoreFailingAtTheCommitOfTheSecondPartRemovesThePartsItHadAlreadyCommitted() throws Exception {
        FaultyStore b = FaultyStore.failingCommitOf(LocalStore.at(dirB), "files-media.tar.zst");
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(b.committed()).containsExactly(Layout.partKey(result.id(), "db-app.sqlite.zst"));
        assertThat(objects(dirB)).as("the committed first part was removed again").isEmpty();
        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.manifest().failedStores()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("b");
            assertThat(c.error()).contains("injected commit failure", "files-media.tar.zst");
        });
        assertThat(objects(dirA)).hasSize(4);
        assertRestoresIdentically(Recovery.from(List.of(b, LocalStore.at(dirA)), dir), result.id());
    }

    @Test
    void aPartStoredButReportedAsFailedIsRemovedToo() throws Exception {
        // the store kept the object but its answer was lost (a timeout after S3 completed the upload)
        FaultyStore b = FaultyStore.losingCommitOf(LocalStore.at(dirB), "files-media.tar.zst");
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(b.committed()).hasSize(2);
        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(objects(dirB)).as("nothing of the failed copy is left behind").isEmpty();
    }

    @Test
    void aStoreThatCannotConfirmAPartAfterStoringItIsDropped() throws Exception {
        // every part commits, but the size check before publishing cannot stat one of them
        FaultyStore b = FaultyStore.failingCommitOf(LocalStore.at(dirB), "no-such-key").failingStatOf("config-deploy.tar.zst");
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(b.committed()).hasSize(3);
        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.manifest().failedStores()).singleElement()
                .satisfies(c -> assertThat(c.error()).contains("injected stat failure", "config-deploy"));
        assertThat(objects(dirB)).isEmpty();
        assertThat(new Catalog(LocalStore.at(dirA)).manifest(result.id())).isEqualTo(result.manifest());
    }

    @Test
    void aStoreFailingToPublishTheManifestIsRecordedAsFailedInTheManifestOfTheOthers() throws Exception {
        FaultyStore b = FaultyStore.failingCommitOf(LocalStore.at(dirB), Layout.MANIFEST);
        FaultyStore c = FaultyStore.failingCommitOf(LocalStore.at(dir.resolve("store-c")), "no-such-key");
        SigningKey key = SigningKey.generate();
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).store("c", c).signWith(key).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                .containsExactly(tuple("a", true), tuple("b", false), tuple("c", true));
        assertThat(result.manifest().failedStores()).singleElement()
                .satisfies(s -> assertThat(s.error()).contains("manifest"));
        assertThat(objects(dirB)).isEmpty();
        // every store that holds the backup holds the same, truthful manifest
        for (Path d : List.of(dirA, dir.resolve("store-c"))) {
            assertThat(new Catalog(LocalStore.at(d), java.util.Set.of(key.verifyKey())).manifest(result.id())).as(d.toString())
                    .isEqualTo(result.manifest());
            assertThat(Recovery.from(LocalStore.at(d), dir).trusting(key.verifyKey()).verify(result.id(), VerifyLevel.CONTENT)
                    .signature()).isEqualTo(SignatureStatus.TRUSTED);
        }
        assertThat(lifeboat.verify(result.id(), VerifyLevel.STRUCTURE).findings()).extracting(Finding::type, Finding::subject)
                .containsExactly(tuple(Finding.Type.INCOMPLETE, "store b"));
    }

    @Test
    void aStoreThatRefusesToReplaceItsManifestKeepsItsWholeCopyAndTheResultTellsTheTruth() throws Exception {
        // a writes first and may not delete (the least-privilege S3 writer); b then fails to publish
        FaultyStore a = FaultyStore.diskFullAfter(LocalStore.at(dirA), Long.MAX_VALUE).refusingDeleteOf(Layout.MANIFEST);
        FaultyStore b = FaultyStore.failingCommitOf(LocalStore.at(dirB), Layout.MANIFEST);
        Lifeboat lifeboat = configure().store("a", a).store("b", b).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                .containsExactly(tuple("a", true), tuple("b", false));
        Manifest inA = Recovery.from(LocalStore.at(dirA), dir).manifest(result.id());
        assertThat(inA.status()).as("the first manifest, which a could not replace").isEqualTo(BackupStatus.SUCCESS);
        assertThat(Recovery.from(LocalStore.at(dirA), dir).verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
        assertRestoresIdentically(Recovery.from(LocalStore.at(dirA), dir), result.id());
    }

    @Test
    void aCopyWhoseManifestCannotBeRemovedIsKeptWholeAndStillAuthenticates() throws Exception {
        // b stores the manifest but the answer is lost, and b may not delete (Object Lock, a writer without deletes)
        FaultyStore b = FaultyStore.losingCommitOf(LocalStore.at(dirB), Layout.MANIFEST).refusingDeleteOf(Layout.MANIFEST);
        SigningKey key = SigningKey.generate();
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", b).signWith(key).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                .containsExactly(tuple("a", true), tuple("b", false));
        Recovery fromB = Recovery.from(LocalStore.at(dirB), dir).trusting(key.verifyKey());
        assertThat(objects(dirB)).as("manifest, signature and parts").containsAll(objects(dirA).stream()
                .filter(k -> !k.endsWith(Layout.MANIFEST)).toList()).anyMatch(k -> k.endsWith(Layout.MANIFEST));
        assertThat(fromB.verify(result.id(), VerifyLevel.CONTENT).signature()).isEqualTo(SignatureStatus.TRUSTED);
        assertThat(fromB.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
        assertRestoresIdentically(fromB, result.id());
    }

    // ------------------------------------------------------------------ every store fails

    @Test
    void whenEveryStoreFailsTheBackupFailsAndLeavesNothingAnywhere() throws Exception {
        BackupResult previous = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).build().backupNow();
        assertThat(previous.status()).isEqualTo(BackupStatus.SUCCESS);
        List<String> beforeA = objects(dirA);
        List<String> beforeB = objects(dirB);

        FaultyStore a = FaultyStore.failingCommitOf(LocalStore.at(dirA), "files-media.tar.zst");
        FaultyStore b = FaultyStore.diskFullAfter(LocalStore.at(dirB), 300_000);
        Lifeboat failing = configure().store("a", a).store("b", b).build();

        StoreException e = catchThrowableOfType(failing::backupNow, StoreException.class);

        assertThat(e).as("a StoreException").isNotNull();
        assertThat(e.getMessage()).contains("any store", "a: ", "injected commit failure", "b: ", "No space left on device");
        assertThat(a.committed()).as("each store had committed the first part").hasSize(1);
        assertThat(b.committed()).hasSize(1);
        assertThat(objects(dirA)).isEqualTo(beforeA);
        assertThat(objects(dirB)).isEqualTo(beforeB);
        for (Path d : List.of(dirA, dirB)) {
            assertThat(new Catalog(LocalStore.at(d)).latest()).map(Manifest::backupId).as(d.toString()).contains(previous.id());
        }
        assertThat(failing.latest()).map(Manifest::backupId).contains(previous.id());
    }

    // ------------------------------------------------------------------ recovery over several stores

    @Test
    void aBackupDeletedFromTheFirstStoreIsListedAndRestoredFromTheSecond() throws Exception {
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).build();
        BackupResult result = lifeboat.backupNow();
        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        assertThat(result.manifest().stores()).extracting(StoreCopy::complete).containsExactly(true, true);
        assertThat(objects(dirA)).isEqualTo(objects(dirB));

        LocalStore.at(dirA).delete(Layout.manifestKey(result.id()));
        assertThatThrownBy(() -> Recovery.from(LocalStore.at(dirA), dir).manifest(result.id())).isInstanceOf(NotFoundException.class);

        Recovery recovery = Recovery.from(List.of(LocalStore.at(dirA), LocalStore.at(dirB)), dir);
        assertThat(recovery.list()).extracting(Manifest::backupId).containsExactly(result.id());
        assertThat(recovery.latest()).map(Manifest::backupId).contains(result.id());
        assertThat(recovery.manifest(result.id())).isEqualTo(result.manifest());
        assertThat(recovery.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
        assertRestoresIdentically(recovery, result.id());
        // the Lifeboat's own recovery runs over its stores in configuration order
        assertThat(lifeboat.list()).extracting(Manifest::backupId).containsExactly(result.id());
        assertThat(lifeboat.recovery().stores()).hasSize(2);

        // gone from both: not found, naming the backup
        LocalStore.at(dirB).delete(Layout.manifestKey(result.id()));
        assertThat(recovery.list()).isEmpty();
        assertThatThrownBy(() -> recovery.manifest(result.id())).isInstanceOf(NotFoundException.class)
                .hasMessageContaining(result.id().value());
    }

    @Test
    void aCopyThatCannotBeReadToItsEndIsRestoredFromTheNextStore() throws Exception {
        BackupResult result = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).build().backupNow();
        // every part in a fails with an I/O error a little way in (a disk going bad), after the target was started
        FaultyStore a = FaultyStore.failingCommitOf(LocalStore.at(dirA), "no-such-key").failingReadsOf(".zst", 100);
        Recovery recovery = Recovery.from(List.of(a, LocalStore.at(dirB)), dir);

        assertRestoresIdentically(recovery, result.id());
        Path out = Files.createTempDirectory(dir, "which-");
        assertThat(recovery.restoreFiles(result.id(), "media", out.resolve("media"), RestoreOptions.defaults()).store())
                .isEqualTo(LocalStore.at(dirB).describe());
        // with no other copy, the error names the store and the object, as a store failure
        StoreException e = catchThrowableOfType(() -> Recovery.from(a, dir).restoreFiles(result.id(), "media",
                out.resolve("only-a"), RestoreOptions.defaults()), StoreException.class);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("files-media.tar.zst", "Input/output error");
        assertThat(out.resolve("only-a")).doesNotExist();
    }

    @Test
    void aStoreThatFailsUnderTheDecryptionIsReportedUnreadableNotAsABadCiphertext() throws Exception {
        AgeKeys keys = AgeKeys.generate();
        BackupResult result = configure().store("a", LocalStore.at(dirA)).encryptTo(keys.recipient()).build().backupNow();
        // the encrypted files part fails past its age header, while it is being decrypted, with the store's own
        // unchecked error (as the S3 store's stream throws when a broken download cannot be resumed)
        FaultyStore a = FaultyStore.failingCommitOf(LocalStore.at(dirA), "no-such-key")
                .failingReadsWithStoreErrorOf("files-media.tar.zst.age", 100_000);

        VerificationReport report = Recovery.from(a, dir).withIdentities(keys.identity()).verify(result.id(), VerifyLevel.CONTENT);

        assertThat(report.ok()).isFalse();
        assertThat(report.findings()).extracting(Finding::type, Finding::subject)
                .containsExactly(tuple(Finding.Type.UNREADABLE, "files-media"));
        assertThat(report.findings().get(0).message()).contains("files-media.tar.zst.age", "Input/output error");
        // the same store, readable again: the part verifies, so the finding was the store's and not the backup's
        assertThat(Recovery.from(LocalStore.at(dirA), dir).withIdentities(keys.identity())
                .verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
    }

    @Test
    void aTamperedManifestInTheFirstStoreFallsBackToTheGoodCopyInTheSecond() throws Exception {
        SigningKey key = SigningKey.generate();
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).signWith(key).build();
        BackupResult result = lifeboat.backupNow();
        Path manifestA = dirA.resolve(Layout.manifestKey(result.id()));
        String original = Files.readString(manifestA);
        Files.writeString(manifestA, original.replace("\"application\": \"shop\"", "\"application\": \"sh0p\""),
                StandardCharsets.UTF_8);
        assertThat(Files.readString(manifestA)).isNotEqualTo(original);

        Recovery onlyA = Recovery.from(LocalStore.at(dirA), dir).trusting(key.verifyKey());
        assertThatThrownBy(() -> onlyA.manifest(result.id())).isInstanceOf(IntegrityException.class);
        assertThat(onlyA.list()).isEmpty();

        Recovery both = Recovery.from(List.of(LocalStore.at(dirA), LocalStore.at(dirB)), dir).trusting(key.verifyKey());
        assertThat(both.manifest(result.id())).isEqualTo(result.manifest());
        assertThat(both.list()).extracting(Manifest::application).containsExactly("shop");
        VerificationReport report = both.verify(result.id(), VerifyLevel.CONTENT);
        assertThat(report.ok()).as("%s", report.findings()).isTrue();
        assertThat(report.signature()).isEqualTo(SignatureStatus.TRUSTED);
        assertRestoresIdentically(both, result.id());
        // the Lifeboat itself trusts its own key and so falls back too
        assertThat(lifeboat.manifest(result.id()).application()).isEqualTo("shop");
    }

    @Test
    void aBackupMissingFromTheFirstStoreAndTamperedInTheSecondIsVerifiedInTheSecond() throws Exception {
        SigningKey key = SigningKey.generate();
        BackupResult result = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).signWith(key).build()
                .backupNow();
        LocalStore.at(dirA).delete(Layout.manifestKey(result.id()));
        Path manifestB = dirB.resolve(Layout.manifestKey(result.id()));
        Files.writeString(manifestB, Files.readString(manifestB).replace("\"application\": \"shop\"", "\"application\": \"sh0p\""),
                StandardCharsets.UTF_8);

        Recovery both = Recovery.from(List.of(LocalStore.at(dirA), LocalStore.at(dirB)), dir).trusting(key.verifyKey());
        VerificationReport report = both.verify(result.id(), VerifyLevel.STRUCTURE);

        assertThat(report.store()).isEqualTo(LocalStore.at(dirB).describe());
        assertThat(report.signature()).isEqualTo(SignatureStatus.INVALID);
        assertThat(report.findings()).extracting(Finding::type).containsExactly(Finding.Type.SIGNATURE_INVALID);
        assertThatThrownBy(() -> both.manifest(result.id())).as("what reading it says too").isInstanceOf(IntegrityException.class);
    }

    @Test
    void aDamagedOrMissingPartInTheFirstStoreIsRestoredFromTheSecondWhileVerifyReportsTheFirst() throws Exception {
        Lifeboat lifeboat = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).build();
        BackupResult result = lifeboat.backupNow();
        PartInfo files = result.parts().stream().filter(p -> p.kind() == SourceKind.FILES).findFirst().orElseThrow();
        Path damaged = dirA.resolve(files.key());
        byte[] bytes = Files.readAllBytes(damaged);
        bytes[bytes.length / 2] ^= 1;
        Files.write(damaged, bytes);
        PartInfo db = result.parts().get(0);
        Files.delete(dirA.resolve(db.key()));

        Recovery recovery = lifeboat.recovery();
        VerificationReport report = recovery.verify(result.id(), VerifyLevel.CONTENT);
        assertThat(report.store()).isEqualTo(LocalStore.at(dirA).describe());
        assertThat(report.findings()).extracting(Finding::subject).containsExactlyInAnyOrder("db-app", "files-media");

        Path target = dir.resolve("restored-media");
        RestoreResult restored = recovery.restoreFiles(result.id(), "media", target, RestoreOptions.defaults());
        assertThat(restored.store()).isEqualTo(LocalStore.at(dirB).describe());
        assertThat(FileTrees.snapshot(target)).isEqualTo(FileTrees.snapshot(media));
        RestoreResult restoredDb = recovery.restoreDatabase(result.id(), "app", Sqlite.file(dir.resolve("restored.db")),
                RestoreOptions.defaults());
        assertThat(restoredDb.store()).isEqualTo(LocalStore.at(dirB).describe());
        assertThat(restoredDb.rowCounts()).containsEntry("main.users", 3L);

        // only the damaged store named: the restore fails and leaves the target as it was
        Path onlyA = dir.resolve("only-a");
        assertThatThrownBy(() -> Recovery.from(LocalStore.at(dirA), dir).restoreFiles(result.id(), "media", onlyA,
                RestoreOptions.defaults())).isInstanceOf(IntegrityException.class);
        assertThat(onlyA).doesNotExist();
    }

    /**
     * A damaged age header (bit rot in the stanza that wraps the file key for the identity given) is damage, not the
     * wrong key: the restore falls back to the other store's copy, and with that store alone says INTEGRITY.
     */
    @Test
    void aDamagedAgeHeaderIsADamagedCopyNotTheWrongIdentity() throws Exception {
        AgeKeys keys = AgeKeys.generate();
        BackupResult result = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB))
                .encryptTo(keys.recipient()).build().backupNow();
        PartInfo files = result.parts().stream().filter(p -> p.kind() == SourceKind.FILES).findFirst().orElseThrow();
        Path damaged = dirA.resolve(files.key());
        byte[] bytes = Files.readAllBytes(damaged);
        String head = new String(bytes, 0, 400, StandardCharsets.ISO_8859_1);
        int body = head.indexOf('\n', head.indexOf("-> X25519 ")) + 1; // the wrapped file key's line
        bytes[body + 5] = (byte) (bytes[body + 5] == 'A' ? 'B' : 'A');
        Files.write(damaged, bytes);

        Path target = dir.resolve("restored-media");
        RestoreResult restored = Recovery.from(List.of(LocalStore.at(dirA), LocalStore.at(dirB)), dir)
                .withIdentities(keys.identity()).restoreFiles(result.id(), "media", target, RestoreOptions.defaults());
        assertThat(restored.store()).isEqualTo(LocalStore.at(dirB).describe());
        assertThat(FileTrees.snapshot(target)).isEqualTo(FileTrees.snapshot(media));

        Path onlyA = dir.resolve("only-a");
        assertThatThrownBy(() -> Recovery.from(LocalStore.at(dirA), dir).withIdentities(keys.identity()).restoreFiles(
                result.id(), "media", onlyA, RestoreOptions.defaults())).isInstanceOf(IntegrityException.class);
        assertThat(onlyA).doesNotExist();
    }

    @Test
    void recoveryListsTheUnionOfTheStoresOldestFirst() throws Exception {
        BackupResult onlyInA = configure().store("a", LocalStore.at(dirA)).build().backupNow();
        BackupResult inBoth = configure().store("a", LocalStore.at(dirA)).store("b", LocalStore.at(dirB)).build().backupNow();
        BackupResult onlyInB = configure().store("b", LocalStore.at(dirB)).build().backupNow();
        List<BackupId> expected = Stream.of(onlyInA, inBoth, onlyInB).map(BackupResult::id).sorted().toList();

        Recovery recovery = Recovery.from(List.of(LocalStore.at(dirA), LocalStore.at(dirB)), dir);

        assertThat(recovery.list()).extracting(Manifest::backupId).containsExactlyElementsOf(expected);
        assertThat(recovery.latest()).map(Manifest::backupId).contains(expected.get(2));
        assertRestoresIdentically(recovery, onlyInB.id());
    }

    @Test
    void aSingleUnnamedStoreRecordsNoPerStoreOutcome() throws Exception {
        Lifeboat lifeboat = configure().store(LocalStore.at(dirA)).build();
        assertThat(lifeboat.stores()).containsOnlyKeys("store-1");
        BackupResult result = lifeboat.backupNow();
        assertThat(result.manifest().stores()).isEmpty();
        assertThat(Files.readString(dirA.resolve(Layout.manifestKey(result.id())))).doesNotContain("\"stores\"");

        BackupResult named = configure().store("local", LocalStore.at(dirB)).build().backupNow();
        assertThat(named.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete).containsExactly(tuple("local", true));
        assertThat(Files.readString(dirB.resolve(Layout.manifestKey(named.id())))).contains("\"stores\"");
    }

    @Test
    void aSingleStoreThatFailsFailsTheBackupWithItsOwnError() throws Exception {
        FaultyStore only = FaultyStore.diskFullAfter(LocalStore.at(dirA), 300_000);
        Lifeboat lifeboat = configure().store(only).build();
        assertThatThrownBy(lifeboat::backupNow).isInstanceOf(StoreException.class)
                .hasMessageContaining("No space left on device").hasMessageNotContaining("any store");
        assertThat(objects(dirA)).isEmpty();
    }

    // ------------------------------------------------------------------ manifest format

    @Test
    void perStoreOutcomesSurviveAManifestJsonRoundTrip() {
        BackupId id = BackupId.parse("20261126T021500Z-0a1b2c3d");
        PartInfo part = new PartInfo("media", SourceKind.FILES, "tar+zstd", Layout.partKey(id, "files-media.tar.zst"), 10,
                "a".repeat(64), 20, "b".repeat(64), false, 5, Map.of("zstd", "1.5"), Map.of(), null, List.of(), List.of());
        List<StoreCopy> stores = List.of(
                new StoreCopy("local", "local:/var/backups/shop", true, true, null),
                new StoreCopy("offsite", "s3://shop-backups/prod/", false, false,
                        "cannot store backups/x in s3://shop-backups/prod/: HTTP 403 \"SignatureDoesNotMatch\"\nline two ünïcødé"));
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, id, "shop", BackupStatus.SUCCESS, Instant.parse("2026-11-26T02:15:00Z"),
                Instant.parse("2026-11-26T02:16:00Z"), "host-1", "0.1.0", List.of(part), null, stores);

        byte[] json = ManifestCodec.encode(m);
        Manifest back = ManifestCodec.decode(json);

        assertThat(back).isEqualTo(m);
        assertThat(back.stores()).isEqualTo(stores);
        assertThat(back.failedStores()).extracting(StoreCopy::name).containsExactly("offsite");
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).contains("\"stores\"", "\"name\": \"offsite\"", "\"location\": \"s3://shop-backups/prod/\"",
                "\"complete\": false", "\"required\": false", "\"error\": ");
        assertThat(text.indexOf("\"error\"")).as("no error field for the complete copy")
                .isEqualTo(text.lastIndexOf("\"error\""));

        // a manifest without outcomes (one unnamed store) has no "stores" field and reads back with none
        Manifest single = new Manifest(Manifest.FORMAT_VERSION, id, "shop", BackupStatus.SUCCESS, m.startedAt(), m.finishedAt(),
                "host-1", "0.1.0", List.of(part));
        String singleText = new String(ManifestCodec.encode(single), StandardCharsets.UTF_8);
        assertThat(singleText).doesNotContain("\"stores\"");
        assertThat(ManifestCodec.decode(singleText.getBytes(StandardCharsets.UTF_8)).stores()).isEmpty();

        // a malformed entry is refused, naming the field
        String broken = text.replace("\"complete\": false", "\"complete\": \"no\"");
        assertThatThrownBy(() -> ManifestCodec.decode(broken.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stores[1]");
    }

    // ------------------------------------------------------------------ helpers

    private void assertRestoresIdentically(Recovery recovery, BackupId id) throws Exception {
        Path out = Files.createTempDirectory(dir, "restore-");
        recovery.restoreFiles(id, "media", out.resolve("media"), RestoreOptions.defaults());
        assertThat(FileTrees.snapshot(out.resolve("media"))).isEqualTo(FileTrees.snapshot(media));
        recovery.restoreConfig(id, "deploy", out.resolve("config"), RestoreOptions.defaults());
        Path restoredConf = out.resolve("config").resolve(conf.toAbsolutePath().toString().substring(1));
        assertThat(restoredConf).hasSameTextualContentAs(conf);
        Path restoredDb = out.resolve("app.db");
        recovery.restoreDatabase(id, "app", Sqlite.file(restoredDb), RestoreOptions.defaults());
        assertThat(rows(restoredDb)).isEqualTo(rows(db));
    }

    private static Map<Long, String> rows(Path database) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select id, name from users")) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }

    /** Every regular file below a store's directory, temporary files included, as keys. */
    static List<String> objects(Path storeDir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(storeDir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(storeDir)) {
            walk.filter(Files::isRegularFile).forEach(p -> out.add(storeDir.relativize(p).toString()));
        }
        out.sort(null);
        return out;
    }
}
