package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.Secret;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A backup to a LocalStore and an S3Store (S3Proxy) at once, through Lifeboat: a failing S3 copy leaves the local
 * copy published and says why, without the secret; a working one holds the same bytes and restores.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MultiStoreS3Test {
    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();

    @TempDir
    Path dir;
    Path media;
    Path conf;
    Path localDir;
    String bucket;

    @BeforeEach
    void setUp() throws IOException {
        bucket = S3.server().newBucket();
        media = Files.createDirectories(dir.resolve("app/media"));
        Random random = new Random(11);
        byte[] big = new byte[6 * 1024 * 1024 + 17]; // more than one 5 MiB part: a multipart upload
        random.nextBytes(big);
        Files.write(media.resolve("video.mp4"), big);
        Files.writeString(media.resolve("readme.txt"), "uploads\n");
        conf = Files.writeString(dir.resolve("app/app.conf"), "listen=8080\n");
        localDir = dir.resolve("local");
    }

    Lifeboat.Builder configure() {
        return Lifeboat.configure().application("shop").files("media", media).config("deploy", conf)
                .compressionWorkers(0).tempDirectory(dir);
    }

    @Test
    void wrongS3CredentialsLeaveTheLocalCopyPublishedAndSayWhyWithoutTheSecret() throws Exception {
        String wrongSecret = "wr0ng-secret-CANARY-7d2e";
        S3Store s3 = S3.server().store(bucket).prefix("prod/").credentials(S3ProxyServer.ACCESS_KEY, Secret.of(wrongSecret))
                .retry(2, Duration.ofMillis(10));
        Lifeboat lifeboat = configure().store("local", LocalStore.at(localDir)).store("offsite", s3).build();

        BackupResult result;
        String logs;
        try (LogCapture capture = new LogCapture()) {
            result = lifeboat.backupNow();
            logs = capture.text();
        }

        assertThat(result.status()).isEqualTo(BackupStatus.INCOMPLETE);
        Manifest m = result.manifest();
        assertThat(m.stores()).extracting(StoreCopy::name, StoreCopy::location, StoreCopy::complete, StoreCopy::required)
                .containsExactly(tuple("local", LocalStore.at(localDir).describe(), true, true),
                        tuple("offsite", s3.describe(), false, true));
        String why = m.failedStores().get(0).error();
        assertThat(why).contains("s3://" + bucket + "/prod/", "HTTP 403", "check the credentials");

        // published locally, nothing in the bucket
        Path manifestFile = localDir.resolve(Layout.manifestKey(result.id()));
        assertThat(manifestFile).exists();
        assertThat(S3.server().objects(bucket)).isEmpty();
        assertThat(S3.server().uploads(bucket)).isEmpty();
        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).findings()).extracting(Finding::type, Finding::subject)
                .containsExactly(tuple(Finding.Type.INCOMPLETE, "store offsite"));

        // the secret is nowhere: manifest, result, messages, logs
        assertThat(Files.readString(manifestFile)).doesNotContain(wrongSecret, S3ProxyServer.SECRET_KEY);
        assertThat(result.toString() + m + why + s3.describe()).doesNotContain(wrongSecret);
        assertThat(logs).doesNotContain(wrongSecret).contains("offsite");
        assertThat(FileTrees.anyFileContains(localDir, wrongSecret)).isFalse();

        // when S3 is the only store, the backup fails with the same reason, and still no secret
        Lifeboat onlyS3 = configure().store("offsite", s3).build();
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(onlyS3::backupNow);
        assertThat(failure).isInstanceOf(dev.lifeboat.api.StoreException.class).hasMessageContaining("HTTP 403");
        assertThat(everything(failure)).doesNotContain(wrongSecret);
        assertThat(S3.server().objects(bucket)).isEmpty();
    }

    @Test
    void anS3PartFailingForGoodMidUploadLeavesTheLocalCopyAndNoUploadBehind() throws Exception {
        try (FaultProxy proxy = new FaultProxy(S3.server().port())) {
            proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                    ? new FaultProxy.Respond(500, FaultProxy.s3Error("InternalError", "We encountered an internal error."))
                    : FaultProxy.FORWARD);
            S3Store s3 = S3ProxyServer.store(proxy.endpoint(), bucket).prefix("prod/").retry(2, Duration.ofMillis(10));
            Lifeboat lifeboat = configure().store("local", LocalStore.at(localDir)).store("offsite", s3).build();

            BackupResult result = lifeboat.backupNow();

            assertThat(proxy.exchanges()).as("part 1 went up before part 2 failed").anyMatch(x -> x.isUploadPart() && x.partNumber() == 1)
                    .anyMatch(FaultProxy.Exchange::isAbortMultipart);
            assertThat(result.status()).as("every store is required by default").isEqualTo(BackupStatus.INCOMPLETE);
            assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                    .containsExactly(tuple("local", true), tuple("offsite", false));
            assertThat(result.manifest().failedStores().get(0).error()).contains("HTTP 500", "part 2");
            assertThat(S3.server().uploads(bucket)).as("the multipart upload is aborted").isEmpty();
            assertThat(S3.server().objects(bucket)).as("no manifest and no part in the failing store").isEmpty();

            // the local copy is whole: it verifies and restores
            Recovery local = Recovery.from(LocalStore.at(localDir));
            assertThat(local.verify(result.id(), VerifyLevel.CONTENT).findings()).extracting(Finding::type)
                    .containsExactly(Finding.Type.INCOMPLETE);
            local.restoreFiles(result.id(), "media", dir.resolve("restored"), RestoreOptions.defaults());
            assertThat(FileTrees.snapshot(dir.resolve("restored"))).isEqualTo(FileTrees.snapshot(media));
        }
    }

    @Test
    void aWorkingS3CopyHoldsTheSameBytesAsTheLocalOneAndRestores() throws Exception {
        S3Store s3 = S3.server().store(bucket).prefix("prod/");
        LocalStore local = LocalStore.at(localDir);
        Lifeboat lifeboat = configure().store("local", local).store("offsite", s3).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                .containsExactly(tuple("local", true), tuple("offsite", true));
        assertThat(result.manifest().failedStores()).isEmpty();
        assertThat(result.parts().stream().mapToLong(PartInfo::size).max().orElseThrow())
                .as("a multipart upload").isGreaterThan(S3ProxyServer.PART);
        assertThat(S3.server().uploads(bucket)).isEmpty();

        Map<String, String> inS3 = new TreeMap<>();
        for (String key : S3.server().objects(bucket)) {
            assertThat(key).startsWith("prod/");
            ResponseBytes<GetObjectResponse> bytes = S3.server().admin.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            inS3.put(key.substring("prod/".length()), sha256(bytes.asByteArray()));
        }
        Map<String, String> onDisk = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(localDir)) {
            walk.filter(Files::isRegularFile).forEach(p -> onDisk.put(localDir.relativize(p).toString(), FileTrees.sha256(p)));
        }
        assertThat(inS3).isEqualTo(onDisk).containsKey(Layout.manifestKey(result.id())).hasSize(3);
        for (PartInfo p : result.parts()) {
            assertThat(inS3).containsEntry(p.key(), p.sha256());
        }

        // damage every local part: a restore that read them would fail its hash check, so S3 is what is read
        for (PartInfo p : result.parts()) {
            try (RandomAccessFile f = new RandomAccessFile(localDir.resolve(p.key()).toFile(), "rw")) {
                f.seek(f.length() / 2);
                int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0xff);
            }
        }
        Recovery recovery = Recovery.from(List.<Store>of(s3, local), dir);
        assertThat(recovery.list()).extracting(Manifest::backupId).containsExactly(result.id());
        assertThat(recovery.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
        Path out = Files.createDirectories(dir.resolve("restored"));
        recovery.restoreFiles(result.id(), "media", out.resolve("media"), RestoreOptions.defaults());
        assertThat(FileTrees.snapshot(out.resolve("media"))).isEqualTo(FileTrees.snapshot(media));
        recovery.restoreConfig(result.id(), "deploy", out.resolve("config"), RestoreOptions.defaults());
        assertThat(out.resolve("config").resolve(conf.toAbsolutePath().toString().substring(1))).hasSameTextualContentAs(conf);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** Message, causes and stack trace of a throwable, as a person reading a log would see them. */
    private static String everything(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
