package dev.lifeboat.s3;

import static dev.lifeboat.s3.FaultProxy.s3Error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.s3.FaultProxy.CutResponseBody;
import dev.lifeboat.s3.FaultProxy.Delay;
import dev.lifeboat.s3.FaultProxy.Exchange;
import dev.lifeboat.s3.FaultProxy.Respond;
import dev.lifeboat.s3.FaultProxy.ResetMidBody;
import dev.lifeboat.s3.FaultProxy.SlowBody;
import dev.lifeboat.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3Store under injected faults: a loopback relay ({@link FaultProxy}) sits between the store and S3Proxy and
 * breaks chosen requests. What is really stored is checked with a separate client that talks to S3Proxy
 * directly.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class S3StoreFaultTest {
    /** Three parts at 5 MiB: 5 + 5 + 2 MiB and a bit. */
    static final int SIZE = 12 * 1024 * 1024 + 5;

    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();

    FaultProxy proxy;
    String bucket;
    S3Store store;

    @BeforeEach
    void setUp() throws IOException {
        bucket = S3.server().newBucket();
        proxy = new FaultProxy(S3.server().port());
        store = S3ProxyServer.store(proxy.endpoint(), bucket).prefix("p/");
    }

    @AfterEach
    void tearDown() throws IOException {
        store.close();
        proxy.close();
    }

    // ------------------------------------------------------------------ part retries

    @Test
    void aPartAnswered503OnceIsRetriedAndEveryPartIsStoredOnce() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2 && failed.compareAndSet(false, true)
                ? new Respond(503, s3Error("SlowDown", "Please reduce your request rate."))
                : FaultProxy.FORWARD);
        byte[] content = bytes(1, SIZE);

        put("db.pgdump", content);

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));
        Map<Integer, List<Integer>> statusesByPart = proxy.exchanges().stream().filter(Exchange::isUploadPart)
                .collect(Collectors.groupingBy(Exchange::partNumber, Collectors.mapping(Exchange::status, Collectors.toList())));
        assertThat(statusesByPart).containsOnlyKeys(1, 2, 3);
        assertThat(statusesByPart.get(1)).containsExactly(200);
        assertThat(statusesByPart.get(2)).containsExactly(503, 200);
        assertThat(statusesByPart.get(3)).containsExactly(200);
        assertThat(count(Exchange::isCompleteMultipart)).isEqualTo(1);
        assertThat(S3.server().uploads(bucket)).isEmpty();
        assertThat(S3.server().objects(bucket)).containsExactly("p/db.pgdump");
    }

    @Test
    void aPartRefusedOnceForAnExpiredTokenIsSignedAgainAndRetried() throws Exception {
        AtomicBoolean expired = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 3 && expired.compareAndSet(false, true)
                ? new Respond(400, s3Error("ExpiredToken", "The provided token has expired."))
                : FaultProxy.FORWARD);
        byte[] content = bytes(23, SIZE);

        put("db.pgdump", content);

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 3).map(Exchange::status))
                .containsExactly(400, 200);
    }

    @Test
    void aConnectionResetOnceInTheMiddleOfAPartIsResentWholeFromItsBuffer() throws Exception {
        AtomicBoolean reset = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2 && reset.compareAndSet(false, true)
                ? new ResetMidBody(256 * 1024) : FaultProxy.FORWARD);
        byte[] content = bytes(24, SIZE);

        put("db.pgdump", content);

        assertThat(sha256(read("db.pgdump"))).as("the part was sent again from its start").isEqualTo(sha256(content));
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 2).count())
                .as("attempts of part 2").isEqualTo(2);
        assertThat(S3.server().uploads(bucket)).isEmpty();
    }

    @Test
    void aPartThatAlwaysFailsAbortsTheUpload() throws Exception {
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                ? new Respond(500, s3Error("InternalError", "We encountered an internal error. Please try again."))
                : FaultProxy.FORWARD);

        StoreException e = failingPut("db.pgdump", bytes(2, SIZE));

        assertThat(e.getMessage()).contains("upload part 2 of s3://" + bucket + "/p/db.pgdump", "HTTP 500", "InternalError");
        assertThat(e.isTransient()).isTrue();
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 2).count())
                .as("attempts of part 2").isEqualTo(4);
        assertAbortedAndNothingStored("db.pgdump");
    }

    @Test
    void aPartStillBeingSentWhenAnotherFailsForGoodIsCutShortNotWaitedFor() throws Exception {
        // part 1 is refused for good after 2 s; part 2 goes to a service reading 512 KiB/s, which would take 64 s for
        // its 32 MiB (far more than socket buffers hold): the clean-up's interrupt stops it (the SDK checks for one
        // as it reads the body) rather than waiting for it, which with this 60 s timeout would take a minute and
        // could let the part land after the abort
        oneSlowPartWhileAnotherFailsForGood(1, 80, "the clean-up did not wait for part 2 to be sent whole");
    }

    /** The same while commit() waits for the parts: it must not wait in part order for a slow part 1. */
    @Test
    void aCommitWaitingForASlowPartStopsAsSoonAsALaterPartFailsForGood() throws Exception {
        // exactly two parts: both are being sent when commit() starts waiting
        oneSlowPartWhileAnotherFailsForGood(2, 64, "commit did not wait for part 1 to be sent whole");
    }

    /** Part {@code failing} is refused for good (403) after 2 s, the other is sent at 512 KiB/s; {@code mib} written. */
    private void oneSlowPartWhileAnotherFailsForGood(int failing, int mib, String notWaited) throws Exception {
        proxy.rules(r -> !r.asExchange().isUploadPart() ? FaultProxy.FORWARD
                : r.asExchange().partNumber() == failing ? new SlowBody(16L << 20, 403, s3Error("AccessDenied", "Access Denied"))
                : new SlowBody(512 * 1024, 500, s3Error("InternalError", "We encountered an internal error.")));
        long t0 = System.nanoTime();
        try (S3Store big = S3ProxyServer.store(proxy.endpoint(), bucket).prefix("p/").partSize(32L << 20).parallelParts(2)
                .timeout(Duration.ofSeconds(60))) {
            Throwable t = catchThrowable(() -> {
                try (ObjectWriter w = big.write("db.pgdump")) {
                    byte[] chunk = bytes(26, 1 << 20);
                    for (int i = 0; i < mib; i++) {
                        w.stream().write(chunk);
                    }
                    w.commit();
                }
            });
            assertThat(t).isInstanceOf(StoreException.class).hasMessageContaining("upload part " + failing + " of")
                    .hasMessageContaining("403");
        }
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        assertThat(seconds).as(notWaited).isLessThan(30);
        assertAbortedAndNothingStored("db.pgdump");
    }

    /** A reader that keeps the stream past its callback gets a clear failure, not a new connection nobody closes. */
    @Test
    void aStreamKeptPastItsReaderFailsInsteadOfOpeningANewConnection() throws Exception {
        put("kept", bytes(29, 1 << 20));
        long gets = count(x -> x.method().equals("GET") && x.path().endsWith("/kept"));
        java.io.InputStream leaked = store.read("kept", in -> {
            in.readNBytes(1000);
            return in;
        });

        assertThatThrownBy(() -> leaked.read(new byte[100], 0, 100)).isInstanceOf(StoreException.class)
                .hasMessageContaining("ended when its reader returned");
        Thread.sleep(300); // the proxy logs an exchange when it ends; the first GET's ends when its reader aborts it
        assertThat(count(x -> x.method().equals("GET") && x.path().endsWith("/kept"))).as("no second GET")
                .isLessThanOrEqualTo(gets + 1);
    }

    @Test
    void aWriterThatMayNotListStillRetriesAPartWhoseConnectionWasReset() throws Exception {
        // a write-only key (put, no list): the question the writer asks after a broken connection is refused with
        // AccessDenied, which says nothing about the upload; the part is retried, not failed for good
        AtomicBoolean reset = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isListObjects() ? new Respond(403, s3Error("AccessDenied", "Access Denied"))
                : r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2 && reset.compareAndSet(false, true)
                ? new ResetMidBody(256 * 1024) : FaultProxy.FORWARD);
        byte[] content = bytes(27, SIZE);

        put("db.pgdump", content);

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));
        assertThat(count(Exchange::isListObjects)).as("the writer did ask").isGreaterThanOrEqualTo(1);
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 2).count()).isEqualTo(2);
    }

    @Test
    void aConnectionResetInTheMiddleOfAPartAbortsTheUpload() throws Exception {
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                ? new ResetMidBody(256 * 1024) : FaultProxy.FORWARD);

        StoreException e = failingPut("db.pgdump", bytes(3, SIZE));

        assertThat(e.getMessage()).contains("upload part 2 of s3://" + bucket + "/p/db.pgdump");
        assertThat(e.isTransient()).as("a reset connection is transient").isTrue();
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 2).count())
                .as("attempts of part 2").isEqualTo(4);
        assertAbortedAndNothingStored("db.pgdump");
    }

    @Test
    void aPermanentPartErrorIsNotRetried() throws Exception {
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2
                ? new Respond(400, s3Error("BadDigest", "The Content-MD5 you specified did not match what we received."))
                : FaultProxy.FORWARD);

        StoreException e = failingPut("db.pgdump", bytes(4, SIZE));

        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 400", "BadDigest");
        assertThat(proxy.exchanges().stream().filter(x -> x.isUploadPart() && x.partNumber() == 2).count()).isEqualTo(1);
        assertAbortedAndNothingStored("db.pgdump");
    }

    @Test
    void aSinglePutIsRetriedOnA503() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isPutObject() && failed.compareAndSet(false, true)
                ? new Respond(503, s3Error("SlowDown", "Please reduce your request rate.")) : FaultProxy.FORWARD);
        byte[] content = bytes(5, 1000);
        put("manifest.json", content);
        assertThat(read("manifest.json")).isEqualTo(content);
        assertThat(proxy.exchanges().stream().filter(Exchange::isPutObject).map(Exchange::status)).containsExactly(503, 200);
    }

    // ------------------------------------------------------------------ complete

    @Test
    void completeAnswering200WithAnErrorBodyIsAFailure() throws Exception {
        proxy.rules(r -> r.asExchange().isCompleteMultipart()
                ? new Respond(200, s3Error("InternalError", "We encountered an internal error. Please try again."))
                : FaultProxy.FORWARD);

        StoreException e = failingPut("db.pgdump", bytes(6, SIZE));

        assertThat(e.getMessage()).contains("complete multipart upload of s3://" + bucket + "/p/db.pgdump", "InternalError");
        assertThat(count(Exchange::isCompleteMultipart)).as("complete is retried: the error is transient").isEqualTo(4);
        assertAbortedAndNothingStored("db.pgdump");
    }

    /** The upload an answer-lost start created has no owner: the writer that retried the start aborts it. */
    @Test
    void anUploadStartedByAnAttemptWhoseAnswerWasLostIsAbortedNotLeft() throws Exception {
        AtomicBoolean lost = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isCreateMultipart() && lost.compareAndSet(false, true)
                ? new FaultProxy.LoseResponse() : FaultProxy.FORWARD);
        byte[] content = bytes(30, SIZE);

        put("db.pgdump", content);

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));
        assertThat(count(Exchange::isCreateMultipart)).as("the start was retried").isEqualTo(2);
        assertThat(S3.server().uploads(bucket)).as("no incomplete multipart upload is left").isEmpty();
    }

    @Test
    void aConditionalPutWhoseResponseWasLostIsRecognisedAsOursOnRetry() throws Exception {
        AtomicBoolean lost = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isPutObject() && lost.compareAndSet(false, true)
                ? new FaultProxy.LoseResponse() : FaultProxy.FORWARD);
        byte[] content = bytes(21, 5000);

        put("manifest.json", content, WriteOption.IF_ABSENT);

        assertThat(read("manifest.json")).isEqualTo(content);
        assertThat(proxy.exchanges().stream().filter(Exchange::isPutObject).map(Exchange::status))
                .as("stored, answer lost; then refused as existing").containsExactly(200, 412);
    }

    @Test
    void aConditionalPutRetriedInsideACallersOwnSdkClientIsRecognisedAsOurs() throws Exception {
        AtomicBoolean lost = new AtomicBoolean();
        proxy.rules(r -> r.asExchange().isPutObject() && lost.compareAndSet(false, true)
                ? new FaultProxy.LoseResponse() : FaultProxy.FORWARD);
        byte[] content = bytes(23, 5000);
        try (S3Client own = S3Client.builder().endpointOverride(proxy.endpoint()).forcePathStyle(true)
                .region(Region.US_EAST_1).httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build(); // the SDK's default retries: the 412 reaches the store on its first attempt
             S3Store withOwnClient = S3Store.bucket(bucket).prefix("p/").client(own)) {
            putTo(withOwnClient, "manifest.json", content, WriteOption.IF_ABSENT);
        }
        assertThat(read("manifest.json")).isEqualTo(content);
        assertThat(proxy.exchanges().stream().filter(Exchange::isPutObject).map(Exchange::status)).containsExactly(200, 412);
    }

    @Test
    void aCompleteWhoseResponseWasLostIsRecognisedAsOursOnRetry() throws Exception {
        // the first complete succeeds but its answer is lost; the retry is told the upload no longer exists
        // (what S3 says once a completed upload is forgotten; S3Proxy itself would repeat the success)
        AtomicBoolean lost = new AtomicBoolean();
        proxy.rules(r -> !r.asExchange().isCompleteMultipart() ? FaultProxy.FORWARD
                : lost.compareAndSet(false, true) ? new FaultProxy.LoseResponse()
                : new Respond(404, s3Error("NoSuchUpload", "The specified upload does not exist.")));
        byte[] content = bytes(22, SIZE);

        put("db.pgdump", content, WriteOption.IF_ABSENT);

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));
        assertThat(proxy.exchanges().stream().filter(Exchange::isCompleteMultipart).map(Exchange::status))
                .containsExactly(200, 404);
        assertThat(S3.server().uploads(bucket)).isEmpty();
    }

    // ------------------------------------------------------------------ interruption

    @Test
    void interruptingTheWritingThreadAbortsTheUpload() throws Exception {
        CountDownLatch partsStarted = new CountDownLatch(2);
        proxy.rules(r -> {
            if (r.asExchange().isUploadPart()) {
                partsStarted.countDown();
                return new Delay(1500);
            }
            return FaultProxy.FORWARD;
        });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            byte[] chunk = bytes(7, 1024 * 1024);
            try (ObjectWriter w = store.write("db.pgdump")) {
                OutputStream out = w.stream();
                for (int i = 0; i < 100; i++) { // 100 MiB: far more than the 3 buffers can hold
                    out.write(chunk);
                }
                w.commit();
            } catch (Throwable t) {
                thrown.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        }, "producer");
        producer.start();
        assertThat(partsStarted.await(30, TimeUnit.SECONDS)).isTrue();
        producer.interrupt();
        producer.join(60_000);

        assertThat(producer.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(stillInterrupted).as("the interrupt status is kept").isTrue();
        assertAbortedAndNothingStored("db.pgdump");
    }

    // ------------------------------------------------------------------ credentials

    @Test
    void wrongCredentialsAreAClearPermanentErrorWithoutTheSecret() throws Exception {
        String wrongSecret = "wr0ng-secret-CANARY-91c3";
        for (S3Store bad : List.of(
                S3ProxyServer.store(S3.server().endpoint, bucket).credentials(S3ProxyServer.ACCESS_KEY, Secret.of(wrongSecret)),
                S3ProxyServer.store(S3.server().endpoint, bucket).credentials("unknown-key-id", Secret.of(wrongSecret)))) {
            try (bad; LogCapture logs = new LogCapture()) {
                List<Throwable> failures = new ArrayList<>();
                failures.add(catchThrowable(() -> bad.stat("a")));
                failures.add(catchThrowable(() -> bad.list("")));
                failures.add(catchThrowable(() -> bad.read("a", in -> in.readAllBytes())));
                failures.add(catchThrowable(() -> putTo(bad, "small", bytes(8, 100))));
                failures.add(catchThrowable(() -> putTo(bad, "large", bytes(9, SIZE))));
                failures.add(catchThrowable(() -> bad.abortIncompleteUploads(Duration.ZERO)));
                for (Throwable t : failures) {
                    assertThat(t).isInstanceOf(StoreException.class);
                    StoreException e = (StoreException) t;
                    assertThat(e.isTransient()).as(e.getMessage()).isFalse();
                    assertThat(e.getMessage()).contains("HTTP 403", "check the credentials");
                    assertThat(everything(e)).doesNotContain(wrongSecret, S3ProxyServer.SECRET_KEY);
                }
                assertThat(((StoreException) failures.get(0)).getMessage()).contains("access key id");
                assertThat(logs.text()).doesNotContain(wrongSecret, S3ProxyServer.SECRET_KEY);
                assertThat(bad.describe() + bad).doesNotContain(wrongSecret);
            }
        }
        assertThat(S3.server().objects(bucket)).isEmpty();
        assertThat(S3.server().uploads(bucket)).isEmpty();
    }

    // ------------------------------------------------------------------ write once

    @Test
    void ifAbsentIsAConditionalWrite() throws Exception {
        put("small.json", bytes(10, 100), WriteOption.IF_ABSENT);
        put("large.bin", bytes(11, SIZE), WriteOption.IF_ABSENT);
        put("plain.bin", bytes(12, 100));
        assertThat(proxy.exchanges().stream().filter(Exchange::isPutObject).map(x -> x.header("If-None-Match")))
                .containsExactly("*", null);
        assertThat(proxy.exchanges().stream().filter(Exchange::isCompleteMultipart).map(x -> x.header("If-None-Match")))
                .containsExactly("*");

        assertThatThrownBy(() -> put("large.bin", bytes(13, 10), WriteOption.IF_ABSENT))
                .isInstanceOf(StoreException.class).hasMessageContaining("already exists");
        assertThat(read("large.bin")).isEqualTo(bytes(11, SIZE));
    }

    @Test
    void withoutConditionalWritesTheStoreFallsBackToACheckBeforeTheWrite() throws Exception {
        proxy.rules(r -> r.headers().containsKey("if-none-match")
                ? new Respond(501, s3Error("NotImplemented", "Conditional writes are not supported by this backend."))
                : FaultProxy.FORWARD);
        for (int size : new int[] {100, SIZE}) {
            String key = "manifest-" + size;
            put(key, bytes(14, size), WriteOption.IF_ABSENT);
            assertThat(read(key)).isEqualTo(bytes(14, size));
            // another writer publishes the key while ours is open: our commit must refuse
            ObjectWriter late = store.write(key + "-late", WriteOption.IF_ABSENT);
            late.stream().write(bytes(15, size));
            put(key + "-late", bytes(16, 10));
            assertThatThrownBy(late::commit).isInstanceOf(StoreException.class).hasMessageContaining("already exists");
            assertThat(read(key + "-late")).isEqualTo(bytes(16, 10));
        }
        assertThat(count(x -> x.header("If-None-Match") != null))
                .as("the header is sent until the service says it does not support it").isEqualTo(1);
        assertThat(S3.server().uploads(bucket)).isEmpty();
    }

    // ------------------------------------------------------------------ object lock and checksums

    @Test
    void objectLockSendsRetentionAndContentMd5EvenWhenChecksumsAreOnlyRequired() throws Exception {
        store = store.objectLock(ObjectLockMode.GOVERNANCE, Duration.ofDays(1)).checksumMode(ChecksumMode.WHEN_REQUIRED);
        Instant before = Instant.now();
        put("small", bytes(17, 1000));
        put("large", bytes(18, SIZE));

        List<Exchange> writes = proxy.exchanges().stream()
                .filter(x -> x.isPutObject() || x.isCreateMultipart()).toList();
        assertThat(writes).hasSize(2);
        for (Exchange x : writes) {
            assertThat(x.header("x-amz-object-lock-mode")).isEqualTo("GOVERNANCE");
            Instant until = Instant.parse(x.header("x-amz-object-lock-retain-until-date"));
            assertThat(until).isBetween(before.plus(Duration.ofDays(1)).minusSeconds(5), Instant.now().plus(Duration.ofDays(1)));
        }
        List<Exchange> uploads = proxy.exchanges().stream().filter(x -> x.isPutObject() || x.isUploadPart()).toList();
        assertThat(uploads).hasSize(4);
        for (Exchange x : uploads) {
            assertThat(x.header("Content-MD5")).as("integrity header of %s %s", x.method(), x.query()).isNotBlank();
            assertThat(x.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-checksum-"));
        }
        assertThat(sha256(read("large"))).isEqualTo(sha256(bytes(18, SIZE)));
    }

    /**
     * A bucket whose Object Lock default retention applies (none is set here) refuses writes without an integrity
     * header, as AWS does; with checksums only when required, Content-MD5 is that header.
     */
    @Test
    void checksumsWhenRequiredStillSendContentMd5ForABucketWithDefaultRetention() throws Exception {
        proxy.rules(r -> (r.asExchange().isPutObject() || r.asExchange().isUploadPart()) && r.headers().get("content-md5") == null
                && r.headers().keySet().stream().noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("x-amz-checksum-"))
                ? new Respond(400, s3Error("InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for"
                        + " Put Object requests with Object Lock parameters"))
                : FaultProxy.FORWARD);
        store = store.checksumMode(ChecksumMode.WHEN_REQUIRED);

        put("small", bytes(23, 1000));
        put("large", bytes(24, SIZE));

        assertThat(sha256(read("small"))).isEqualTo(sha256(bytes(23, 1000)));
        assertThat(sha256(read("large"))).isEqualTo(sha256(bytes(24, SIZE)));
    }

    @Test
    void aServiceRejectingChecksumHeadersIsNamedWithTheSettingThatAvoidsThem() throws Exception {
        // as Backblaze B2 and older Ceph answer the SDK's checksum headers
        proxy.rules(r -> r.headers().keySet().stream().anyMatch(h -> h.startsWith("x-amz-checksum-")
                || h.equals("x-amz-sdk-checksum-algorithm"))
                ? new Respond(400, s3Error("InvalidArgument", "Unsupported header 'x-amz-checksum-crc32' received for this API call."))
                : FaultProxy.FORWARD);

        StoreException small = failingPut("small", bytes(21, 1000));
        StoreException large = failingPut("large", bytes(22, SIZE));

        for (StoreException e : List.of(small, large)) {
            assertThat(e.isTransient()).isFalse();
            assertThat(e.getMessage()).contains("HTTP 400 InvalidArgument", "x-amz-checksum-crc32",
                    "lifeboat.stores.<name>.checksum-mode=when-required");
        }
        // the multipart upload is refused when it is created (it names its checksum algorithm): nothing to abort
        assertThat(S3.server().uploads(bucket)).as("incomplete multipart uploads").isEmpty();
        assertThat(S3.server().objects(bucket)).as("objects").isEmpty();

        store = store.checksumMode(ChecksumMode.WHEN_REQUIRED);
        put("large", bytes(22, SIZE));
        assertThat(sha256(read("large"))).isEqualTo(sha256(bytes(22, SIZE)));
    }

    @Test
    void objectLockWithChecksumsWhenSupportedSendsCrc32() throws Exception {
        store = store.objectLock(ObjectLockMode.COMPLIANCE, Duration.ofHours(1));
        put("small", bytes(19, 1000));
        put("large", bytes(20, SIZE));
        List<Exchange> uploads = proxy.exchanges().stream().filter(x -> x.isPutObject() || x.isUploadPart()).toList();
        assertThat(uploads).hasSize(4);
        for (Exchange x : uploads) {
            String algorithm = x.header("x-amz-sdk-checksum-algorithm");
            String trailer = x.header("x-amz-trailer");
            String crc = x.header("x-amz-checksum-crc32");
            // computed by Lifeboat from the part buffer and sent as a header: no aws-chunked re-framing of the body
            assertThat(crc).as("CRC32 checksum header on %s %s: %s", x.method(), x.query(), x.headers()).isNotBlank();
            assertThat(trailer).isNull();
            assertThat(String.valueOf(x.header("Content-Encoding"))).doesNotContain("aws-chunked");
            assertThat(algorithm).isEqualToIgnoringCase("CRC32");
        }
        java.util.zip.CRC32 expected = new java.util.zip.CRC32();
        expected.update(bytes(19, 1000));
        long v = expected.getValue();
        assertThat(uploads.get(0).header("x-amz-checksum-crc32")).isEqualTo(java.util.Base64.getEncoder()
                .encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v}));
        assertThat(proxy.exchanges().stream().filter(x -> x.isPutObject() || x.isCreateMultipart())
                .map(x -> x.header("x-amz-object-lock-mode"))).containsExactly("COMPLIANCE", "COMPLIANCE");
        assertThat(read("small")).isEqualTo(bytes(19, 1000));
    }

    // ------------------------------------------------------------------ helpers

    private void assertAbortedAndNothingStored(String key) throws IOException {
        assertThat(count(Exchange::isAbortMultipart)).as("abort requests").isGreaterThanOrEqualTo(1);
        assertThat(S3.server().uploads(bucket)).as("incomplete multipart uploads").isEmpty();
        assertThat(S3.server().objects(bucket)).as("objects").isEmpty();
        assertThat(store.stat(key)).isEmpty();
    }

    private StoreException failingPut(String key, byte[] content) {
        Throwable t = catchThrowable(() -> put(key, content));
        assertThat(t).isInstanceOf(StoreException.class);
        return (StoreException) t;
    }

    @Test
    void anAbortFromAnotherThreadWhileCommitWaitsForItsPartsPublishesNothing() throws Exception {
        // part 2 reaches the service only after a while, so commit() is still waiting for it when abort() comes
        proxy.rules(r -> r.asExchange().isUploadPart() && r.asExchange().partNumber() == 2 ? new Delay(3_000) : FaultProxy.FORWARD);
        ObjectWriter w = store.write("db.pgdump");
        w.stream().write(bytes(25, SIZE));
        java.util.concurrent.CompletableFuture<Object> commit = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return w.commit();
            } catch (IOException | RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(500);
        w.abort(); // waits for commit() to give up

        assertThat(commit.get(30, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(((Exception) e).getMessage()).contains("aborted"));
        assertThat(store.stat("db.pgdump")).isEmpty();
        assertThat(count(Exchange::isCompleteMultipart)).isZero();
        assertThat(S3.server().uploads(bucket)).isEmpty();
    }

    // ------------------------------------------------------------------ reads

    @Test
    void aDownloadCutMidBodyResumesWhereItBrokeAndMatchesTheObject() throws Exception {
        byte[] content = bytes(21, SIZE);
        put("db.pgdump", content);
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        // the first two downloads break after 3 MiB and 1 MiB of body
        proxy.rules(r -> !r.method().equals("GET") || r.query().containsKey("list-type") ? FaultProxy.FORWARD
                : switch (gets.incrementAndGet()) {
                    case 1 -> new CutResponseBody(3L << 20);
                    case 2 -> new CutResponseBody(1L << 20);
                    default -> FaultProxy.FORWARD;
                });

        assertThat(sha256(read("db.pgdump"))).isEqualTo(sha256(content));

        List<Exchange> downloads = proxy.exchanges().stream().filter(e -> e.method().equals("GET")).toList();
        assertThat(downloads).hasSize(3);
        assertThat(downloads.get(0).header("range")).isNull();
        // each resumes where the client's reading stopped (a reset drops what the socket had buffered)
        long second = rangeStart(downloads.get(1));
        long third = rangeStart(downloads.get(2));
        assertThat(second).isBetween(1L, 3L << 20);
        assertThat(third).isBetween(second, second + (1L << 20));
        assertThat(downloads.subList(1, 3)).allSatisfy(e -> assertThat(e.header("if-match")).isNotBlank());
    }

    @Test
    void aResumedDownloadAnsweredWithoutItsRangeFailsInsteadOfSplicingOtherBytesIn() throws Exception {
        put("db.pgdump", bytes(24, SIZE));
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        // the download breaks after 1 MiB; the resuming ranged GET is answered 200 with other content, as by a
        // proxy or service that ignores Range
        proxy.rules(r -> !r.method().equals("GET") || r.query().containsKey("list-type") ? FaultProxy.FORWARD
                : switch (gets.incrementAndGet()) {
                    case 1 -> new CutResponseBody(1L << 20);
                    case 2 -> new Respond(200, "not the rest of the object");
                    default -> FaultProxy.FORWARD;
                });

        assertThatThrownBy(() -> read("db.pgdump")).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot resume reading").hasMessageContaining("HTTP 200")
                .hasMessageContaining("expected 206, bytes ");
        assertThat(gets.get()).as("refused at once, not retried").isEqualTo(2);
    }

    private static long rangeStart(Exchange e) {
        String range = e.header("range");
        assertThat(range).matches("bytes=\\d+-");
        return Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
    }

    @Test
    void aListingCutShortWithoutAContinuationTokenIsAnErrorNotAShortList() throws Exception {
        put("backups/b1/db.pgdump", bytes(23, 10));
        // a service (or a proxy) that says more follows but gives no token to ask for it: stopping there would hide
        // a manifest on the next page, and the backup's parts would look like leftovers to delete
        String page = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Name>" + bucket + "</Name><Prefix>p/</Prefix><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys>"
                + "<IsTruncated>true</IsTruncated><Contents><Key>p/backups/b1/db.pgdump</Key>"
                + "<LastModified>2026-11-27T10:00:00.000Z</LastModified><ETag>\"x\"</ETag><Size>10</Size>"
                + "<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>";
        proxy.rules(r -> r.method().equals("GET") && r.query().containsKey("list-type") ? new Respond(200, page) : FaultProxy.FORWARD);

        assertThatThrownBy(() -> store.list("backups/")).isInstanceOf(StoreException.class)
                .hasMessageContaining("cut short").hasMessageContaining("no continuation token");
    }

    @Test
    void aDownloadThatKeepsBreakingWithoutProgressFailsAsAStoreError() throws Exception {
        put("db.pgdump", bytes(22, SIZE));
        proxy.rules(r -> r.method().equals("GET") && !r.query().containsKey("list-type") ? new CutResponseBody(0) : FaultProxy.FORWARD);

        assertThatThrownBy(() -> read("db.pgdump")).isInstanceOf(StoreException.class).hasMessageContaining("read");
    }

    private long count(Predicate<Exchange> p) {
        return proxy.exchanges().stream().filter(p).count();
    }

    private void put(String key, byte[] content, WriteOption... options) throws IOException {
        putTo(store, key, content, options);
    }

    private static void putTo(S3Store s, String key, byte[] content, WriteOption... options) throws IOException {
        try (ObjectWriter w = s.write(key, options)) {
            w.stream().write(content);
            w.commit();
        }
    }

    private byte[] read(String key) throws IOException {
        return store.read(key, in -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        });
    }

    /** Messages, string forms and stack traces of a throwable and its whole chain, suppressed included. */
    static String everything(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        StringBuilder sb = new StringBuilder(sw.toString());
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append('\n').append(c).append('\n').append(c.getMessage());
        }
        return sb.toString();
    }

    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
