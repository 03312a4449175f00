package dev.lifeboat.s3;

import java.time.Instant;
import java.util.Objects;

/**
 * A multipart upload that was started but neither completed nor aborted (the debris of a crashed or killed
 * writer): invisible in listings, but billed by the provider until it is aborted.
 *
 * @param key the store key it was uploading (without the store's prefix)
 * @param uploadId the S3 upload id
 * @param initiated when the upload was started, by the service's clock
 */
public record IncompleteUpload(String key, String uploadId, Instant initiated) {
    public IncompleteUpload {
        Objects.requireNonNull(key, "null key");
        Objects.requireNonNull(uploadId, "null uploadId");
        Objects.requireNonNull(initiated, "null initiated");
    }
}
