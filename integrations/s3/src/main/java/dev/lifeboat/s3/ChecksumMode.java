package dev.lifeboat.s3;

/**
 * When the AWS SDK adds a checksum to uploads and validates one on downloads.
 *
 * <p>Lifeboat hashes every object itself (SHA-256 in the manifest, verified by re-reading), so transport
 * checksums are a bonus: pick the mode the service accepts.
 */
public enum ChecksumMode {
    /**
     * A CRC32 checksum on every upload (computed from the part's buffer and sent as an
     * {@code x-amz-checksum-crc32} header, never as an {@code aws-chunked} trailer) and validation of the
     * checksum on downloads where the object has one.
     * Right for Amazon S3 and current MinIO.
     */
    WHEN_SUPPORTED,
    /**
     * Checksums only where the S3 API requires them. Use it for S3-compatible services that reject the
     * SDK's checksum headers (older MinIO, Ceph RGW, Google Cloud Storage's
     * S3 API, Dell ECS, some Wasabi/B2 endpoints). A {@code Content-MD5} header, which every S3 service accepts,
     * is still sent with every upload: S3 requires an integrity header on uploads that carry a retention period,
     * including a bucket's default retention that Lifeboat does not know about.
     */
    WHEN_REQUIRED
}
