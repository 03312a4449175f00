package dev.lifeboat.s3.internal;

import dev.lifeboat.api.Secret;
import dev.lifeboat.s3.ChecksumMode;
import dev.lifeboat.s3.ObjectLockMode;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The immutable configuration of an S3 store, as validated by {@code S3Store}'s setters.
 *
 * @param bucket the bucket
 * @param prefix the key prefix, empty or ending with {@code /}
 * @param region the region, or null for the SDK's default region chain (us-east-1 with an endpoint)
 * @param endpoint the endpoint, or null for AWS
 * @param pathStyle path-style addressing
 * @param accessKeyId explicit access key id, or null for the SDK's default credentials chain
 * @param secretAccessKey the secret of {@code accessKeyId}, or null
 * @param storageClass the storage class of new objects, or null for the bucket's default
 * @param checksumMode when checksums are computed and validated
 * @param partSize the first part size in bytes
 * @param parallelParts how many parts upload at once per writer
 * @param lockMode the Object Lock mode, or null
 * @param lockRetention the Object Lock retention, or null
 * @param maxAttempts attempts per request (1 = no retry)
 * @param firstBackoff the backoff before the second attempt (doubles, jittered)
 * @param timeout connect and socket-read timeout of each HTTP request
 * @param client a caller-owned client, or null to build one
 */
public record S3Settings(
        String bucket,
        String prefix,
        String region,
        URI endpoint,
        boolean pathStyle,
        String accessKeyId,
        Secret secretAccessKey,
        String storageClass,
        ChecksumMode checksumMode,
        long partSize,
        int parallelParts,
        ObjectLockMode lockMode,
        Duration lockRetention,
        int maxAttempts,
        Duration firstBackoff,
        Duration timeout,
        S3Client client) {

    /**
     * {@code uri} with everything between {@code ://} (or, without one, its start) and its last {@code @} replaced by
     * {@code ***}: credentials
     * typed into an endpoint are masked whole even when they hold a {@code /} or {@code #} (as AWS secret keys
     * may), which no URI parser would read as user info; and any query or fragment replaced by {@code ?***} (a
     * presigned URL pasted as the endpoint carries a signature and a session token there). Errs on masking too much.
     */
    public static String redact(String uri) {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        // without "://" (https:/key:secret@host, key:secret@host: a typo) everything before the last '@' is masked
        String s = scheme >= 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at)
                : scheme < 0 && at >= 0 ? "***" + uri.substring(at) : uri;
        int from = scheme >= 0 ? s.indexOf("://") + 3 : 0;
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '?' || s.charAt(i) == '#') {
                return s.substring(0, i) + "?***";
            }
        }
        return s;
    }

    /** S3's smallest part (all but the last). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** S3's largest part. */
    public static final long MAX_PART_SIZE = 5L * 1024 * 1024 * 1024;
    /** S3's largest object. */
    public static final long MAX_OBJECT_SIZE = 5L << 40;
    /** S3's most parts per upload. */
    public static final int MAX_PARTS = 10_000;
    /** The part size doubles after this many parts. */
    public static final int PARTS_PER_SIZE_STEP = 1_000;

    /** The AWS CLI's size too: (4 + 1) × 8 MiB = 40 MiB of buffers per write keeps a backup's peak RSS near 210 MiB. */
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    public static final int DEFAULT_PARALLEL_PARTS = 4;
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofMillis(250);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** The defaults for {@code bucket}. */
    public static S3Settings defaults(String bucket) {
        return new S3Settings(bucket, "", null, null, false, null, null, null, ChecksumMode.WHEN_SUPPORTED,
                DEFAULT_PART_SIZE, DEFAULT_PARALLEL_PARTS, null, null, DEFAULT_MAX_ATTEMPTS, DEFAULT_FIRST_BACKOFF,
                DEFAULT_TIMEOUT, null);
    }

    /**
     * The size of part {@code partNumber} (1-based): {@link #partSize()} for parts 1 to 1,000, then doubling
     * every 1,000 parts, never above 5 GiB; the last 1,000 parts are at least as large as what S3's largest object
     * (5 TiB) still needs. 10,000 parts then hold 5 TiB whatever the first part size (1023 × 1,000 × partSize
     * alone falls short below about 5.13 MiB), so an object of unknown length fits S3's 10,000-part limit.
     */
    public long partSizeFor(int partNumber) {
        int step = (partNumber - 1) / PARTS_PER_SIZE_STEP;
        long size = step >= 20 ? MAX_PART_SIZE : partSize << step;
        int lastStep = MAX_PARTS / PARTS_PER_SIZE_STEP - 1;
        if (step == lastStep) {
            long before = 0; // what parts 1 to 9,000 hold
            for (int p = 1; p <= lastStep * PARTS_PER_SIZE_STEP; p += PARTS_PER_SIZE_STEP) {
                before += PARTS_PER_SIZE_STEP * partSizeFor(p);
            }
            long needed = MAX_OBJECT_SIZE - before;
            size = Math.max(size, (needed + PARTS_PER_SIZE_STEP - 1) / PARTS_PER_SIZE_STEP);
        }
        return Math.min(size, MAX_PART_SIZE);
    }

    /**
     * How many part buffers a write may hold while it writes part {@code partNumber}: {@code parallelParts + 1}
     * while they fit the memory the first parts take ({@code (parallelParts + 1) × partSize}), fewer as the
     * parts grow, and never under 2 (one filling while one uploads).
     */
    public int buffersFor(int partNumber) {
        long fit = (parallelParts + 1L) * partSize / partSizeFor(partNumber);
        return (int) Math.max(2, Math.min(parallelParts + 1L, fit));
    }

    /** Whether credentials were given explicitly. */
    public boolean explicitCredentials() {
        return accessKeyId != null;
    }

    /** {@code s3://bucket/prefix}, with the endpoint when not AWS; never credentials. */
    public String describe() {
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " (endpoint " + endpoint + ")");
    }

    @Override
    public String toString() {
        return describe();
    }

    public S3Settings withPrefix(String v) {
        return new S3Settings(bucket, v, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withRegion(String v) {
        return new S3Settings(bucket, prefix, v, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withEndpoint(URI v) {
        return new S3Settings(bucket, prefix, region, v, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withPathStyle(boolean v) {
        return new S3Settings(bucket, prefix, region, endpoint, v, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withCredentials(String id, Secret secret) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, id, secret, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withStorageClass(String v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, v,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withChecksumMode(ChecksumMode v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                v, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withPartSize(long v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, v, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withParallelParts(int v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, v, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withObjectLock(ObjectLockMode mode, Duration retention) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, mode, retention, maxAttempts, firstBackoff, timeout, client);
    }

    public S3Settings withRetry(int attempts, Duration backoff) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, attempts, backoff, timeout, client);
    }

    public S3Settings withTimeout(Duration v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, v, client);
    }

    public S3Settings withClient(S3Client v) {
        return new S3Settings(bucket, prefix, region, endpoint, pathStyle, accessKeyId, secretAccessKey, storageClass,
                checksumMode, partSize, parallelParts, lockMode, lockRetention, maxAttempts, firstBackoff, timeout, v);
    }
}
