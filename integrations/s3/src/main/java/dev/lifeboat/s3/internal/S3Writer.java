package dev.lifeboat.s3.internal;

import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.s3.ChecksumMode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One atomic write to S3, of unknown length.
 *
 * <p>The stream fills a part buffer. If {@link #commit()} comes while the first buffer is not yet overflowing,
 * the object is one PutObject. Otherwise a multipart upload starts and each full buffer becomes a part,
 * uploaded on a pool of {@code parallelParts} threads while the producer fills the next buffer. At most
 * {@code parallelParts + 1} buffers exist (they are reused), so the producer blocks when uploads fall behind:
 * memory stays at most {@code (parallelParts + 1) × part size}; once parts have grown (after 1,000 of them),
 * fewer buffers are kept ({@link S3Settings#buffersFor}). Each part is retried from its own buffer.
 *
 * <p>Every failure path (a part failing for good, the producer's exception or interruption, abort, close
 * without commit) aborts the multipart upload, retries the abort, and confirms with ListParts that it is gone.
 *
 * <p>Not thread-safe, like an OutputStream, except that {@link #abort()} may be called from another thread.
 */
final class S3Writer implements ObjectWriter {
    private static final System.Logger LOG = System.getLogger("dev.lifeboat.s3");
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final String OCTET_STREAM = "application/octet-stream";

    private enum State { OPEN, COMMITTED, ABORTED }

    private final S3Backend s3;
    private final S3Settings settings;
    private final String key;
    private final String objectKey;
    private final String location;
    private final boolean ifAbsent;
    private final OutputStream stream = new PartStream();
    private final LinkedBlockingQueue<PartBuffer> free = new LinkedBlockingQueue<>();
    private final AtomicReference<StoreException> partFailure = new AtomicReference<>();
    private final List<Future<CompletedPart>> parts = new ArrayList<>();

    private volatile State state = State.OPEN;
    /** Set by abort (any thread) and by a failing part: uploads stop retrying, the producer stops waiting. */
    private volatile boolean stopping;

    // owned by the producer (under this writer's monitor)
    private PartBuffer current;
    private int buffers;
    private long written;
    private int nextPart = 1;
    private String uploadId;
    private Instant uploadCreated;
    private ExecutorService pool;

    S3Writer(S3Backend s3, String key, String objectKey, boolean ifAbsent) {
        this.s3 = s3;
        this.settings = s3.settings();
        this.key = key;
        this.objectKey = objectKey;
        this.location = s3.location(objectKey);
        this.ifAbsent = ifAbsent;
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    // ---------------------------------------------------------------- producer side

    private synchronized void append(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        try {
            while (len > 0) {
                if (current == null) {
                    current = takeBuffer(nextPart);
                }
                if (current.isFull()) {
                    dispatch();
                    continue;
                }
                int n = current.write(b, off, len);
                off += n;
                len -= n;
                written += n;
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (IOException | RuntimeException | Error e) {
            if (Errors.isInterruption(e) || Thread.currentThread().isInterrupted()) {
                throw interrupted(e);
            }
            failAndAbort();
            throw e;
        }
    }

    private void ensureOpen() throws IOException {
        if (state != State.OPEN || stopping && partFailure.get() == null) {
            throw new IOException("the write of " + key + " to " + s3.describe() + " was "
                    + (state == State.COMMITTED ? "committed" : "aborted"));
        }
        StoreException failed = partFailure.get();
        if (failed != null) {
            failAndAbort();
            throw failed;
        }
    }

    /**
     * A free buffer for part {@code partNumber}: a new one while fewer than {@link S3Settings#buffersFor} exist,
     * else one a finished part released. When parts have grown, a released buffer beyond that count is dropped,
     * so memory stays at the larger of the first parts' budget and two of the current parts.
     */
    private PartBuffer takeBuffer(int partNumber) throws InterruptedException, IOException {
        long capacity = settings.partSizeFor(partNumber);
        int allowed = settings.buffersFor(partNumber);
        while (true) {
            PartBuffer b = free.poll();
            if (b == null && buffers < allowed) {
                buffers++;
                return new PartBuffer(capacity);
            }
            if (b == null) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                ensureOpen();
                b = free.poll(50, TimeUnit.MILLISECONDS);
                if (b == null) {
                    continue;
                }
            }
            if (buffers > allowed) {
                b.release();
                buffers--;
                continue;
            }
            b.reset(capacity);
            return b;
        }
    }

    /** Sends the full current buffer as the next part (starting the multipart upload first if needed). */
    private void dispatch() throws InterruptedException, IOException {
        if (uploadId == null) {
            createUpload();
        }
        if (nextPart > S3Settings.MAX_PARTS) {
            throw new StoreException("cannot store " + key + " in " + s3.describe() + ": it needs more than "
                    + S3Settings.MAX_PARTS + " parts; configure a larger partSize", false, null);
        }
        PartBuffer buffer = current;
        int partNumber = nextPart++;
        current = null;
        parts.add(pool.submit(() -> uploadPart(partNumber, buffer)));
        current = takeBuffer(nextPart);
    }

    private void createUpload() {
        CreateMultipartUploadRequest.Builder r = CreateMultipartUploadRequest.builder()
                .bucket(settings.bucket()).key(objectKey).contentType(OCTET_STREAM);
        if (settings.storageClass() != null) {
            r.storageClass(settings.storageClass());
        }
        if (settings.lockMode() != null) {
            r.objectLockMode(settings.lockMode().name()).objectLockRetainUntilDate(retainUntil());
        }
        if (settings.checksumMode() == ChecksumMode.WHEN_SUPPORTED) {
            r.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        CreateMultipartUploadRequest request = r.build();
        int[] attempts = new int[1];
        CreateMultipartUploadResponse response = s3.retry().call("start multipart upload of", location, a -> {
            attempts[0] = a;
            return s3.client().createMultipartUpload(request);
        });
        uploadId = response.uploadId();
        s3.uploadStarted(uploadId);
        if (attempts[0] > 1) {
            // an earlier attempt may have started an upload whose answer was lost: nobody else would abort it
            s3.abortOtherUploadsOf(objectKey, uploadId);
        }
        uploadCreated = response.sdkHttpResponse().firstMatchingHeader("Date").map(S3Writer::httpDate).orElse(null);
        ThreadPoolExecutor threads = new ThreadPoolExecutor(settings.parallelParts(), settings.parallelParts(),
                30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemonThreads());
        threads.allowCoreThreadTimeOut(true); // a writer abandoned without commit or abort keeps no threads
        pool = threads;
        LOG.log(System.Logger.Level.DEBUG, () -> "started multipart upload " + uploadId + " of " + location);
    }

    private CompletedPart uploadPart(int partNumber, PartBuffer buffer) {
        try {
            UploadPartRequest.Builder r = UploadPartRequest.builder().bucket(settings.bucket()).key(objectKey)
                    .uploadId(uploadId).partNumber(partNumber).contentLength(buffer.size())
                    .overrideConfiguration(o -> o.apiCallAttemptTimeout(attemptTimeout(buffer.size())));
            if (settings.checksumMode() == ChecksumMode.WHEN_SUPPORTED) {
                // the value given spares the SDK an aws-chunked trailer; the algorithm header is what Object Lock
                // requires (with Content-MD5 as the alternative)
                r.checksumAlgorithm(ChecksumAlgorithm.CRC32).checksumCRC32(buffer.crc32Base64());
            } else {
                // Content-MD5, which every S3 service takes, also where Object Lock is the bucket's default
                // retention rather than set here: S3 then refuses a write that carries no integrity header
                r.contentMD5(buffer.md5Base64());
            }
            UploadPartRequest request = r.build();
            UploadPartResponse response = s3.retry().call("upload part " + partNumber + " of", location,
                    () -> stopping, a -> withBody(() -> s3.client().uploadPart(request,
                            RequestBody.fromContentProvider(buffer, buffer.size(), OCTET_STREAM))));
            return CompletedPart.builder().partNumber(partNumber).eTag(response.eTag())
                    .checksumCRC32(response.checksumCRC32()).build();
        } catch (RuntimeException e) {
            StoreException failure = Errors.map("upload part " + partNumber + " of", location, e, settings.accessKeyId());
            if (!stopping) {
                partFailure.compareAndSet(null, failure);
            }
            stopping = true;
            throw failure;
        } finally {
            free.add(buffer);
        }
    }

    // ---------------------------------------------------------------- commit

    @Override
    public synchronized ObjectInfo commit() throws IOException {
        if (state != State.OPEN) {
            throw new IllegalStateException("the write of " + key + " already finished (" + state.name().toLowerCase()
                    + ")");
        }
        ensureOpen();
        try {
            if (uploadId == null) {
                putObject();
            } else {
                if (current != null && current.size() > 0) {
                    dispatch();
                }
                List<CompletedPart> completed = awaitParts();
                ensureOpen(); // abort() from another thread while the parts finished: nothing may be published
                completeUpload(completed);
            }
            ObjectInfo info = verifyStored();
            state = State.COMMITTED;
            release();
            return info;
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (IOException | RuntimeException | Error e) {
            if (Errors.isInterruption(e) || Thread.currentThread().isInterrupted()) {
                throw interrupted(e);
            }
            failAndAbort();
            throw e;
        }
    }

    private void putObject() {
        PartBuffer content = current;
        long size = content == null ? 0 : content.size();
        boolean conditional = ifAbsent && !s3.conditionalWritesUnsupported();
        if (ifAbsent && !conditional) {
            checkAbsent();
        }
        PutObjectRequest request = putRequest(size, content, conditional);
        RequestBody body = size == 0 ? RequestBody.empty() : RequestBody.fromContentProvider(content, size, OCTET_STREAM);
        try {
            s3.retry().call("store", location, attempt -> {
                try {
                    return withBody(() -> s3.client().putObject(request, body));
                } catch (RuntimeException e) {
                    // an earlier attempt (ours, or the SDK's own retry with a caller's client) may have stored the
                    // object although its response was lost: the conditional put then meets our own object (412)
                    if (Errors.status(e) == 412 && putEarlier(content)) {
                        return null;
                    }
                    throw e;
                }
            });
        } catch (StoreException e) {
            if (conditional && isConditionUnsupported(e)) {
                s3.markConditionalWritesUnsupported();
                checkAbsent();
                PutObjectRequest plain = putRequest(size, content, false);
                s3.retry().call("store", location, a -> withBody(() -> s3.client().putObject(plain, body)));
                return;
            }
            throw conditionFailed(e) ? s3.alreadyExists(key, e) : e;
        }
    }

    private PutObjectRequest putRequest(long size, PartBuffer content, boolean conditional) {
        PutObjectRequest.Builder r = PutObjectRequest.builder().bucket(settings.bucket()).key(objectKey)
                .contentLength(size).contentType(OCTET_STREAM)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(attemptTimeout(size)));
        if (settings.storageClass() != null) {
            r.storageClass(settings.storageClass());
        }
        if (settings.lockMode() != null) {
            r.objectLockMode(settings.lockMode().name()).objectLockRetainUntilDate(retainUntil());
        }
        PartBuffer body = content == null ? new PartBuffer(0) : content;
        if (settings.checksumMode() == ChecksumMode.WHEN_SUPPORTED) {
            r.checksumAlgorithm(ChecksumAlgorithm.CRC32).checksumCRC32(body.crc32Base64());
        } else {
            r.contentMD5(body.md5Base64()); // as for a part: a bucket's default retention requires an integrity header
        }
        if (conditional) {
            r.ifNoneMatch("*");
        }
        return r.build();
    }

    /**
     * Waits for every part. A part that fails for good, or an {@link #abort()} from another thread, ends the wait at
     * once (within 50 ms): the parts still being sent are then cut short by the abort, not waited for.
     */
    private List<CompletedPart> awaitParts() throws InterruptedException, IOException {
        List<CompletedPart> done = new ArrayList<>(parts.size());
        for (Future<CompletedPart> f : parts) {
            while (true) {
                // stopping first: a part sets its failure before it sets stopping, so a part's real failure is seen
                boolean stopped = stopping;
                StoreException failed = partFailure.get();
                if (failed != null) {
                    throw failed;
                }
                if (stopped) {
                    throw new IOException("the write of " + key + " to " + s3.describe() + " was aborted");
                }
                try {
                    done.add(f.get(50, TimeUnit.MILLISECONDS));
                    break;
                } catch (TimeoutException e) {
                    // still being sent: look again for a failure elsewhere
                } catch (ExecutionException e) {
                    StoreException failure = partFailure.get();
                    throw failure != null ? failure : Errors.map("upload a part of", location, e.getCause(),
                            settings.accessKeyId());
                }
            }
        }
        done.sort(Comparator.comparing(CompletedPart::partNumber));
        return done;
    }

    private void completeUpload(List<CompletedPart> completed) {
        boolean conditional = ifAbsent && !s3.conditionalWritesUnsupported();
        if (ifAbsent && !conditional) {
            checkAbsent();
        }
        try {
            complete(completed, conditional);
        } catch (StoreException e) {
            if (conditional && isConditionUnsupported(e)) {
                s3.markConditionalWritesUnsupported();
                checkAbsent();
                complete(completed, false);
                return;
            }
            throw conditionFailed(e) ? s3.alreadyExists(key, e) : e;
        }
    }

    private void complete(List<CompletedPart> completed, boolean conditional) {
        CompleteMultipartUploadRequest.Builder r = CompleteMultipartUploadRequest.builder()
                .bucket(settings.bucket()).key(objectKey).uploadId(uploadId)
                .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build());
        if (conditional) {
            r.ifNoneMatch("*");
        }
        CompleteMultipartUploadRequest request = r.build();
        s3.retry().call("complete multipart upload of", location, attempt -> {
            try {
                CompleteMultipartUploadResponse response = s3.client().completeMultipartUpload(request);
                return response;
            } catch (RuntimeException e) {
                // an earlier attempt (ours, or the SDK's own retry with a caller's client) may have completed the
                // upload although its response was lost: the upload is then gone (NoSuchUpload) or, for a
                // conditional write, the key exists (412) — with our bytes
                if ((S3Backend.isNoSuchUpload(e) || Errors.status(e) == 412) && completedEarlier(completed)) {
                    return null;
                }
                throw e;
            }
        });
    }

    /**
     * Runs a request with a body. When it fails without an HTTP answer (a broken pipe: some services refuse a
     * request, e.g. for bad credentials, and close the connection while the body is still being sent, so the
     * refusal is lost), asks the service a bodiless question about the same key: if that is refused for the
     * credentials themselves or a missing bucket, the refusal is the real, permanent error, and retrying the upload
     * is pointless. A plain AccessDenied is not such an answer: a writer allowed to put but not to list (a
     * write-only key) gets it for the question alone, and its upload failed for another reason, which is retried.
     */
    private <T> T withBody(java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (SdkClientException e) {
            if (Errors.isInterruption(e) || stopping && Thread.currentThread().isInterrupted()) {
                throw e;
            }
            AwsServiceException refusal = probe();
            if (refusal != null) {
                refusal.addSuppressed(e);
                throw refusal;
            }
            throw e;
        }
    }

    private static final java.util.Set<String> CREDENTIAL_OR_BUCKET_REFUSALS = java.util.Set.of("InvalidAccessKeyId",
            "SignatureDoesNotMatch", "InvalidToken", "InvalidSecurity", "AccountProblem", "AllAccessDisabled",
            "NoSuchBucket");

    private AwsServiceException probe() {
        try {
            // a listing of the key itself: allowed for a writer limited to its prefix, and unlike a HEAD its
            // error answers have a body, so a missing bucket says NoSuchBucket instead of a bare 404
            s3.client().listObjectsV2(r -> r.bucket(settings.bucket()).prefix(objectKey).maxKeys(1));
            return null;
        } catch (AwsServiceException e) {
            return CREDENTIAL_OR_BUCKET_REFUSALS.contains(String.valueOf(Errors.code(e))) ? e : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The fallback without conditional writes: check just before the write (not atomic against a racer). */
    private void checkAbsent() {
        if (s3.head(objectKey, "check").isPresent()) {
            throw s3.alreadyExists(key, null);
        }
    }

    /**
     * Whether the object holds our parts: our size, and the S3 multipart ETag computed from our parts' ETags
     * (the MD5 of their MD5s, then the part count). Services whose part ETags are not MD5s (SSE-KMS, some
     * compatibles) get a weaker check: our size, written after our upload started, by the service's clock.
     */
    private boolean completedEarlier(List<CompletedPart> completed) {
        Optional<HeadObjectResponse> h = s3.head(objectKey, "check");
        if (h.isEmpty() || h.get().contentLength() != written) {
            return false;
        }
        String expected = multipartETag(completed);
        if (expected != null && h.get().eTag() != null) {
            return h.get().eTag().replace("\"", "").equalsIgnoreCase(expected);
        }
        return uploadCreated != null && h.get().lastModified() != null
                && !h.get().lastModified().isBefore(uploadCreated.truncatedTo(ChronoUnit.SECONDS));
    }

    private static String multipartETag(List<CompletedPart> completed) {
        try {
            java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
            for (CompletedPart p : completed) {
                String tag = p.eTag() == null ? "" : p.eTag().replace("\"", "");
                if (!tag.matches("[0-9a-fA-F]{32}")) {
                    return null;
                }
                md5.update(java.util.HexFormat.of().parseHex(tag));
            }
            return java.util.HexFormat.of().formatHex(md5.digest()) + "-" + completed.size();
        } catch (java.security.NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** Whether the object holds exactly our bytes: our size, and an ETag that is the MD5 of our content. */
    private boolean putEarlier(PartBuffer content) {
        Optional<HeadObjectResponse> h = s3.head(objectKey, "check");
        if (h.isEmpty() || h.get().contentLength() != written || h.get().eTag() == null) {
            return false;
        }
        String md5 = java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(
                content == null ? new PartBuffer(0).md5Base64() : content.md5Base64()));
        return h.get().eTag().replace("\"", "").equalsIgnoreCase(md5);
    }

    /** Reads back size and time of what was stored: a completed write must be visible with every byte. */
    private ObjectInfo verifyStored() {
        Optional<HeadObjectResponse> h;
        try {
            h = s3.head(objectKey, "check");
        } catch (StoreException e) {
            if (e.isTransient()) {
                // stored, but the service is flaky right now: report the write as done
                LOG.log(System.Logger.Level.DEBUG, () -> "cannot read back " + location + ": " + e.getMessage());
                return new ObjectInfo(key, written, Instant.now());
            }
            throw e;
        }
        if (h.isEmpty()) {
            throw new StoreException("stored " + key + " in " + s3.describe() + " but it is not there when read back;"
                    + " the service reported success for a write that did not happen", true, null);
        }
        long size = h.get().contentLength();
        if (size != written) {
            throw new StoreException("stored " + key + " in " + s3.describe() + " but it has " + size + " bytes where "
                    + written + " were written", false, null);
        }
        return new ObjectInfo(key, size, h.get().lastModified());
    }

    // ---------------------------------------------------------------- abort

    @Override
    public void abort() {
        stopping = true;
        synchronized (this) {
            if (state != State.OPEN) {
                return;
            }
            state = State.ABORTED;
            cleanUp();
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void failAndAbort() {
        stopping = true;
        if (state == State.OPEN) {
            state = State.ABORTED;
            cleanUp();
        }
    }

    private IOException interrupted(Throwable e) {
        failAndAbort();
        Thread.currentThread().interrupt();
        InterruptedIOException ie = new InterruptedIOException("the write of " + key + " to " + s3.describe()
                + " was interrupted; the upload was aborted");
        ie.initCause(e);
        return ie;
    }

    /** Stops the part uploads, aborts the multipart upload (confirmed) and frees the buffers. Never throws. */
    private void cleanUp() {
        boolean interrupted = Thread.interrupted();
        try {
            for (Future<CompletedPart> f : parts) {
                f.cancel(true);
            }
            if (pool != null) {
                pool.shutdownNow();
                try {
                    // let in-flight parts finish or fail, so none lands after the abort
                    if (!pool.awaitTermination(settings.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                        LOG.log(System.Logger.Level.WARNING, "part uploads of " + location + " did not stop in time");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (uploadId != null) {
                String id = uploadId;
                s3.abortUpload(objectKey, id);
                LOG.log(System.Logger.Level.DEBUG, () -> "aborted multipart upload " + id + " of " + location);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cleaning up the failed write of " + location + " failed", e);
        } finally {
            release();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void release() {
        if (uploadId != null) {
            s3.uploadEnded(uploadId);
        }
        if (pool != null) {
            pool.shutdown();
        }
        current = null;
        free.clear();
    }

    // ---------------------------------------------------------------- helpers

    /**
     * How long one attempt to send {@code bytes} may take before it is abandoned (and retried like a timeout): the
     * socket timeout covers reads only, so a service that stops reading a request body (a zero TCP window) would
     * otherwise hold a part's thread, its buffer and the commit forever. Allows for links down to
     * {@link #minBytesPerSecond}, on top of the store's timeout.
     */
    private Duration attemptTimeout(long bytes) {
        return settings.timeout().plusMillis(bytes * 1000 / minBytesPerSecond);
    }

    /** The slowest upload an attempt is given time for: 32 KiB/s (an 8 MiB part, the default: 4.3 minutes). Tests raise it. */
    static volatile long minBytesPerSecond = 32 * 1024;

    private Instant retainUntil() {
        return Instant.now().plus(settings.lockRetention()).truncatedTo(ChronoUnit.SECONDS);
    }

    private static boolean isConditionUnsupported(StoreException e) {
        return Errors.status(e.getCause()) == 501 || "NotImplemented".equals(Errors.code(e.getCause()));
    }

    private static boolean conditionFailed(StoreException e) {
        return Errors.status(e.getCause()) == 412 || "PreconditionFailed".equals(Errors.code(e.getCause()));
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "lifeboat-s3-upload-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The writer's stream: buffers into parts; close() does nothing (commit or abort the writer). */
    private final class PartStream extends OutputStream {
        private final byte[] one = new byte[1];

        @Override
        public void write(int b) throws IOException {
            one[0] = (byte) b;
            append(one, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            append(b, off, len);
        }

        @Override
        public void flush() {
            // parts go out when full; commit sends the rest
        }

        @Override
        public void close() {
            // the writer decides: commit() or abort()
        }
    }
}
