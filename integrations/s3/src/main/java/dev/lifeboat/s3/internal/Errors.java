package dev.lifeboat.s3.internal;

import dev.lifeboat.api.StoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns AWS SDK failures into {@link StoreException}s: classified transient or permanent, naming the action,
 * the {@code s3://bucket/key}, the HTTP status and the S3 error code. Never a credential: at most the access
 * key id, which is an identifier, not a secret.
 */
public final class Errors {
    /**
     * Error codes worth retrying whatever their HTTP status (S3 sends some as 400, or inside a 200). ExpiredToken
     * too: temporary credentials (an instance or container role, SSO, STS) can expire between signing and arrival,
     * and the SDK's provider hands out renewed ones for the next attempt; static credentials fail the retries fast.
     */
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed",
            "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequests", "OperationAborted",
            "ConditionalRequestConflict", "IncompleteBody", "ExpiredToken");
    /** Error codes that are never worth retrying whatever their HTTP status. */
    private static final Set<String> PERMANENT_CODES = Set.of(
            "BadDigest", "InvalidDigest", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
            "NoSuchBucket", "NoSuchKey", "NoSuchUpload", "EntityTooLarge", "EntityTooSmall", "InvalidPart",
            "InvalidPartOrder", "PreconditionFailed", "NotImplemented", "InvalidRequest", "InvalidArgument",
            "InvalidBucketName", "AllAccessDisabled", "AccountProblem", "InvalidToken");
    private static final Set<String> CREDENTIAL_CODES = Set.of(
            "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
            "AllAccessDisabled", "AccountProblem", "Forbidden");

    private Errors() {}

    /** The HTTP status of an SDK service error, or -1. */
    public static int status(Throwable t) {
        return t instanceof AwsServiceException e ? e.statusCode() : -1;
    }

    /** The S3 error code of an SDK service error, or null. */
    public static String code(Throwable t) {
        if (t instanceof AwsServiceException e) {
            AwsErrorDetails d = e.awsErrorDetails();
            return d == null ? null : d.errorCode();
        }
        return null;
    }

    /** Whether the failure is the calling thread being interrupted (SDK calls then fail with AbortedException). */
    public static boolean isInterruption(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiCallAttemptTimeoutException || c instanceof ApiCallTimeoutException) {
                return false; // the SDK interrupts and aborts a request that ran out of time: a timeout, not a stop
            }
            if (c instanceof AbortedException || c instanceof InterruptedException
                    || c instanceof InterruptedIOException && !(c instanceof java.net.SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an S3 error with this status and code may succeed when retried. */
    public static boolean isTransient(int status, String code) {
        if (code != null && PERMANENT_CODES.contains(code)) {
            return false;
        }
        if (code != null && TRANSIENT_CODES.contains(code)) {
            return true;
        }
        return status >= 500 && status != 501 || status == 429 || status == 408;
    }

    /**
     * Maps any failure of {@code action} on {@code location} to a StoreException.
     *
     * @param accessKeyId named in credential errors, or null
     */
    public static StoreException map(String action, String location, Throwable t, String accessKeyId) {
        if (t instanceof StoreException se) {
            return se;
        }
        if (t instanceof AwsServiceException e) {
            int status = e.statusCode();
            String code = code(e);
            AwsErrorDetails d = e.awsErrorDetails();
            String text = d == null ? null : d.errorMessage();
            StringBuilder m = new StringBuilder(action).append(' ').append(location).append(" failed (HTTP ")
                    .append(status);
            if (code != null && !code.isBlank()) {
                m.append(' ').append(code);
            }
            if (text != null && !text.isBlank()) {
                m.append(": ").append(text);
            }
            m.append(')');
            if (status == 403 || code != null && CREDENTIAL_CODES.contains(code)) {
                m.append("; access was denied: check the credentials");
                if (accessKeyId != null) {
                    m.append(" (access key id ").append(accessKeyId).append(')');
                }
                m.append(" and that the bucket policy allows this action");
            } else if ("NoSuchBucket".equals(code)) {
                m.append("; the bucket does not exist");
            } else if ((status >= 400 && status < 500 || status == 501) && mentionsChecksums(code, text)) {
                m.append("; the service may not accept the AWS SDK's checksum headers: set the store's checksum mode"
                        + " to when-required (lifeboat.stores.<name>.checksum-mode=when-required,"
                        + " S3Store.checksumMode(ChecksumMode.WHEN_REQUIRED))");
            } else if (status == 501 || "NotImplemented".equals(code)) {
                m.append("; the service does not support this request");
            }
            return new StoreException(m.toString(), isTransient(status, code), e);
        }
        if (isInterruption(t)) {
            return new StoreException(action + " " + location + " was interrupted", false, t);
        }
        if (t instanceof SdkClientException || t instanceof SdkException || t instanceof IOException) {
            String untrusted = certificateProblem(t);
            if (untrusted != null) {
                // the same certificate comes back on every attempt: say so at once instead of retrying
                return new StoreException(action + " " + location + " failed: the service's TLS certificate is not"
                        + " accepted (" + untrusted + "); check the endpoint's host name, or add the CA that signed"
                        + " its certificate to the JVM's trust store (javax.net.ssl.trustStore)", false, t);
            }
            boolean trans = isNetwork(t);
            String why = firstMessage(t);
            if (!trans && why != null && why.contains("Unable to load credentials")) {
                return new StoreException(action + " " + location + " failed: no AWS credentials found; configure"
                        + " S3Store.credentials(...) or the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,"
                        + " ~/.aws/credentials, instance or container roles)", false, t);
            }
            return new StoreException(action + " " + location + " failed: " + (why == null ? t.getClass().getSimpleName() : why),
                    trans, t);
        }
        return new StoreException(action + " " + location + " failed: " + t, false, t);
    }

    /**
     * Whether a 4xx/501 answer is about the SDK's checksum headers ({@code x-amz-checksum-*},
     * {@code x-amz-sdk-checksum-algorithm}, {@code x-amz-trailer}), which several S3-compatible services reject
     * with InvalidArgument, InvalidRequest, NotImplemented or XAmzContentSHA256Mismatch.
     */
    static boolean mentionsChecksums(String code, String text) {
        if ("XAmzContentSHA256Mismatch".equals(code)) {
            return true;
        }
        String t = text == null ? "" : text.toLowerCase(java.util.Locale.ROOT);
        return t.contains("checksum") || t.contains("x-amz-trailer") || t.contains("aws-chunked");
    }

    /**
     * The message of a certificate the TLS handshake refused (not trusted, expired, issued for another host), or
     * null. Only a {@code CertificateException} under an {@code SSLHandshakeException} counts: other TLS failures (a
     * reset during the handshake, a revocation check that could not reach its server) stay network errors, worth
     * retrying.
     */
    static String certificateProblem(Throwable t) {
        boolean handshake = false;
        String refused = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLHandshakeException) {
                handshake = true;
            } else if (c instanceof java.security.cert.CertPathValidatorException v && v.getReason()
                    == java.security.cert.CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
                return null;
            } else if (handshake && refused == null && c instanceof java.security.cert.CertificateException) {
                String m = c.getMessage();
                refused = m == null || m.isBlank() ? c.getClass().getSimpleName() : m.strip();
            }
        }
        return refused;
    }

    private static boolean isNetwork(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof ApiCallTimeoutException
                    || c instanceof ApiCallAttemptTimeoutException) {
                return true;
            }
            if (c instanceof SdkClientException s && s.retryable()) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && (m.contains("Unable to execute HTTP request") || m.contains("different checksum"))) {
                return true;
            }
        }
        return false;
    }

    private static String firstMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        for (Throwable c = t; c != null && sb.length() < 400; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank() && (last == null || !last.contains(m))) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m.strip());
                last = m;
            } else if (m == null && c != t) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(c.getClass().getSimpleName());
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
