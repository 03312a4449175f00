package dev.lifeboat.s3;

import static dev.lifeboat.s3.FaultProxy.s3Error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.s3.FaultProxy.Respond;
import dev.lifeboat.s3.FaultProxy.ResetMidBody;
import dev.lifeboat.testing.RawSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Whole backups to S3 (through a loopback relay that breaks chosen requests): when the upload of a part fails for
 * good, the backup fails, the multipart upload is aborted, no manifest exists, and the previous backup is still
 * the latest and verifies.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BackupFaultS3Test {
    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();

    @TempDir
    Path dir;
    FaultProxy proxy;
    String bucket;
    S3Store store;
    Lifeboat lifeboat;

    @BeforeEach
    void setUp() throws Exception {
        bucket = S3.server().newBucket();
        proxy = new FaultProxy(S3.server().port());
        store = S3ProxyServer.store(proxy.endpoint(), bucket).prefix("shop/");
        Path media = Files.createDirectories(dir.resolve("media"));
        Random r = new Random(5);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(media.resolve("big.bin"))) {
            for (int i = 0; i < 14; i++) { // 14 MiB of random data: three 5 MiB parts
                r.nextBytes(block);
                out.write(block);
            }
        }
        lifeboat = Lifeboat.configure().application("shop").files("media", media).compressionLevel(1).store(store).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        proxy.close();
    }

    void failingBackupKeepsThePreviousOne(Function<FaultProxy.Request, FaultProxy.Fault> rules, String messagePart) {
        BackupResult previous = lifeboat.backupNow();
        proxy.rules(rules);
        Throwable t = catchThrowable(lifeboat::backupNow);
        proxy.rules(r -> FaultProxy.FORWARD);

        assertThat(t).isInstanceOf(StoreException.class).hasMessageContaining(messagePart)
                .hasMessageNotContaining(S3ProxyServer.SECRET_KEY);
        assertThat(S3.server().uploads(bucket)).as("no incomplete multipart upload is left").isEmpty();
        assertThat(S3.server().objects(bucket)).as("only the previous backup's objects remain")
                .allMatch(k -> k.startsWith("shop/backups/" + previous.id() + "/"));
        assertThat(lifeboat.list()).extracting(m -> m.backupId()).containsExactly(previous.id());
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(previous.id());
        assertThat(lifeboat.verify(previous.id(), VerifyLevel.CONTENT).findings()).isEmpty();
    }

    /** A database dump that writes {@code bytes} of output, then dies (or, with {@code hang}, blocks until interrupted). */
    static Source dyingDump(int bytes, boolean hang, java.util.concurrent.CountDownLatch started) {
        return new RawSource("main", SourceKind.DATABASE, out -> {
            byte[] block = new byte[1 << 20];
            new Random(9).nextBytes(block);
            for (int written = 0; written < bytes; written += block.length) {
                out.write(block);
            }
            out.flush();
            started.countDown();
            if (hang) {
                try {
                    Thread.sleep(TimeUnit.MINUTES.toMillis(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("the dump was interrupted");
                }
            }
            throw new IOException("pg_dump exited with code 1 (test)");
        });
    }

    void assertOnlyThePreviousBackup(BackupResult previous, Lifeboat withDump) {
        assertThat(S3.server().uploads(bucket)).as("no incomplete multipart upload is left").isEmpty();
        assertThat(S3.server().objects(bucket)).as("only the previous backup's objects remain")
                .allMatch(k -> k.startsWith("shop/backups/" + previous.id() + "/"));
        assertThat(withDump.latest()).map(m -> m.backupId()).contains(previous.id());
        assertThat(withDump.verify(previous.id(), VerifyLevel.CONTENT).findings()).isEmpty();
    }

    @Test
    void aDumpDyingAfterSeveralPartsAbortsTheUpload() {
        BackupResult previous = lifeboat.backupNow();
        Lifeboat withDump = Lifeboat.configure().application("shop").source(dyingDump(12 << 20, false,
                new java.util.concurrent.CountDownLatch(1))).store(store).build();

        Throwable t = catchThrowable(withDump::backupNow);

        assertThat(t).hasMessageContaining("pg_dump exited with code 1");
        assertThat(proxy.exchanges()).as("the dump had reached S3 in parts").anyMatch(e -> e.isUploadPart());
        assertOnlyThePreviousBackup(previous, withDump);
    }

    @Test
    void anInterruptedBackupAbortsItsUploadBeforeItReturns() throws Exception {
        BackupResult previous = lifeboat.backupNow();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        Lifeboat withDump = Lifeboat.configure().application("shop").source(dyingDump(12 << 20, true, started))
                .store(store).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread backup = new Thread(() -> failure.set(catchThrowable(withDump::backupNow)), "backup-under-test");
        backup.start();
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();

        backup.interrupt();
        backup.join(TimeUnit.SECONDS.toMillis(60));

        assertThat(backup.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(dev.lifeboat.api.CancelledException.class)
                .hasMessageContaining("[LB-304]").hasMessageContaining("was cancelled");
        assertOnlyThePreviousBackup(previous, withDump);
    }

    @Test
    void aPartFailingEveryTime() {
        failingBackupKeepsThePreviousOne(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                ? new Respond(500, s3Error("InternalError", "We encountered an internal error.")) : FaultProxy.FORWARD,
                "HTTP 500");
    }

    @Test
    void theConnectionResetMidPart() {
        failingBackupKeepsThePreviousOne(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                ? new ResetMidBody(200_000) : FaultProxy.FORWARD, "upload part 2");
    }

    @Test
    void completeMultipartAnswering200WithAnError() {
        failingBackupKeepsThePreviousOne(r -> r.asExchange().isCompleteMultipart()
                ? new Respond(200, s3Error("InternalError", "We encountered an internal error.")) : FaultProxy.FORWARD,
                "InternalError");
    }

    @Test
    void aBackupAbortsStaleIncompleteUploadsUnderItsPrefix() throws Exception {
        String stale = S3.server().admin.createMultipartUpload(r -> r.bucket(bucket).key("shop/backups/20200101T000000Z-00000000/db-x.pgdump"))
                .uploadId();
        String elsewhere = S3.server().admin.createMultipartUpload(r -> r.bucket(bucket).key("other-app/x")).uploadId();
        Thread.sleep(1_100); // S3 reports initiation times in whole seconds
        Lifeboat janitor = Lifeboat.configure().files("media", dir.resolve("media")).compressionLevel(1)
                .garbageSafetyAge(java.time.Duration.ofSeconds(1)).store(store).build();
        janitor.backupNow();
        assertThat(S3.server().uploads(bucket)).extracting(u -> u.uploadId()).containsExactly(elsewhere).doesNotContain(stale);
    }

    @Test
    void leftoversWithoutManifestAreCollectedOnlyAfterTheSafetyAgeAndOnlyUnderThePrefix() {
        BackupResult good = lifeboat.backupNow();
        // debris of a run that crashed after uploading a part: a part, no manifest
        BackupId crashed = BackupId.generate(Instant.now().minus(Duration.ofDays(3)));
        String debris = "shop/backups/" + crashed + "/db-x.pgdump";
        String foreign = "other-app/backups/" + crashed + "/db-x.pgdump";
        for (String key : List.of(debris, foreign)) {
            S3.server().admin.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("partial"));
        }
        assertThat(lifeboat.list()).extracting(m -> m.backupId()).containsExactly(good.id());

        // S3 dates the object now: within the safety age it may belong to a backup still running elsewhere
        assertThat(lifeboat.collectGarbage()).isEmpty();
        assertThat(S3.server().objects(bucket)).contains(debris);

        Lifeboat later = Lifeboat.configure().application("shop").files("media", dir.resolve("media")).store(store)
                .clock(Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC)).build();
        assertThat(later.collectGarbage()).containsExactly(crashed.value());
        assertThat(S3.server().objects(bucket)).doesNotContain(debris).contains(foreign)
                .filteredOn(k -> k.startsWith("shop/")).allMatch(k -> k.startsWith("shop/backups/" + good.id() + "/"));
        assertThat(lifeboat.verify(good.id(), VerifyLevel.CONTENT).findings()).isEmpty();
    }
}
