package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted backups end to end: stock tools read them, Lifeboat restores them, keys rotate. */
class EncryptedBackupTest {
    @TempDir
    static Path keys;
    static Path opsKey;
    static Path escrowKey;
    static String opsRecipient;
    static String escrowRecipient;

    @TempDir
    Path dir;

    @BeforeAll
    static void generateKeysWithAgeKeygen() throws Exception {
        AgeCli.require();
        opsKey = keys.resolve("ops.txt");
        escrowKey = keys.resolve("escrow.txt");
        opsRecipient = AgeCli.keygen(opsKey);
        escrowRecipient = AgeCli.keygen(escrowKey);
    }

    @Test
    void everyPartIsAnAgeFileThatStockToolsReadWithEitherIdentity() throws Exception {
        Requirements.requireTool("tar");
        Requirements.requireTool("zstd");
        Fixture f = Fixture.create(dir);
        Lifeboat lifeboat = f.configure().encryptTo(opsRecipient, escrowRecipient).signWith(SigningKey.generate()).build();

        BackupResult result = lifeboat.backupNow();

        Recipients recipients = Recipients.parse(opsRecipient, escrowRecipient);
        assertThat(result.parts()).extracting(PartInfo::fileName)
                .containsExactly("files-uploads.tar.zst.age", "config-deploy.tar.zst.age", "secrets-env.tar.zst.age");
        assertThat(result.parts()).allSatisfy(p -> {
            assertThat(p.encrypted()).isTrue();
            assertThat(p.recipients()).containsExactlyElementsOf(recipients.fingerprints());
            assertThat(p.size()).isGreaterThan(p.plaintextSize());
            assertThat(p.sha256()).isNotEqualTo(p.plaintextSha256());
        });
        String manifest = Fixture.text(f.manifestFile(result.id()));
        assertThat(manifest).contains("\"recipientFingerprints\"").contains(recipients.fingerprints().get(1))
                .doesNotContain(opsRecipient).doesNotContain(escrowRecipient);

        for (Path key : List.of(opsKey, escrowKey)) {
            PartInfo uploads = result.manifest().part("uploads").orElseThrow();
            Path plain = dir.resolve("uploads-" + key.getFileName() + ".tar.zst");
            AgeCli.decrypt(key, f.object(uploads.key()), plain);
            assertThat(FileTrees.sha256(plain)).isEqualTo(uploads.plaintextSha256());
            Path out = Files.createDirectories(dir.resolve("tar-" + key.getFileName()));
            AgeCli.run(out, "tar", "--zstd", "-xf", plain.toString());
            assertThat(FileTrees.snapshot(out)).isEqualTo(FileTrees.snapshot(f.uploads));
        }
    }

    @Test
    void restoreDecryptsOnTheFlyAndContentVerificationChecksThePlaintext() throws Exception {
        Fixture f = Fixture.create(dir);
        Lifeboat lifeboat = f.configure().encryptTo(Recipients.parse(opsRecipient, escrowRecipient))
                .signWith(SigningKey.generate()).build();
        BackupResult result = lifeboat.backupNow();
        Recovery recovery = lifeboat.recovery().withIdentities(Identities.fromFile(escrowKey));

        VerificationReport withoutIdentity = lifeboat.verify(result.id(), VerifyLevel.CONTENT);
        VerificationReport withIdentity = recovery.verify(result.id(), VerifyLevel.CONTENT);
        recovery.restoreFiles(result.id(), "uploads", dir.resolve("uploads"), RestoreOptions.defaults());
        recovery.restoreConfig(result.id(), "deploy", dir.resolve("deploy"), RestoreOptions.defaults());
        recovery.restoreSecrets(result.id(), "env", dir.resolve("secrets"), RestoreOptions.defaults());

        assertThat(withoutIdentity.findings()).isEmpty();
        assertThat(withoutIdentity.signature()).isEqualTo(SignatureStatus.TRUSTED);
        assertThat(withIdentity.findings()).isEmpty();
        assertThat(withIdentity.bytesRead()).isEqualTo(result.storedBytes());
        assertThat(FileTrees.snapshot(dir.resolve("uploads"))).isEqualTo(FileTrees.snapshot(f.uploads));
        assertThat(Files.readString(Fixture.restored(dir.resolve("deploy"), f.config))).isEqualTo(Files.readString(f.config));
        assertThat(Files.readString(Fixture.restored(dir.resolve("secrets"), f.env))).isEqualTo(Files.readString(f.env));
    }

    @Test
    void aPartEncryptedByTheAgeCommandLineIsRestoredByLifeboat() throws Exception {
        Fixture f = Fixture.create(dir);
        SigningKey signer = SigningKey.generate();
        Lifeboat lifeboat = f.configure().encryptTo(opsRecipient).signWith(signer).build();
        BackupResult result = lifeboat.backupNow();
        PartInfo env = result.manifest().part("env").orElseThrow();

        // what an operator could do by hand: age -d, then age -r to other recipients; the signer records it
        Path plain = dir.resolve("env.tar.zst");
        AgeCli.decrypt(opsKey, f.object(env.key()), plain);
        Path reencrypted = dir.resolve("env.tar.zst.age");
        AgeCli.encrypt(List.of(escrowRecipient, opsRecipient), plain, reencrypted);
        Files.copy(reencrypted, f.object(env.key()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PartInfo cli = new PartInfo(env.name(), env.kind(), env.format(), env.key(), Files.size(reencrypted),
                FileTrees.sha256(reencrypted), env.plaintextSize(), env.plaintextSha256(), true, env.durationMillis(),
                env.tools(), env.rowCounts(), env.tree(), env.issues(),
                Recipients.parse(escrowRecipient, opsRecipient).fingerprints());
        f.resign(result.id(), signer, m -> Fixture.withPart(m, cli));

        Recovery recovery = lifeboat.recovery().withIdentities(Identities.fromFile(escrowKey));
        assertThat(recovery.verify(result.id(), VerifyLevel.CONTENT).findings())
                .as("the other parts are encrypted to the ops key only").extracting(f2 -> f2.subject())
                .containsExactly("files-uploads", "config-deploy");
        assertThat(recovery.withIdentities(Identities.fromFile(opsKey)).verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
        recovery.restoreSecrets(result.id(), "env", dir.resolve("secrets"), RestoreOptions.defaults());

        assertThat(Files.readString(Fixture.restored(dir.resolve("secrets"), f.env))).isEqualTo(Files.readString(f.env));
    }

    @Test
    void databaseAndFilePartsCanStayPlainWhereTheStoreEncryptsButSecretsNever() throws Exception {
        Requirements.requireTool("tar");
        Fixture f = Fixture.create(dir);
        Lifeboat lifeboat = f.configure().encryptTo(opsRecipient).encryptAllParts(false).build();

        BackupResult result = lifeboat.backupNow();

        assertThat(result.parts()).extracting(PartInfo::fileName)
                .containsExactly("files-uploads.tar.zst", "config-deploy.tar.zst", "secrets-env.tar.zst.age");
        PartInfo uploads = result.manifest().part("uploads").orElseThrow();
        assertThat(uploads.encrypted()).isFalse();
        assertThat(uploads.recipients()).isEmpty();
        assertThat(uploads.sha256()).isEqualTo(uploads.plaintextSha256());
        Path out = Files.createDirectories(dir.resolve("tar"));
        AgeCli.run(out, "tar", "--zstd", "-xf", f.object(uploads.key()).toString());
        assertThat(FileTrees.snapshot(out)).isEqualTo(FileTrees.snapshot(f.uploads));
        assertThat(result.manifest().part("env").orElseThrow().encrypted()).isTrue();
        lifeboat.restoreFiles(result.id(), "uploads", dir.resolve("restored"), RestoreOptions.defaults());
        assertThat(FileTrees.snapshot(dir.resolve("restored"))).isEqualTo(FileTrees.snapshot(f.uploads));
    }

    @Test
    void afterRotatingRecipientsOldBackupsNeedTheOldIdentityAndNewOnesTheNew() throws Exception {
        Fixture f = Fixture.create(dir);
        SigningKey signer = SigningKey.generate();
        AgeKeys oldKeys = AgeKeys.generate();
        AgeKeys newKeys = AgeKeys.generate();
        BackupResult before = f.configure().encryptTo(oldKeys.recipient()).signWith(signer).build().backupNow();
        Lifeboat rotated = f.configure().encryptTo(newKeys.recipient()).signWith(signer).build();
        BackupResult after = rotated.backupNow();

        assertThat(before.manifest().part("env").orElseThrow().recipients()).isEqualTo(oldKeys.recipient().fingerprints());
        assertThat(after.manifest().part("env").orElseThrow().recipients()).isEqualTo(newKeys.recipient().fingerprints());
        Recovery onlyNew = rotated.recovery().withIdentities(newKeys.identity());
        assertThatThrownBy(() -> onlyNew.restoreSecrets(before.id(), "env", dir.resolve("x"), RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .satisfies(e -> assertThat(((RestoreException) e).code()).isEqualTo(ErrorCode.NO_MATCHING_IDENTITY))
                .hasMessageContaining(oldKeys.recipient().fingerprints().get(0));
        assertThat(dir.resolve("x")).doesNotExist();

        Recovery both = onlyNew.withIdentities(oldKeys.identity());
        both.restoreSecrets(before.id(), "env", dir.resolve("before"), RestoreOptions.defaults());
        both.restoreSecrets(after.id(), "env", dir.resolve("after"), RestoreOptions.defaults());
        assertThat(Files.readString(Fixture.restored(dir.resolve("before"), f.env))).isEqualTo(Files.readString(f.env));
        assertThat(Files.readString(Fixture.restored(dir.resolve("after"), f.env))).isEqualTo(Files.readString(f.env));
        assertThat(Recovery.from(f.store).withIdentities(oldKeys.identity()).verify(before.id(), VerifyLevel.CONTENT).ok())
                .isTrue();
    }

    @Test
    void afterRotatingTheSigningKeyTheOldKeyMustBeTrustedExplicitly() throws Exception {
        Fixture f = Fixture.create(dir);
        SigningKey oldKey = SigningKey.generate();
        SigningKey newKey = SigningKey.generate();
        AgeKeys age = AgeKeys.generate();
        BackupResult before = f.configure().encryptTo(age.recipient()).signWith(oldKey).build().backupNow();
        BackupResult after = f.configure().encryptTo(age.recipient()).signWith(newKey).build().backupNow();

        Lifeboat trustingBoth = f.configure().encryptTo(age.recipient()).signWith(newKey).trust(oldKey.verifyKey()).build();
        Lifeboat trustingNew = f.configure().encryptTo(age.recipient()).signWith(newKey).build();

        assertThat(trustingBoth.list()).extracting(Manifest::backupId).containsExactlyInAnyOrder(before.id(), after.id());
        assertThat(trustingNew.list()).extracting(Manifest::backupId).containsExactly(after.id());
        assertThat(trustingNew.verify(before.id(), VerifyLevel.STRUCTURE).signature()).isEqualTo(SignatureStatus.INVALID);
        assertThat(Recovery.from(f.store).verify(before.id(), VerifyLevel.STRUCTURE).signature())
                .isEqualTo(SignatureStatus.UNTRUSTED);
        assertThat(before.manifest().signedBy()).isEqualTo(oldKey.fingerprint());
        assertThat(Map.of("old", before.manifest().signedBy(), "new", after.manifest().signedBy()))
                .containsEntry("new", newKey.fingerprint());
        assertThat(trustingBoth.recovery().manifest(before.id()).part("env").orElseThrow().kind()).isEqualTo(SourceKind.SECRETS);
    }
}
