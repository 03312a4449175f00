package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.s3.internal.S3Settings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/** S3Store's configuration, the janitor for incomplete uploads and the client escape hatch, on S3Proxy. */
class S3StoreTest {
    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();
    String bucket;

    @BeforeEach
    void newBucket() {
        bucket = S3.server().newBucket();
    }

    @Test
    void theJanitorAbortsStaleUploadsUnderItsPrefixOnly() throws Exception {
        String key = "app/backups/b1/db.pgdump";
        String stale = S3.server().admin.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        S3.server().admin.uploadPart(r -> r.bucket(bucket).key(key).uploadId(stale).partNumber(1),
                RequestBody.fromBytes(new byte[64 * 1024]));
        String elsewhere = S3.server().admin.createMultipartUpload(r -> r.bucket(bucket).key("other-app/x")).uploadId();

        try (S3Store store = S3.server().store(bucket).prefix("app/")) {
            assertThat(store.abortIncompleteUploads(Duration.ofHours(1))).as("younger than an hour: kept").isEmpty();
            assertThat(S3.server().uploads(bucket)).hasSize(2);

            Thread.sleep(1_100); // S3 reports the initiation time in whole seconds
            List<IncompleteUpload> aborted = store.abortIncompleteUploads(Duration.ofSeconds(1));

            assertThat(aborted).extracting(IncompleteUpload::key, IncompleteUpload::uploadId)
                    .containsExactly(tuple("backups/b1/db.pgdump", stale));
            assertThat(S3.server().uploads(bucket)).extracting(MultipartUpload::uploadId).containsExactly(elsewhere);
            assertThat(store.abortIncompleteUploads(Duration.ZERO)).isEmpty();
        }
    }

    @Test
    void theJanitorNeverAbortsAnUploadThisStoreIsStillWriting() throws Exception {
        try (S3Store store = S3.server().store(bucket).prefix("app/").partSize(S3Settings.MIN_PART_SIZE)) {
            byte[] part = new byte[(int) S3Settings.MIN_PART_SIZE];
            new java.util.Random(3).nextBytes(part);
            try (ObjectWriter w = store.write("backups/b1/db.pgdump")) {
                w.stream().write(part); // a whole part: the multipart upload has started
                w.stream().write(part);
                assertThat(S3.server().uploads(bucket)).hasSize(1);
                Thread.sleep(1_100); // S3 reports the initiation time in whole seconds
                // a garbage collection with a safety age shorter than this (slow) write runs meanwhile
                assertThat(store.abortIncompleteUploads(Duration.ZERO)).isEmpty();
                assertThat(S3.server().uploads(bucket)).hasSize(1);
                w.stream().write(part, 0, 100);
                assertThat(w.commit().size()).isEqualTo(2L * part.length + 100);
            }
            assertThat(S3.server().uploads(bucket)).isEmpty();
        }
    }

    @Test
    void endpointsThatOnlyLookLikeLoopbackOrCarryAQueryAreRefusedWithoutEchoingIt() {
        S3Store s = S3Store.bucket("shop-backups");
        assertThatThrownBy(() -> s.endpoint(URI.create("http://127.0.0.1.nip.io:9000"))).hasMessageContaining("insecureEndpoint");
        assertThatThrownBy(() -> s.endpoint(URI.create("http://127.evil.example"))).hasMessageContaining("insecureEndpoint");
        assertThat(s.endpoint(URI.create("http://127.0.0.1:9000")).describe()).endsWith("(endpoint http://127.0.0.1:9000)");
        assertThat(s.endpoint(URI.create("http://[::1]:9000")).describe()).endsWith("(endpoint http://[::1]:9000)");
        // a presigned URL pasted as the endpoint: its signature and session token are never shown
        assertThatThrownBy(() -> s.endpoint(URI.create("https://s3.example.com/b/k?X-Amz-Security-Token=Canary-token"
                + "&X-Amz-Signature=Canary-sig#frag")))
                .hasMessageContaining("no query or fragment").hasMessageContaining("https://s3.example.com/b/k?***")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Canary"));
    }

    @Test
    void describeNamesBucketPrefixAndEndpointButNoCredentials() throws Exception {
        S3Store store = S3Store.bucket("shop-backups").prefix("prod/").endpoint(URI.create("http://127.0.0.1:1234"))
                .credentials("AKIAEXAMPLE", Secret.of("very-secret-CANARY"));
        assertThat(store.describe()).isEqualTo("s3://shop-backups/prod/ (endpoint http://127.0.0.1:1234)");
        assertThat(store.toString()).isEqualTo(store.describe()).doesNotContain("very-secret", "AKIAEXAMPLE");
        assertThat(S3Store.bucket("b-1").describe()).isEqualTo("s3://b-1/");
    }

    @Test
    void settersReturnNewStoresAndLeaveTheOriginalAlone() {
        S3Store base = S3Store.bucket("shop-backups");
        S3Store derived = base.prefix("prod/");
        assertThat(base.describe()).isEqualTo("s3://shop-backups/");
        assertThat(derived.describe()).isEqualTo("s3://shop-backups/prod/");
        assertThat(derived).isNotSameAs(base);
    }

    @Test
    void invalidSettingsSayWhatWasExpectedAndWhatWasGiven() {
        S3Store s = S3Store.bucket("shop-backups");
        assertThatThrownBy(() -> S3Store.bucket("a")).hasMessageContaining("bucket must be").hasMessageContaining("but was \"a\"");
        assertThatThrownBy(() -> S3Store.bucket("with/slash")).hasMessageContaining("but was \"with/slash\"");
        assertThatThrownBy(() -> s.prefix("prod")).hasMessageContaining("prefix must be").hasMessageContaining("but was \"prod\"");
        assertThatThrownBy(() -> s.prefix("/prod/")).hasMessageContaining("but was \"/prod/\"");
        assertThatThrownBy(() -> s.prefix("a//")).hasMessageContaining("but was \"a//\"");
        assertThatThrownBy(() -> s.partSize(1024)).hasMessageContaining("partSize must be between 5 MiB")
                .hasMessageContaining("but was 1024");
        assertThatThrownBy(() -> s.partSize(6L << 30)).hasMessageContaining("but was 6442450944");
        assertThatThrownBy(() -> s.parallelParts(0)).hasMessage("parallelParts must be between 1 and 64, but was 0");
        assertThatThrownBy(() -> s.objectLock(ObjectLockMode.COMPLIANCE, Duration.ZERO))
                .hasMessage("retention must be at least 1 second, but was PT0S");
        assertThatThrownBy(() -> s.retry(0, Duration.ZERO)).hasMessage("attempts must be between 1 and 100, but was 0");
        assertThatThrownBy(() -> s.timeout(Duration.ofMillis(5))).hasMessageContaining("but was PT0.005S");
        assertThatThrownBy(() -> s.region("EU WEST")).hasMessageContaining("but was \"EU WEST\"");
        assertThatThrownBy(() -> s.storageClass("standard ia")).hasMessageContaining("but was \"standard ia\"");
        assertThatThrownBy(() -> s.endpoint(URI.create("ftp://host"))).hasMessageContaining("but was \"ftp://host\"");
        assertThatThrownBy(() -> s.endpoint(URI.create("http://minio.internal:9000")))
                .hasMessageContaining("insecureEndpoint").hasMessageContaining("but was \"http://minio.internal:9000\"");
        assertThat(s.insecureEndpoint(URI.create("http://minio.internal:9000")).describe())
                .isEqualTo("s3://shop-backups/ (endpoint http://minio.internal:9000)");
        assertThat(s.endpoint(URI.create("http://localhost:9000")).describe()).endsWith("(endpoint http://localhost:9000)");
        assertThatThrownBy(() -> s.endpoint(URI.create("https://user:hunter2@host")))
                .hasMessageContaining("must not contain credentials")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        assertThatThrownBy(() -> s.credentials("id", Secret.of(""))).hasMessageContaining("secretAccessKey must be non-empty");
        assertThatThrownBy(() -> s.abortIncompleteUploads(Duration.ofSeconds(-1)))
                .hasMessage("olderThan must be zero or more, but was PT-1S");
    }

    @Test
    void invalidKeysAreRejectedBeforeAnyRequest() {
        try (S3Store store = S3.server().store(bucket)) {
            for (String key : List.of("", "/abs", "dir/", "a/../b", "a//b", ".hidden", "a/.x", "sp ace")) {
                assertThatThrownBy(() -> store.write(key)).as(key).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.stat(key)).as(key).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void aClientGivenByTheCallerIsUsedAndNotClosed() throws Exception {
        try (S3Store store = S3Store.bucket(bucket).prefix("c/").client(S3.server().admin)) {
            try (ObjectWriter w = store.write("x", WriteOption.IF_ABSENT)) {
                w.stream().write("hello".getBytes(StandardCharsets.UTF_8));
                w.commit();
            }
            String content = store.read("x", in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertThat(content).isEqualTo("hello");
        }
        assertThat(S3.server().objects(bucket)).containsExactly("c/x"); // the admin client still works
    }

    @Test
    void aClosedStoreRefusesWork() {
        S3Store store = S3.server().store(bucket);
        store.close();
        assertThatThrownBy(() -> store.list("")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aMissingBucketIsAPermanentErrorNamingIt() {
        try (S3Store store = S3.server().store("no-such-bucket-here")) {
            assertThatThrownBy(() -> store.list("")).isInstanceOfSatisfying(StoreException.class, e -> {
                assertThat(e.isTransient()).isFalse();
                assertThat(e.getMessage()).contains("s3://no-such-bucket-here/", "HTTP 404", "NoSuchBucket", "bucket does not exist");
            });
            assertThatThrownBy(() -> {
                try (ObjectWriter w = store.write("k")) {
                    w.stream().write(1);
                    w.commit();
                }
            }).isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isTransient()).isFalse());
        }
    }
}
