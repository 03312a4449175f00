package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.testing.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generating, parsing and storing age keys and signing keys, checked against age-keygen and openssl. */
class KeyHandlingTest {
    @TempDir
    Path dir;

    @Test
    void generatedKeysAreWhatAgeKeygenWouldMake() throws Exception {
        AgeCli.require();
        AgeKeys keys = AgeKeys.generate();
        Path file = dir.resolve("key.txt");
        keys.writeIdentityFile(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(AgeCli.recipientOf(file)).isEqualTo(keys.recipient().keys().get(0));
        assertThat(Identities.fromFile(file).recipients()).isEqualTo(keys.recipient());
        assertThatThrownBy(() -> keys.writeIdentityFile(file)).isInstanceOf(FileAlreadyExistsException.class);

        String secret = Files.readAllLines(file).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-1")).findFirst().orElseThrow();
        assertThat(keys.toString()).doesNotContain(secret).contains(keys.recipient().keys().get(0));
        assertThat(keys.identity().toString()).doesNotContain(secret).contains(keys.recipient().fingerprints().get(0));
    }

    @Test
    void anIdentityGivenWhereItsFileWasMeantIsNotEchoed() {
        AgeKeys keys = AgeKeys.generate();
        String secret = identityLine(keys);
        assertThatThrownBy(() -> Identities.fromFile(Path.of(secret)))
                .isInstanceOf(dev.lifeboat.api.ConfigurationException.class)
                .hasMessageContaining("a key itself, not the name of a file")
                .hasMessageNotContaining(secret.substring("AGE-SECRET-KEY-1".length()));
        Path missing = dir.resolve("no-such-key.txt");
        assertThatThrownBy(() -> Identities.fromFile(missing))
                .as("a path is still named")
                .hasMessageContaining("\"" + missing + "\"");
        // nor where a recipients file was meant
        assertThatThrownBy(() -> Recipients.fromFile(Path.of(secret)))
                .isInstanceOf(dev.lifeboat.api.ConfigurationException.class)
                .hasMessageContaining("a key itself, not the name of a file")
                .hasMessageNotContaining(secret.substring("AGE-SECRET-KEY-1".length()));
        assertThatThrownBy(() -> Recipients.fromFile(missing)).hasMessageContaining("\"" + missing + "\"");
    }

    private String identityLine(AgeKeys keys) {
        Path file = dir.resolve("identity-" + System.nanoTime() + ".txt");
        try {
            keys.writeIdentityFile(file);
            return Files.readAllLines(file).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-1")).findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void identitiesFromAgeKeygenDeriveTheirRecipients() throws Exception {
        AgeCli.require();
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        String ra = AgeCli.keygen(a);
        String rb = AgeCli.keygen(b);

        Identities both = Identities.fromFile(a).and(Identities.fromFile(b));

        assertThat(both.size()).isEqualTo(2);
        assertThat(both.recipients().keys()).containsExactly(ra, rb);
        assertThat(both.fingerprints()).containsExactly(sha16(ra), sha16(rb));
    }

    @Test
    void recipientsParseListsAndFilesAndFingerprintAsDocumented() throws Exception {
        String r1 = AgeKeys.generate().recipient().keys().get(0);
        String r2 = AgeKeys.generate().recipient().keys().get(0);
        Path file = dir.resolve("recipients.txt");
        Files.writeString(file, "# ops team\n" + r1 + "\n\n# offline escrow\n" + r2.toUpperCase() + "  # comment\n");

        Recipients fromFile = Recipients.fromFile(file);
        Recipients parsed = Recipients.parse(r1 + ", " + r2, r1);

        assertThat(fromFile.keys()).containsExactly(r1, r2);
        assertThat(parsed).isEqualTo(fromFile);
        assertThat(parsed.fingerprints()).containsExactly(sha16(r1), sha16(r2));
        assertThat(parsed.toString()).doesNotContain(r1).contains(sha16(r1));
    }

    @Test
    void anIdentityGivenAsRecipientIsRefusedWithoutEchoingIt() throws Exception {
        AgeKeys keys = AgeKeys.generate();
        Path file = dir.resolve("key.txt");
        keys.writeIdentityFile(file);
        String secret = Files.readAllLines(file).get(2);

        assertThatThrownBy(() -> Recipients.parse(keys.recipient().keys().get(0), secret))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("recipients entry 2")
                .hasMessageContaining("an age identity (a private key, not shown)")
                .hasMessageNotContaining(secret)
                .hasMessageNotContaining(secret.substring(16, 40));
        assertThatThrownBy(() -> Recipients.fromFile(file))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("line 3").hasMessageNotContaining(secret.substring(16, 40));
        assertThatThrownBy(() -> Recipients.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG"))
                .hasMessageContaining("an SSH key");
        assertThatThrownBy(() -> Recipients.parse("age1notavalidrecipient"))
                .hasMessageContaining("not a valid age X25519 recipient");
    }

    @Test
    void aDamagedIdentityIsReportedByLineWithoutItsContent() throws Exception {
        AgeKeys keys = AgeKeys.generate();
        Path file = dir.resolve("key.txt");
        keys.writeIdentityFile(file);
        String secret = Files.readAllLines(file).get(2);
        String damaged = secret.substring(0, 30) + (secret.charAt(30) == 'Q' ? 'P' : 'Q') + secret.substring(31);
        Files.writeString(dir.resolve("bad.txt"), "# mine\n" + damaged + "\n");

        assertThatThrownBy(() -> Identities.fromFile(dir.resolve("bad.txt")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("line 2").hasMessageContaining("not a valid age X25519 identity")
                .hasMessageNotContaining(damaged.substring(16, 40));
        assertThatThrownBy(() -> Identities.parse(keys.recipient().keys().get(0)))
                .hasMessageContaining("a recipient (a public key, age1…), which cannot decrypt");
    }

    @Test
    void signingKeyIsCreatedOnceWithOwnerOnlyPermissionsAndIsStandardPem() throws Exception {
        Path file = dir.resolve("keys/signing.pem");

        SigningKey created = SigningKey.loadOrCreate(file);
        SigningKey loaded = SigningKey.loadOrCreate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(loaded.verifyKey()).isEqualTo(created.verifyKey());
        byte[] message = "exact bytes".getBytes(StandardCharsets.UTF_8);
        assertThat(created.verifyKey().verify(message, loaded.sign(message))).isTrue();
        assertThat(created.verifyKey().verify("other bytes".getBytes(StandardCharsets.UTF_8), loaded.sign(message))).isFalse();
        String pem = Files.readString(file);
        assertThat(created.toString()).doesNotContain(pem.substring(pem.indexOf("-----BEGIN"))).contains(created.fingerprint());

        Requirements.requireTool("openssl");
        byte[] pub = AgeCli.run(null, "openssl", "pkey", "-in", file.toString(), "-pubout");
        assertThat(new String(pub, StandardCharsets.US_ASCII)).isEqualTo(created.verifyKey().toPem());
        assertThat(ManifestVerifyKey.parse(new String(pub, StandardCharsets.US_ASCII))).isEqualTo(created.verifyKey());
    }

    @Test
    void opensslKeysAndPrintableVerifyKeysAreAccepted() throws Exception {
        Requirements.requireTool("openssl");
        Path pem = dir.resolve("openssl.pem");
        AgeCli.run(null, "openssl", "genpkey", "-algorithm", "ed25519", "-out", pem.toString());

        SigningKey key = SigningKey.load(pem);

        assertThat(ManifestVerifyKey.parse(key.verifyKey().toString())).isEqualTo(key.verifyKey());
        assertThat(key.verifyKey().toString()).startsWith("ed25519:");
        assertThat(key.fingerprint()).isEqualTo(sha16(key.verifyKey().bytes()));
        String privatePem = Files.readString(pem);
        assertThatThrownBy(() -> ManifestVerifyKey.parse(privatePem))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("a private key (not shown)")
                .hasMessageNotContaining(privatePem.substring(28, 60));
        assertThat(SigningKey.fromSeed(List.of(key).get(0).verifyKey().bytes()).verifyKey()).isNotEqualTo(key.verifyKey());
    }

    @Test
    void aMissingSigningKeyFileIsAConfigurationError() {
        assertThatThrownBy(() -> SigningKey.load(dir.resolve("none.pem")))
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("does not exist");
    }

    static String sha16(String s) throws Exception {
        return sha16(s.getBytes(StandardCharsets.US_ASCII));
    }

    static String sha16(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
    }
}
