package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.json.Json;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed manifest format is what docs/encryption.md says, down to verifying it by hand with openssl. */
class ManifestSigningTest {
    /** The commands of docs/encryption.md, "Verifying a manifest by hand" (keep them in sync). */
    static final String BY_HAND = """
            { printf '\\060\\052\\060\\005\\006\\003\\053\\145\\160\\003\\041\\000'; printf %s "${KEY#ed25519:}" | base64 -d; } > /tmp/lb-$$.der
            openssl pkey -pubin -inform DER -in /tmp/lb-$$.der -out /tmp/lb-$$.pem
            grep '"signature"' manifest.json.sig | cut -d'"' -f4 | base64 -d > /tmp/lb-$$.sig
            openssl pkeyutl -verify -pubin -inkey /tmp/lb-$$.pem -rawin -in manifest.json -sigfile /tmp/lb-$$.sig
            status=$?; rm -f /tmp/lb-$$.der /tmp/lb-$$.pem /tmp/lb-$$.sig; exit $status
            """;

    @TempDir
    Path dir;

    @Test
    void theSigningKeyIsCreatedOnFirstUseAndEveryManifestIsSignedAsDocumented() throws Exception {
        Fixture f = Fixture.create(dir.resolve("app"));
        Path keyFile = dir.resolve("state/lifeboat-signing.pem");
        Lifeboat lifeboat = f.configure().encryptTo(AgeKeys.generate().recipient()).signingKeyFile(keyFile).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        ManifestVerifyKey key = lifeboat.manifestVerifyKey().orElseThrow();
        assertThat(key).isEqualTo(SigningKey.load(keyFile).verifyKey());
        assertThat(result.manifest().signedBy()).isEqualTo(key.fingerprint());
        assertThat(Fixture.text(f.manifestFile(result.id()))).contains("\"signedBy\": \"" + key.fingerprint() + "\"");
        @SuppressWarnings("unchecked")
        Map<String, Object> sig = (Map<String, Object>) Json.parse(Fixture.text(f.signatureFile(result.id())));
        assertThat(sig).containsEntry("format", "lifeboat-manifest-signature").containsEntry("formatVersion", 1L)
                .containsEntry("algorithm", "Ed25519").containsEntry("signedBy", key.fingerprint())
                .containsEntry("verifyKey", key.toString())
                .containsEntry("manifestSha256", FileTrees.sha256(f.manifestFile(result.id())));
        byte[] signature = java.util.Base64.getDecoder().decode((String) sig.get("signature"));
        assertThat(key.verify(Files.readAllBytes(f.manifestFile(result.id())), signature)).isTrue();
        assertThat(lifeboat.verify(result.id(), VerifyLevel.STRUCTURE).signature()).isEqualTo(SignatureStatus.TRUSTED);

        Lifeboat restarted = f.configure().encryptTo(AgeKeys.generate().recipient()).signingKeyFile(keyFile).build();
        assertThat(restarted.manifestVerifyKey()).contains(key);
        assertThat(restarted.list()).hasSize(1);
    }

    /** Trusting a key without signing: every backup would be refused by its own read-back, after its upload. */
    @Test
    void aTrustedKeyWithoutASigningKeyIsAConfigurationError() throws Exception {
        Fixture f = Fixture.create(dir.resolve("app"));
        ManifestVerifyKey other = SigningKey.generate().verifyKey();

        assertThatThrownBy(() -> f.configure().trust(other).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("trust: must be used with a signing key (signingKeyFile or signWith)")
                .hasMessageContaining("but was no signing key");
        Map<String, String> p = new java.util.HashMap<>();
        p.put("lifeboat.files.media.path", dir.resolve("app").toString());
        p.put("lifeboat.stores.local.type", "local");
        p.put("lifeboat.stores.local.path", dir.resolve("store").toString());
        p.put("lifeboat.signing.public-key", other.toString());
        LifeboatProperties props = LifeboatProperties.of(p);
        assertThatThrownBy(props::build).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lifeboat.signing.public-key: must be used with a signing key (lifeboat.signing.key-file");
        assertThat(props.recovery(null, null).trustedKeys()).as("a recovery machine's configuration").containsExactly(other);

        Lifeboat signing = f.configure().encryptTo(AgeKeys.generate().recipient()).signWith(SigningKey.generate()).trust(other)
                .build();
        assertThat(signing.backupNow().manifest().signedBy()).isNotNull();
    }

    @Test
    void aPersonWithOpensslCanVerifyAManifestAgainstTheTrustedKey() throws Exception {
        Requirements.requireTool("openssl");
        Fixture f = Fixture.create(dir.resolve("app"));
        SigningKey key = SigningKey.generate();
        BackupResult result = f.configure().encryptTo(AgeKeys.generate().recipient()).signWith(key).build().backupNow();
        Path backupDir = f.manifestFile(result.id()).getParent();

        AgeCli.Result good = AgeCli.exec(backupDir, "bash", "-c", "KEY='" + key.verifyKey() + "'\n" + BY_HAND);
        assertThat(good.exit()).as(good.stderr()).isZero();
        assertThat(new String(good.stdout(), StandardCharsets.UTF_8)).contains("Signature Verified Successfully");

        AgeCli.Result otherKey = AgeCli.exec(backupDir, "bash", "-c", "KEY='" + SigningKey.generate().verifyKey() + "'\n" + BY_HAND);
        assertThat(otherKey.exit()).isNotZero();

        Path manifest = f.manifestFile(result.id());
        Files.writeString(manifest, Files.readString(manifest).replace("\"status\": \"SUCCESS\"", "\"status\": \"SUCCESS\" "));
        AgeCli.Result edited = AgeCli.exec(backupDir, "bash", "-c", "KEY='" + key.verifyKey() + "'\n" + BY_HAND);
        assertThat(edited.exit()).as("one added space").isNotZero();
    }
}
