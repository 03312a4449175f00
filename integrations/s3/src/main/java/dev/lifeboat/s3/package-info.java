/**
 * An S3 store for Lifeboat: {@link dev.lifeboat.s3.S3Store} keeps backups in Amazon S3 or an S3-compatible
 * service (MinIO, Ceph RGW, Cloudflare R2, Backblaze B2, Wasabi). See {@code docs/s3.md}.
 */
package dev.lifeboat.s3;
