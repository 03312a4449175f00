package dev.lifeboat.api.verify;

/** How deeply to verify a backup. */
public enum VerifyLevel {
    /** The manifest parses and every part exists with the recorded size. Cheap: no content is read. */
    STRUCTURE,
    /**
     * STRUCTURE, then every part is read back and re-hashed; encrypted parts are also decrypted and their plaintext
     * re-hashed when identities are given (without them, only the stored bytes are checked).
     */
    CONTENT
}
