package dev.lifeboat.s3.internal;

import dev.lifeboat.api.StoreException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * Retries one S3 request on transient failures with exponential, jittered backoff. The request must be
 * repeatable (its body is an in-memory buffer). Permanent failures, interruption and cancellation end it at
 * once.
 */
public final class Retry {
    private static final System.Logger LOG = System.getLogger("dev.lifeboat.s3");
    private static final long MAX_BACKOFF_MILLIS = 20_000;

    private final int maxAttempts;
    private final long firstBackoffMillis;
    private final String accessKeyId;

    public Retry(int maxAttempts, Duration firstBackoff, String accessKeyId) {
        this.maxAttempts = maxAttempts;
        this.firstBackoffMillis = firstBackoff.toMillis();
        this.accessKeyId = accessKeyId;
    }

    /** One attempt of a request. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run(int attempt) throws Exception;
    }

    /** Runs {@code op} until it succeeds, fails permanently or runs out of attempts. */
    public <T> T call(String action, String location, Attempt<T> op) {
        return call(action, location, () -> false, op);
    }

    /**
     * Like {@link #call(String, String, Attempt)}, but stops retrying once {@code cancelled} returns true.
     */
    public <T> T call(String action, String location, BooleanSupplier cancelled, Attempt<T> op) {
        for (int attempt = 1; ; attempt++) {
            try {
                return op.run(attempt);
            } catch (Exception e) {
                StoreException failure = Errors.map(action, location, e, accessKeyId);
                if (Errors.isInterruption(e)) {
                    Thread.currentThread().interrupt(); // the SDK clears the flag when it notices it
                }
                if (!failure.isTransient() || attempt >= maxAttempts || cancelled.getAsBoolean()
                        || Errors.isInterruption(e) || Thread.currentThread().isInterrupted()) {
                    throw failure;
                }
                long backoff = backoffMillis(attempt);
                int failed = attempt;
                LOG.log(System.Logger.Level.DEBUG, () -> "attempt " + failed + "/" + maxAttempts + " failed, retrying in "
                        + backoff + " ms: " + failure.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    StoreException interrupted = new StoreException(action + " " + location
                            + " was interrupted while waiting to retry", false, ie);
                    interrupted.addSuppressed(failure);
                    throw interrupted;
                }
                if (cancelled.getAsBoolean()) {
                    throw failure; // cancelled while it slept (another part failed for good): no further attempt
                }
            }
        }
    }

    /** Full jitter around an exponential curve: uniformly in [d/2, 3d/2) with d = first × 2^(attempt-1). */
    long backoffMillis(int attempt) {
        long d = firstBackoffMillis << Math.min(attempt - 1, 20);
        d = Math.min(d, MAX_BACKOFF_MILLIS);
        if (d <= 0) {
            return 0;
        }
        return d / 2 + ThreadLocalRandom.current().nextLong(d);
    }
}
