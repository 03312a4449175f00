package dev.lifeboat.s3.internal;

import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.s3.ChecksumMode;
import dev.lifeboat.s3.IncompleteUpload;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 operations behind {@code S3Store}: one SDK client (sync, JDK URLConnection HTTP client, SDK retries
 * off because every request goes through {@link Retry}), key mapping under the prefix, error mapping.
 */
public final class S3Backend implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.lifeboat.s3");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final int ABORT_ROUNDS = 3;

    private final S3Settings settings;
    private final S3Client client;
    private final boolean ownsClient;
    private final Retry retry;
    private final AtomicBoolean conditionalWritesUnsupported = new AtomicBoolean();
    /** Multipart uploads this backend's writers are running: the janitor never aborts them, however old. */
    private final Set<String> liveUploads = ConcurrentHashMap.newKeySet();

    public S3Backend(S3Settings settings) {
        this.settings = settings;
        this.retry = new Retry(settings.maxAttempts(), settings.firstBackoff(), settings.accessKeyId());
        if (settings.client() != null) {
            this.client = settings.client();
            this.ownsClient = false;
        } else {
            this.client = build(settings);
            this.ownsClient = true;
        }
    }

    private static S3Client build(S3Settings s) {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(s.timeout())
                        .socketTimeout(s.timeout()))
                .serviceConfiguration(c -> c
                        .pathStyleAccessEnabled(s.pathStyle())
                        // Expect: 100-continue on every upload, not only above 1 MiB: a request the service
                        // refuses (403, 412) is answered before the body is sent, so its status is not lost to
                        // a broken pipe when the service closes the connection on an unread body
                        .expectContinueEnabled(true)
                        .expectContinueThresholdInBytes(0L)
                        // every body is an in-memory part buffer that can be read twice: over plain HTTP the
                        // payload is hashed in one pass before sending instead of being re-framed as aws-chunked
                        // with a new array per chunk (≈ one byte of garbage per byte uploaded)
                        .chunkedEncodingEnabled(false))
                .requestChecksumCalculation(s.checksumMode() == ChecksumMode.WHEN_SUPPORTED
                        ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(s.checksumMode() == ChecksumMode.WHEN_SUPPORTED
                        ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED)
                // one retry policy, ours: per-part buffers make every request repeatable, and counts stay exact
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (s.endpoint() != null) {
            b.endpointOverride(s.endpoint());
        }
        if (s.region() != null) {
            b.region(Region.of(s.region()));
        } else if (s.endpoint() != null) {
            b.region(Region.US_EAST_1); // S3-compatible services mostly ignore it, but SigV4 needs one
        }
        if (s.explicitCredentials()) {
            b.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey().reveal())));
        } else {
            b.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        try {
            return b.build();
        } catch (SdkException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("region")) {
                throw new StoreException("cannot use " + s.describe() + ": no AWS region configured; set"
                        + " S3Store.region(...) or the AWS_REGION environment variable", false, e);
            }
            throw Errors.map("connect to", s.describe(), e, s.accessKeyId());
        }
    }

    public S3Settings settings() {
        return settings;
    }

    S3Client client() {
        return client;
    }

    Retry retry() {
        return retry;
    }

    boolean conditionalWritesUnsupported() {
        return conditionalWritesUnsupported.get();
    }

    void markConditionalWritesUnsupported() {
        if (conditionalWritesUnsupported.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, () -> settings.describe() + " does not support conditional writes"
                    + " (If-None-Match); write-once objects are protected by a check before the write only");
        }
    }

    public String describe() {
        return settings.describe();
    }

    /** The S3 key of a store key, after validating it. */
    String objectKey(String key) {
        Objects.requireNonNull(key, "null key");
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("invalid object key \"" + key + "\"");
        }
        for (String segment : key.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("invalid object key \"" + key
                        + "\": segments must be letters, digits, '.', '_', '-' and not start with '.'");
            }
        }
        return settings.prefix() + key;
    }

    String location(String objectKey) {
        return "s3://" + settings.bucket() + "/" + objectKey;
    }

    // ---------------------------------------------------------------- Store operations

    public ObjectWriter write(String key, WriteOption... options) {
        String objectKey = objectKey(key);
        boolean ifAbsent = Arrays.asList(options).contains(WriteOption.IF_ABSENT);
        if (ifAbsent && head(objectKey, "check").isPresent()) {
            // fail before the caller streams a whole dump; the conditional commit still guards against races
            throw alreadyExists(key, null);
        }
        return new S3Writer(this, key, objectKey, ifAbsent);
    }

    StoreException alreadyExists(String key, Throwable cause) {
        return new StoreException("object " + key + " already exists in " + describe() + "; it is written only once",
                false, cause);
    }

    public <T> T read(String key, Store.Reader<T> reader) throws IOException {
        String objectKey = objectKey(key);
        String loc = location(objectKey);
        ResponseInputStream<GetObjectResponse> response;
        try {
            response = retry.call("read", loc, a -> client.getObject(r -> r.bucket(settings.bucket()).key(objectKey)));
        } catch (StoreException e) {
            if (isNoSuchKey(e.getCause())) {
                throw new NotFoundException("object " + key + " does not exist in " + describe());
            }
            throw e;
        }
        ContentStream in = new ContentStream(response, objectKey, loc);
        try {
            return reader.read(in);
        } finally {
            in.release();
        }
    }

    public Optional<ObjectInfo> stat(String key) {
        String objectKey = objectKey(key);
        return head(objectKey, "stat").map(h -> new ObjectInfo(key, h.contentLength(), h.lastModified()));
    }

    Optional<HeadObjectResponse> head(String objectKey, String action) {
        try {
            return Optional.of(retry.call(action, location(objectKey),
                    a -> client.headObject(r -> r.bucket(settings.bucket()).key(objectKey))));
        } catch (StoreException e) {
            if (isNoSuchKey(e.getCause())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public List<ObjectInfo> list(String prefix) {
        Objects.requireNonNull(prefix, "null prefix");
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("invalid prefix \"" + prefix + "\": must not start with '/'");
        }
        String full = settings.prefix() + prefix;
        String loc = location(full) + "*";
        List<ObjectInfo> out = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = retry.call("list", loc, a -> client.listObjectsV2(r -> r
                    .bucket(settings.bucket()).prefix(full).continuationToken(continuation)));
            for (S3Object o : page.contents()) {
                String k = o.key();
                if (!k.startsWith(settings.prefix())) {
                    continue;
                }
                String storeKey = k.substring(settings.prefix().length());
                if (storeKey.isEmpty() || storeKey.endsWith("/")) {
                    continue; // "folder" markers made by consoles are not objects
                }
                out.add(new ObjectInfo(storeKey, o.size() == null ? 0 : o.size(), o.lastModified()));
            }
            String previous = token;
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            if (Boolean.TRUE.equals(page.isTruncated()) && (token == null || token.equals(previous))) {
                // stopping here would hide objects (a manifest listed on the next page): a backup would look
                // unpublished and its parts like leftovers to delete
                throw new StoreException("listing " + loc + " was cut short: the service said more follows but gave "
                        + (token == null ? "no continuation token" : "the same continuation token again"), true, null);
            }
        } while (token != null);
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    public void delete(String key) {
        String objectKey = objectKey(key);
        try {
            retry.call("delete", location(objectKey), a -> client.deleteObject(r -> r.bucket(settings.bucket()).key(objectKey)));
        } catch (StoreException e) {
            if (!isNoSuchKey(e.getCause())) {
                throw e;
            }
        }
    }

    // ---------------------------------------------------------------- multipart housekeeping

    public List<IncompleteUpload> abortIncompleteUploads(Duration olderThan) {
        Instant cutoff = Instant.now().minus(olderThan);
        List<IncompleteUpload> aborted = new ArrayList<>();
        String loc = location(settings.prefix()) + "*";
        String keyMarker = null;
        String uploadIdMarker = null;
        do {
            String km = keyMarker;
            String um = uploadIdMarker;
            ListMultipartUploadsResponse page = retry.call("list multipart uploads in", loc,
                    a -> client.listMultipartUploads(r -> r.bucket(settings.bucket()).prefix(settings.prefix())
                            .keyMarker(km).uploadIdMarker(um)));
            for (MultipartUpload u : page.uploads()) {
                if (u.initiated() == null || u.initiated().isAfter(cutoff) || !u.key().startsWith(settings.prefix())
                        || liveUploads.contains(u.uploadId())) {
                    continue;
                }
                if (abortUpload(u.key(), u.uploadId())) {
                    aborted.add(new IncompleteUpload(u.key().substring(settings.prefix().length()), u.uploadId(),
                            u.initiated()));
                }
            }
            if (Boolean.TRUE.equals(page.isTruncated())) {
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
                if (keyMarker == null || keyMarker.equals(km) && Objects.equals(uploadIdMarker, um)) {
                    // a service that pages without moving on: stop rather than loop; the rest waits for next time
                    LOG.log(System.Logger.Level.WARNING, () -> "the listing of multipart uploads in " + loc + " says it is"
                            + " truncated but gives no next position; uploads after " + (km == null ? "the first page"
                            : km) + " are not checked this time (a bucket lifecycle rule aborts them too)");
                    break;
                }
            } else {
                keyMarker = null;
            }
        } while (keyMarker != null);
        return aborted;
    }

    /** A writer of this backend started {@code uploadId}: the janitor leaves it alone until {@link #uploadEnded}. */
    void uploadStarted(String uploadId) {
        liveUploads.add(uploadId);
    }

    void uploadEnded(String uploadId) {
        liveUploads.remove(uploadId);
    }

    /**
     * Aborts the multipart uploads of {@code objectKey} other than {@code keep} that no writer of this backend is
     * running: those a start whose answer was lost left behind (the start was retried, and its first upload has no
     * owner). Keys are unique per backup, so no other process writes this one. Best effort; never throws.
     */
    void abortOtherUploadsOf(String objectKey, String keep) {
        try {
            ListMultipartUploadsResponse page = retry.call("list multipart uploads of", location(objectKey), a -> client
                    .listMultipartUploads(r -> r.bucket(settings.bucket()).prefix(objectKey)));
            for (MultipartUpload u : page.uploads()) {
                if (u.key().equals(objectKey) && !u.uploadId().equals(keep) && !liveUploads.contains(u.uploadId())) {
                    LOG.log(System.Logger.Level.INFO, () -> "aborting multipart upload " + u.uploadId() + " of "
                            + location(objectKey) + ", started by an attempt whose answer was lost");
                    abortUpload(objectKey, u.uploadId());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "cannot look for uploads of " + location(objectKey)
                    + " left by a lost answer (a bucket lifecycle rule or the janitor removes them): " + e.getMessage());
        }
    }

    /**
     * Aborts an upload and confirms it is gone (in-flight parts may still land after an abort, so S3 says to
     * abort again until none remain). Never throws; returns whether the upload is confirmed gone.
     */
    boolean abortUpload(String objectKey, String uploadId) {
        String loc = location(objectKey);
        boolean interrupted = Thread.interrupted(); // an interrupted thread cannot make SDK calls
        try {
            for (int round = 1; round <= ABORT_ROUNDS; round++) {
                try {
                    retry.call("abort multipart upload of", loc, a -> client.abortMultipartUpload(r -> r
                            .bucket(settings.bucket()).key(objectKey).uploadId(uploadId)));
                } catch (StoreException e) {
                    if (!isNoSuchUpload(e.getCause())) {
                        LOG.log(System.Logger.Level.WARNING, "abort of multipart upload " + uploadId + " failed: "
                                + e.getMessage());
                        continue;
                    }
                }
                try {
                    if (uploadGone(objectKey, uploadId)) {
                        return true;
                    }
                } catch (StoreException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot confirm the abort of multipart upload " + uploadId
                            + ": " + e.getMessage());
                }
            }
            LOG.log(System.Logger.Level.WARNING, "multipart upload " + uploadId + " of " + loc + " may still exist"
                    + " after " + ABORT_ROUNDS + " aborts; S3Store.abortIncompleteUploads or a bucket lifecycle rule"
                    + " (AbortIncompleteMultipartUpload) removes it");
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the upload is gone: ListParts answers NoSuchUpload, or ListMultipartUploads no longer shows it. */
    boolean uploadGone(String objectKey, String uploadId) {
        String loc = location(objectKey);
        try {
            ListPartsResponse parts = retry.call("list parts of", loc, a -> client.listParts(r -> r
                    .bucket(settings.bucket()).key(objectKey).uploadId(uploadId)));
            if (!parts.parts().isEmpty()) {
                return false;
            }
        } catch (StoreException e) {
            if (isNoSuchUpload(e.getCause())) {
                return true;
            }
            if (Errors.status(e.getCause()) != 501) {
                throw e;
            }
        }
        // no parts listed (or ListParts unsupported): make sure the upload itself is gone
        ListMultipartUploadsResponse page = retry.call("list multipart uploads of", loc, a -> client
                .listMultipartUploads(r -> r.bucket(settings.bucket()).prefix(objectKey)));
        return page.uploads().stream().noneMatch(u -> uploadId.equals(u.uploadId()));
    }

    static boolean isNoSuchKey(Throwable t) {
        String code = Errors.code(t);
        return Errors.status(t) == 404 && !"NoSuchBucket".equals(code) && !"NoSuchUpload".equals(code);
    }

    static boolean isNoSuchUpload(Throwable t) {
        return "NoSuchUpload".equals(Errors.code(t)) || Errors.status(t) == 404 && Errors.code(t) == null;
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    /**
     * An object's content. A connection that breaks while the body streams (a reset, a timeout, a body cut
     * short) is resumed where it broke, with a ranged GET that must match the object's ETag (an object
     * replaced meanwhile fails instead of mixing two versions); each read gets the retry budget of any request.
     */
    private final class ContentStream extends InputStream {
        private final String objectKey;
        private final String location;
        private final String eTag;
        private final long length;
        private ResponseInputStream<GetObjectResponse> current;
        private long position;
        private boolean atEnd;
        private volatile boolean released;

        ContentStream(ResponseInputStream<GetObjectResponse> first, String objectKey, String location) {
            this.current = first;
            this.objectKey = objectKey;
            this.location = location;
            this.eTag = first.response().eTag();
            Long len = first.response().contentLength();
            this.length = len == null ? -1 : len;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (released) {
                // a reader that kept the stream past its callback: no new connection nobody would close
                throw new StoreException("the read of " + location + " ended when its reader returned", false, null);
            }
            if (atEnd) {
                return -1;
            }
            return retry.call("read", location, attempt -> {
                if (current == null) {
                    reopen();
                }
                try {
                    int n = current.read(b, off, len);
                    if (n < 0) {
                        if (length >= 0 && position < length) {
                            throw new IOException("the connection ended after " + position + " of " + length + " bytes");
                        }
                        atEnd = true;
                        return -1;
                    }
                    position += n;
                    return n;
                } catch (IOException | RuntimeException e) {
                    abortCurrent(); // the next attempt reopens at the position reached
                    throw e;
                }
            });
        }

        private void reopen() {
            if (eTag == null || length < 0) {
                throw new StoreException("cannot resume reading " + location + ": the store gave no ETag or length",
                        false, null);
            }
            LOG.log(System.Logger.Level.INFO, () -> "resuming the read of " + location + " at byte " + position + " of "
                    + length);
            long from = position;
            current = client.getObject(r -> r.bucket(settings.bucket()).key(objectKey).range("bytes=" + from + "-")
                    .ifMatch(eTag));
            // a service or proxy that ignores Range (a 200 with the whole object) or If-Match (another version) would
            // splice the wrong bytes in: only exactly the rest of the same object continues the read
            GetObjectResponse answer = current.response();
            String expected = "bytes " + from + "-" + (length - 1) + "/" + length;
            int status = answer.sdkHttpResponse().statusCode();
            if (status != 206 || !expected.equals(answer.contentRange()) || !eTag.equals(answer.eTag())) {
                abortCurrent();
                throw new StoreException("cannot resume reading " + location + " at byte " + from + ": the store answered"
                        + " the ranged read with HTTP " + status + ", Content-Range " + answer.contentRange() + " and ETag "
                        + answer.eTag() + " (expected 206, " + expected + " and " + eTag + ")", false, null);
            }
        }

        private void abortCurrent() {
            if (current != null) {
                current.abort();
                try {
                    current.close();
                } catch (IOException | RuntimeException e) {
                    // abandoned
                }
                current = null;
            }
        }

        /** Ends the read: the connection is not drained to be reused unless the content was read to its end. */
        void release() {
            released = true;
            if (current == null) {
                return;
            }
            if (!atEnd) {
                current.abort(); // do not drain the rest of a large object just to reuse the connection
            }
            try {
                current.close();
            } catch (IOException | RuntimeException e) {
                // the content was read (or abandoned); nothing to report
            }
            current = null;
        }

        @Override
        public void close() {
            // closed by S3Backend.read once the reader returns
        }
    }
}
