package dev.lifeboat.api.verify;

/** What verification could establish about who wrote a backup's manifest. */
public enum SignatureStatus {
    /** Signed by a trusted key: the manifest is exactly what that key's holder wrote. */
    TRUSTED,
    /**
     * Signed, and the signature verifies against the key the signature names, but no trusted key was configured: the
     * manifest was not corrupted, yet anyone could have written it. Configure a trusted verify key to know more.
     */
    UNTRUSTED,
    /** Not signed, and no trusted key was configured (signing is off): authenticity was not checked. */
    UNSIGNED,
    /**
     * Missing, broken or untrusted signature (see the {@link Finding.Type#SIGNATURE_INVALID} finding), or, where trusted
     * keys are configured, a manifest that cannot be used at all (see the {@link Finding.Type#MANIFEST_INVALID}
     * finding).
     */
    INVALID
}
