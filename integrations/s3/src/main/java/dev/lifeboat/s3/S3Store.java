package dev.lifeboat.s3;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import dev.lifeboat.s3.internal.S3Backend;
import dev.lifeboat.s3.internal.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A {@link Store} in an Amazon S3 bucket or an S3-compatible service (MinIO, Ceph RGW, Cloudflare R2,
 * Backblaze B2, Wasabi), on the AWS SDK for Java v2.
 *
 * <pre>{@code
 * Store offsite = S3Store.bucket("shop-backups").prefix("prod/").region("eu-west-1");
 * Store minio = S3Store.bucket("backups").endpoint(URI.create("https://minio.internal:9000")).pathStyle(true)
 *         .credentials("lifeboat-writer", Secret.of(System.getenv("MINIO_SECRET")))
 *         .checksumMode(ChecksumMode.WHEN_REQUIRED);
 * }</pre>
 *
 * <p>An {@code S3Store} is immutable: every setter returns a new store, so configurations can be shared and
 * derived. The SDK client is created on first use and closed by {@link #close()}.
 *
 * <h2>Writes</h2>
 * A write streams into a part buffer of {@link #partSize(long) partSize} bytes. An object that fits one buffer
 * is stored with one PutObject on {@link ObjectWriter#commit()}; a larger one becomes a multipart upload whose
 * parts upload {@link #parallelParts(int) parallelParts} at a time while the next part fills. The length never
 * needs to be known in advance (a running {@code pg_dump} is fine). Memory per write is at most
 * {@code (parallelParts + 1) × part size}: 40 MiB with the defaults. To fit any object into S3's 10,000
 * parts, the part size doubles every 1,000 parts (8 MiB parts up to 7.8 GiB, 16 MiB up to 23.4 GiB,
 * 32 MiB up to 54.7 GiB, …), and memory grows with it; for large databases set a larger
 * {@link #partSize(long)} and fewer {@link #parallelParts(int)} up front.
 *
 * <p>Nothing is visible under the key before {@code commit()} returns. Every failure path (a part failing for
 * good, an exception or interruption of the producer, {@code abort()}, {@code close()} without commit) aborts
 * the multipart upload, retries the abort and confirms with ListParts that it is gone. A crash of the JVM
 * still leaves an incomplete upload behind: {@link #abortIncompleteUploads(Duration)} and a bucket lifecycle
 * rule ({@code AbortIncompleteMultipartUpload}) clean those.
 *
 * <p>Each request is retried on transient errors (HTTP 5xx, 429, {@code SlowDown}, connection resets,
 * timeouts) with exponential, jittered backoff, from its in-memory buffer; permanent errors (access denied,
 * {@code BadDigest}, a missing bucket) fail at once. The SDK's own retries are off. After a write's
 * {@code commit()} the object is read back with a HEAD and its size compared with the bytes written.
 *
 * <h2>Write-once objects</h2>
 * {@link WriteOption#IF_ABSENT} is checked with a HEAD when the write starts (so a large write fails early) and
 * enforced by a conditional write, {@code If-None-Match: *}, on the PutObject or CompleteMultipartUpload: if
 * another writer got there first, the commit fails with a permanent {@link dev.lifeboat.api.StoreException}
 * saying the object already exists. Amazon S3 and S3Proxy 4.1's filesystem and transient backends support it
 * (S3Proxy's other backends answer 501). A service that answers {@code 501 Not Implemented} to the header makes the
 * store fall back, for its lifetime, to checking with a HEAD just before the unconditional write: that is
 * not atomic against a concurrent writer of the same key (Lifeboat's backup ids are unique, so only two
 * writers racing to publish the same manifest could both succeed). A service that silently ignores the header
 * gives the same check-then-write protection.
 *
 * <h2>Errors and secrets</h2>
 * Failures are {@link dev.lifeboat.api.StoreException}s classified as transient or permanent, naming the
 * operation, {@code s3://bucket/key}, the HTTP status and the S3 error code. A missing object is a
 * {@link dev.lifeboat.api.NotFoundException}. Credential failures are permanent and name the access key id at
 * most. The secret access key never appears in {@link #describe()}, {@link #toString()}, logs or exceptions.
 */
public final class S3Store implements Store {
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]");
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private final S3Settings settings;
    private final Object lock = new Object();
    private volatile S3Backend backend;
    private boolean closed;

    private S3Store(S3Settings settings) {
        this.settings = settings;
    }

    /**
     * A store in {@code bucket}, with the defaults: no prefix, the SDK's default region and credentials chains,
     * AWS endpoints.
     *
     * @param bucket the bucket name, e.g. {@code shop-backups}
     */
    public static S3Store bucket(String bucket) {
        Objects.requireNonNull(bucket, "null bucket");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bucket must be a bucket name (3 to 255 letters, digits, '.', '_', '-',"
                    + " starting and ending with a letter or digit), but was \"" + bucket + "\"");
        }
        return new S3Store(S3Settings.defaults(bucket));
    }

    /**
     * The key prefix under which this store keeps its objects, so several applications or environments can
     * share a bucket: {@code prefix("prod/")} stores key {@code backups/x} as {@code prod/backups/x}. Keys in
     * {@link #list}, {@link #stat} and {@link ObjectInfo} are given without it. (default: none)
     *
     * @param prefix empty, or {@code /}-separated segments ending with {@code /}
     */
    public S3Store prefix(String prefix) {
        Objects.requireNonNull(prefix, "null prefix");
        if (!prefix.isEmpty()) {
            boolean valid = prefix.endsWith("/");
            if (valid) {
                for (String segment : prefix.substring(0, prefix.length() - 1).split("/", -1)) {
                    valid &= PREFIX_SEGMENT.matcher(segment).matches();
                }
            }
            if (!valid) {
                throw new IllegalArgumentException("prefix must be empty or segments of letters, digits, '.', '_', '-'"
                        + " each followed by '/' (e.g. \"prod/\"), but was \"" + prefix + "\"");
            }
        }
        return with(settings.withPrefix(prefix));
    }

    /**
     * The AWS region of the bucket, e.g. {@code eu-west-1}. (default: the SDK's region chain, i.e. the
     * {@code AWS_REGION} environment variable, {@code ~/.aws/config}, instance metadata; {@code us-east-1} when
     * an {@link #endpoint(URI) endpoint} is set)
     */
    public S3Store region(String region) {
        Objects.requireNonNull(region, "null region");
        if (!region.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("region must be a region name like eu-west-1, but was \"" + region + "\"");
        }
        return with(settings.withRegion(region));
    }

    /**
     * The endpoint of an S3-compatible service, e.g. {@code https://s3.eu-central-003.backblazeb2.com} or
     * {@code http://127.0.0.1:9000}: {@code https}, or plain {@code http} on a loopback address only (see
     * {@link #insecureEndpoint(URI)}). Usually combined with {@link #pathStyle(boolean) pathStyle(true)}.
     * (default: the AWS endpoint of the region)
     */
    public S3Store endpoint(URI endpoint) {
        checkEndpoint(endpoint);
        if ("http".equals(endpoint.getScheme()) && !isLoopback(endpoint.getHost())) {
            throw new IllegalArgumentException("endpoint must be https, or http on a loopback address; for plain http"
                    + " to another host use insecureEndpoint(...), but was \"" + S3Settings.redact(endpoint.toString()) + "\"");
        }
        return with(settings.withEndpoint(endpoint));
    }

    /**
     * Like {@link #endpoint(URI)}, but also accepts plain {@code http://} to any host, e.g. a MinIO on a
     * trusted private network. Object content and metadata then travel unencrypted (requests are still
     * signed; the secret key itself is never sent). Prefer TLS. (default: no endpoint, AWS over https)
     */
    public S3Store insecureEndpoint(URI endpoint) {
        checkEndpoint(endpoint);
        return with(settings.withEndpoint(endpoint));
    }

    /** {@code localhost} or a loopback IP literal; never a name that merely starts like one ({@code 127.0.0.1.example}). */
    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }

    private static void checkEndpoint(URI endpoint) {
        Objects.requireNonNull(endpoint, "null endpoint");
        String scheme = endpoint.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http or https URI with a host, but was \""
                    + S3Settings.redact(endpoint.toString()) + "\"");
        }
        if (endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException("endpoint must not contain credentials; use credentials(...), but was \""
                    + endpoint.getScheme() + "://***@" + endpoint.getHost() + "\"");
        }
        if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("endpoint must have no query or fragment, but was \""
                    + S3Settings.redact(endpoint.toString()) + "\"");
        }
    }

    /**
     * Whether to address the bucket in the path ({@code https://host/bucket/key}) instead of the host name
     * ({@code https://bucket.host/key}). Most self-hosted services (MinIO, Ceph, S3Proxy) need {@code true}.
     * (default: false)
     */
    public S3Store pathStyle(boolean pathStyle) {
        return with(settings.withPathStyle(pathStyle));
    }

    /**
     * Explicit credentials. The secret is handed to the SDK only and never printed. (default: the SDK's
     * default credentials chain: {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, system properties,
     * web identity, {@code ~/.aws/credentials} profiles, container and instance roles)
     *
     * @param accessKeyId the access key id (not secret; named in error messages)
     * @param secretAccessKey the secret access key
     */
    public S3Store credentials(String accessKeyId, Secret secretAccessKey) {
        Objects.requireNonNull(accessKeyId, "null accessKeyId");
        Objects.requireNonNull(secretAccessKey, "null secretAccessKey");
        if (accessKeyId.isBlank()) {
            throw new IllegalArgumentException("accessKeyId must be non-blank, but was \"" + accessKeyId + "\"");
        }
        if (secretAccessKey.isEmpty()) {
            throw new IllegalArgumentException("secretAccessKey must be non-empty, but was empty");
        }
        return with(settings.withCredentials(accessKeyId, secretAccessKey));
    }

    /**
     * The storage class of new objects, e.g. {@code STANDARD_IA}, {@code GLACIER_IR} or a provider-specific
     * one; passed through as is. Mind the minimum storage duration of infrequent-access classes when
     * retention deletes backups early. (default: the bucket's default, usually {@code STANDARD})
     */
    public S3Store storageClass(String storageClass) {
        Objects.requireNonNull(storageClass, "null storageClass");
        if (!storageClass.matches("[A-Z0-9_]+")) {
            throw new IllegalArgumentException("storageClass must be an S3 storage class like STANDARD_IA, but was \""
                    + storageClass + "\"");
        }
        return with(settings.withStorageClass(storageClass));
    }

    /**
     * When checksums are added to uploads and checked on downloads; use {@link ChecksumMode#WHEN_REQUIRED}
     * for S3-compatible services that reject the SDK's checksum headers. (default:
     * {@link ChecksumMode#WHEN_SUPPORTED})
     */
    public S3Store checksumMode(ChecksumMode mode) {
        return with(settings.withChecksumMode(Objects.requireNonNull(mode, "null mode")));
    }

    /**
     * The size of the first 1,000 parts of a multipart upload, in bytes; objects up to this size are stored
     * with a single PutObject. It bounds memory: each write holds at most {@code parallelParts + 1} part
     * buffers. After every 1,000 parts the part size doubles (up to S3's 5 GiB maximum), so an object of
     * unknown length always fits S3's 10,000-part limit (5 TiB, S3's largest object: from the smallest part
     * sizes the last 1,000 parts are a little larger than doubling alone makes them).
     * (default: 8 MiB)
     *
     * @param bytes from 5 MiB (S3's minimum part size) to 5 GiB
     */
    public S3Store partSize(long bytes) {
        if (bytes < S3Settings.MIN_PART_SIZE || bytes > S3Settings.MAX_PART_SIZE) {
            throw new IllegalArgumentException("partSize must be between 5 MiB (5242880) and 5 GiB (5368709120) bytes,"
                    + " but was " + bytes);
        }
        return with(settings.withPartSize(bytes));
    }

    /**
     * How many parts of one write upload at the same time. (default: 4)
     *
     * @param parts from 1 to 64
     */
    public S3Store parallelParts(int parts) {
        if (parts < 1 || parts > 64) {
            throw new IllegalArgumentException("parallelParts must be between 1 and 64, but was " + parts);
        }
        return with(settings.withParallelParts(parts));
    }

    /**
     * Gives every object written an S3 Object Lock retention: {@code mode} until now + {@code retention}.
     * The bucket must have Object Lock enabled (which requires versioning). Uploads then always carry an
     * integrity header, as S3 requires for locked uploads: a CRC32 checksum with
     * {@link ChecksumMode#WHEN_SUPPORTED}, {@code Content-MD5} with {@link ChecksumMode#WHEN_REQUIRED}. For
     * a multipart upload the lock is set when the upload is created and applies to the completed object.
     * (default: no retention, the bucket's default retention applies if it has one)
     *
     * @param mode GOVERNANCE or COMPLIANCE
     * @param retention how long each object stays locked, at least one second
     */
    public S3Store objectLock(ObjectLockMode mode, Duration retention) {
        Objects.requireNonNull(mode, "null mode");
        Objects.requireNonNull(retention, "null retention");
        if (retention.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("retention must be at least 1 second, but was " + retention);
        }
        return with(settings.withObjectLock(mode, retention));
    }

    /**
     * How often each request is tried on transient errors, and the backoff before the second attempt (it
     * doubles per attempt, up to 20 s, jittered by ±50 %). (default: 8 attempts, 250 ms)
     *
     * @param attempts from 1 (no retry) to 100
     * @param firstBackoff from 0 to 1 minute
     */
    public S3Store retry(int attempts, Duration firstBackoff) {
        Objects.requireNonNull(firstBackoff, "null firstBackoff");
        if (attempts < 1 || attempts > 100) {
            throw new IllegalArgumentException("attempts must be between 1 and 100, but was " + attempts);
        }
        if (firstBackoff.isNegative() || firstBackoff.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("firstBackoff must be between 0 and 1 minute, but was " + firstBackoff);
        }
        return with(settings.withRetry(attempts, firstBackoff));
    }

    /**
     * The connect timeout and the socket read timeout of each HTTP request (a stalled transfer fails after
     * this long without a byte, and is retried). An upload attempt (a part, a whole small object) is also given at
     * most this plus its size at 32 KiB/s, so a service that stops reading a request body cannot hold a backup
     * forever. (default: 60 seconds)
     *
     * @param timeout from 1 second to 1 hour
     */
    public S3Store timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "null timeout");
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("timeout must be between 1 second and 1 hour, but was " + timeout);
        }
        return with(settings.withTimeout(timeout));
    }

    /**
     * Uses this SDK client instead of building one (an escape hatch for settings this class does not offer:
     * proxies, custom TLS, STS, another HTTP client). The client's own region, endpoint, credentials, checksum
     * and retry settings then apply, and {@link #region}, {@link #endpoint}, {@link #pathStyle},
     * {@link #credentials}, {@link #checksumMode} and {@link #timeout} are ignored except in
     * {@link #describe()}; {@link #checksumMode} still decides which checksum headers writes add. The store
     * does not close a client it was given. (default: a client built from this store's settings)
     */
    public S3Store client(S3Client client) {
        return with(settings.withClient(Objects.requireNonNull(client, "null client")));
    }

    private S3Store with(S3Settings s) {
        return new S3Store(s);
    }

    /** {@code s3://bucket/prefix}, plus the endpoint when it is not AWS; never credentials. */
    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public ObjectWriter write(String key, WriteOption... options) throws IOException {
        return backend().write(key, options);
    }

    @Override
    public <T> T read(String key, Reader<T> reader) throws IOException {
        return backend().read(key, reader);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return backend().stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return backend().list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        backend().delete(key);
    }

    /**
     * Aborts the multipart uploads under this store's prefix that were started more than {@code olderThan}
     * ago: the debris of writers that crashed or were killed before they could abort. Run it at startup or on
     * a schedule, with an age well above the longest backup (a day is a good choice), so uploads still in
     * progress are left alone.
     *
     * @param olderThan the minimum age of an upload to abort, zero or more
     * @return the uploads aborted and confirmed gone
     */
    /** Aborts incomplete multipart uploads under the prefix older than {@code olderThan} (see {@link #abortIncompleteUploads}). */
    @Override
    public void cleanUpIncompleteWrites(Duration olderThan) throws IOException {
        abortIncompleteUploads(olderThan);
    }

    public List<IncompleteUpload> abortIncompleteUploads(Duration olderThan) throws IOException {
        Objects.requireNonNull(olderThan, "null olderThan");
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan must be zero or more, but was " + olderThan);
        }
        return backend().abortIncompleteUploads(olderThan);
    }

    /** Closes the SDK client this store created (not one given with {@link #client(S3Client)}). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (backend != null) {
                backend.close();
                backend = null;
            }
        }
    }

    private S3Backend backend() {
        S3Backend b = backend;
        if (b != null) {
            return b;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed");
            }
            if (backend == null) {
                backend = new S3Backend(settings);
            }
            return backend;
        }
    }
}
