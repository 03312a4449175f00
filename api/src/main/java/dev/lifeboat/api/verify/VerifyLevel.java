package dev.lifeboat.api.verify;

/** How deeply to verify a backup. */
public enum VerifyLevel {
    /** The manifest parses and every part exists with the recorded size. Cheap: no content is read. */
    STRUCTURE,
    /** STRUCTURE, then every part is read back and re-hashed. */
    CONTENT
}
