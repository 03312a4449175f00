package dev.lifeboat.s3;

/** The S3 Object Lock retention mode given to each object written (see {@link S3Store#objectLock}). */
public enum ObjectLockMode {
    /**
     * Retention that users with {@code s3:BypassGovernanceRetention} can shorten or remove. Use it to try
     * Object Lock out before committing to {@link #COMPLIANCE}.
     */
    GOVERNANCE,
    /** Retention that nobody, not even the account root user, can shorten or remove before it expires. */
    COMPLIANCE
}
