package dev.lifeboat.internal.crypto;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.io.Hex;
import dev.lifeboat.internal.json.Json;
import dev.lifeboat.internal.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code manifest.json.sig}: a detached Ed25519 signature of the exact bytes of {@code manifest.json}
 * (docs/encryption.md, "Signed manifests"). The manifest stays plain, readable JSON; the signature file says who
 * signed it and how to check it:
 *
 * <pre>
 * {
 *   "format": "lifeboat-manifest-signature",
 *   "formatVersion": 1,
 *   "algorithm": "Ed25519",
 *   "signedBy": "&lt;fingerprint&gt;",
 *   "verifyKey": "ed25519:&lt;base64 of the 32-byte public key&gt;",
 *   "manifestSha256": "&lt;hex SHA-256 of manifest.json&gt;",
 *   "signature": "&lt;base64 of the 64-byte signature of manifest.json&gt;"
 * }
 * </pre>
 *
 * The manifest itself names its signer ({@code "signedBy"}), so removing the signature file is detected too.
 */
public final class ManifestSignatures {
    public static final String FORMAT = "lifeboat-manifest-signature";
    public static final int FORMAT_VERSION = 1;

    private ManifestSignatures() {}

    /** The signature file for {@code manifest} (the exact bytes that will be stored). */
    public static byte[] sign(SigningKey key, byte[] manifest) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("format", FORMAT);
        o.put("formatVersion", FORMAT_VERSION);
        o.put("algorithm", "Ed25519");
        o.put("signedBy", key.fingerprint());
        o.put("verifyKey", key.verifyKey().toString());
        o.put("manifestSha256", Hex.sha256Hex(manifest));
        o.put("signature", Base64.getEncoder().encodeToString(key.sign(manifest)));
        return Json.write(o).getBytes(StandardCharsets.UTF_8);
    }

    /** A parsed signature file. */
    public record Signature(String signedBy, ManifestVerifyKey key, String manifestSha256, byte[] signature) {}

    /**
     * Checks the signature of a manifest's bytes <em>before</em> the manifest is parsed and returns what it
     * establishes. Throws {@link IntegrityException} with {@link ErrorCode#SIGNATURE_INVALID}, naming the backup, when
     * the signature is malformed or does not verify, when it is missing or by an untrusted key while {@code trusted}
     * is not empty.
     *
     * @param signatureFile the signature file's bytes, or {@code null} when there is none
     */
    public static SignatureStatus check(BackupId id, String where, byte[] manifest, byte[] signatureFile,
            Set<ManifestVerifyKey> trusted) {
        String subject = "backup " + id + " in " + where;
        if (signatureFile == null) {
            if (!trusted.isEmpty()) {
                throw invalid(subject + " has an unsigned manifest, but only manifests signed by " + describe(trusted)
                        + " are trusted; it may have been forged or its signature removed, so it is not used");
            }
            return SignatureStatus.UNSIGNED;
        }
        Signature s;
        try {
            s = parse(signatureFile);
        } catch (RuntimeException e) {
            throw invalid(subject + " has a malformed manifest signature file (" + e.getMessage() + "); it was damaged or"
                    + " tampered with, so the manifest is not used");
        }
        String actualSha = Hex.sha256Hex(manifest);
        if (s.manifestSha256() != null && !s.manifestSha256().equals(actualSha)) {
            throw invalid(subject + ": manifest.json was modified after it was signed (its SHA-256 is " + actualSha
                    + ", the signature covers " + s.manifestSha256() + "); the backup is not used");
        }
        if (!s.key().verify(manifest, s.signature())) {
            throw invalid(subject + ": the manifest signature does not verify with the key it names (" + s.signedBy()
                    + "); the manifest or its signature was tampered with, so the backup is not used");
        }
        if (!s.key().fingerprint().equals(s.signedBy())) {
            throw invalid(subject + ": the manifest signature names signer " + s.signedBy() + " but carries key "
                    + s.key().fingerprint());
        }
        if (trusted.isEmpty()) {
            return SignatureStatus.UNTRUSTED;
        }
        if (!trusted.contains(s.key())) {
            throw invalid(subject + " is signed by key " + s.signedBy() + ", which is not trusted (trusted: "
                    + describe(trusted) + "); it may be forged, so it is not used");
        }
        return SignatureStatus.TRUSTED;
    }

    /** After parsing: the manifest's own {@code signedBy} claim must agree with the signature file. */
    public static void checkClaim(BackupId id, String where, String signedByClaim, byte[] signatureFile) {
        String subject = "backup " + id + " in " + where;
        if (signatureFile == null) {
            if (signedByClaim != null) {
                throw invalid(subject + " names signing key " + signedByClaim + " but its signature file (manifest.json.sig)"
                        + " is missing; it was removed or the backup was tampered with, so it is not used");
            }
            return;
        }
        String signer = parse(signatureFile).signedBy();
        if (!signer.equals(signedByClaim)) {
            throw invalid(subject + ": the manifest names signer " + (signedByClaim == null ? "none" : signedByClaim)
                    + " but is signed by " + signer + "; it is not used");
        }
    }

    static Signature parse(byte[] bytes) {
        JsonObject o = JsonObject.of(Json.parse(new String(bytes, StandardCharsets.UTF_8)), "signature");
        if (!FORMAT.equals(o.optString("format", ""))) {
            throw new IllegalArgumentException("format must be \"" + FORMAT + "\"");
        }
        if (o.integer("formatVersion") != FORMAT_VERSION) {
            throw new IllegalArgumentException("formatVersion " + o.integer("formatVersion") + " is not supported");
        }
        if (!"Ed25519".equals(o.string("algorithm"))) {
            throw new IllegalArgumentException("algorithm must be Ed25519");
        }
        ManifestVerifyKey key;
        try {
            key = ManifestVerifyKey.parse(o.string("verifyKey"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("verifyKey is not an Ed25519 public key");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(o.string("signature"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signature is not base64");
        }
        return new Signature(o.string("signedBy"), key, o.has("manifestSha256") ? o.string("manifestSha256") : null, sig);
    }

    private static String describe(Set<ManifestVerifyKey> trusted) {
        return trusted.stream().map(ManifestVerifyKey::fingerprint).sorted().collect(Collectors.joining(", ", "[", "]"));
    }

    private static IntegrityException invalid(String message) {
        return new IntegrityException(ErrorCode.SIGNATURE_INVALID, message);
    }
}
