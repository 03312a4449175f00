package dev.lifeboat.internal.crypto;

import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.crypto.Recipients;
import dev.lifeboat.crypto.SigningKey;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The validated encryption and signing settings of a backup plan.
 *
 * @param recipients who parts are encrypted to, or {@code null} for no encryption
 * @param encryptAllParts whether database, files and config parts are encrypted too (secrets always are)
 * @param signingKey signs every manifest, or {@code null} for unsigned manifests
 * @param trusted verify keys whose manifests are accepted; includes the signing key's own
 */
public record CryptoPlan(Recipients recipients, boolean encryptAllParts, SigningKey signingKey, Set<ManifestVerifyKey> trusted) {
    /** No encryption, no signatures, no trusted keys. */
    public static final CryptoPlan NONE = new CryptoPlan(null, true, null, Set.of());

    public CryptoPlan {
        Set<ManifestVerifyKey> all = new LinkedHashSet<>(trusted);
        if (signingKey != null) {
            all.add(signingKey.verifyKey());
        }
        trusted = Set.copyOf(all);
    }

    /** Whether parts of this kind are encrypted. */
    public boolean encrypts(SourceKind kind) {
        return recipients != null && (kind == SourceKind.SECRETS || encryptAllParts);
    }
}
