package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.catalog.ManifestCodec;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone with write access to the storage changes what is stored (reliability.md B5 items 30–33, 35–36): verify
 * names each change, and restore refuses before anything reaches the target.
 */
class TamperingTest {
    @TempDir
    Path dir;

    Fixture f;
    SigningKey signer;
    AgeKeys keys;
    Lifeboat lifeboat;
    Recovery recovery;
    BackupResult first;
    BackupResult second;

    @BeforeEach
    void twoSignedEncryptedBackups() throws Exception {
        f = Fixture.create(dir.resolve("app"));
        signer = SigningKey.generate();
        keys = AgeKeys.generate();
        lifeboat = f.configure().encryptTo(keys.recipient()).signWith(signer).build();
        first = lifeboat.backupNow();
        second = lifeboat.backupNow();
        recovery = lifeboat.recovery().withIdentities(keys.identity());
        assertThat(recovery.verify(first.id(), VerifyLevel.CONTENT).ok()).isTrue();
    }

    @Test
    void aFlippedByteInAStoredPartIsNamedAndNothingIsRestored() throws Exception {
        PartInfo uploads = first.manifest().part("uploads").orElseThrow();
        PartInfo env = first.manifest().part("env").orElseThrow();
        flip(f.object(uploads.key()), uploads.size() / 2);
        flip(f.object(env.key()), env.size() - 20);

        VerificationReport structure = recovery.verify(first.id(), VerifyLevel.STRUCTURE);
        VerificationReport content = recovery.verify(first.id(), VerifyLevel.CONTENT);

        assertThat(structure.ok()).as("sizes are unchanged").isTrue();
        assertThat(content.findings()).extracting(Finding::type, Finding::subject).containsExactlyInAnyOrder(
                tuple(Finding.Type.HASH_MISMATCH, "files-uploads"),
                tuple(Finding.Type.HASH_MISMATCH, "secrets-env"));
        assertRestoreWritesNothing(() -> recovery.restoreFiles(first.id(), "uploads", target(), RestoreOptions.defaults()),
                ErrorCode.INTEGRITY, "part files-uploads of backup " + first.id());
        assertRestoreWritesNothing(() -> recovery.restoreSecrets(first.id(), "env", target(), RestoreOptions.defaults()),
                ErrorCode.INTEGRITY, "part secrets-env of backup " + first.id());
    }

    @Test
    void aTruncatedPartIsNamedAndNothingIsRestored() throws Exception {
        PartInfo uploads = first.manifest().part("uploads").orElseThrow();
        try (RandomAccessFile raf = new RandomAccessFile(f.object(uploads.key()).toFile(), "rw")) {
            raf.setLength(uploads.size() - 100);
        }

        VerificationReport report = recovery.verify(first.id(), VerifyLevel.STRUCTURE);

        assertThat(report.findings()).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo(Finding.Type.SIZE_MISMATCH);
            assertThat(x.subject()).isEqualTo("files-uploads");
        });
        assertRestoreWritesNothing(() -> recovery.restoreFiles(first.id(), "uploads", target(), RestoreOptions.defaults()),
                ErrorCode.INTEGRITY, "files-uploads");
    }

    @Test
    void aPartSwappedInFromAnotherBackupIsNamedAndNothingIsRestored() throws Exception {
        PartInfo mine = second.manifest().part("uploads").orElseThrow();
        PartInfo theirs = first.manifest().part("uploads").orElseThrow();
        assertThat(theirs.size()).as("same plaintext, same size: only the content differs").isEqualTo(mine.size());
        Files.copy(f.object(theirs.key()), f.object(mine.key()), StandardCopyOption.REPLACE_EXISTING);

        VerificationReport report = recovery.verify(second.id(), VerifyLevel.CONTENT);

        assertThat(report.findings()).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo(Finding.Type.HASH_MISMATCH);
            assertThat(x.subject()).isEqualTo("files-uploads");
        });
        // it decrypts with the same identity: only the hash check at the end stops it, before anything is committed
        assertRestoreWritesNothing(() -> recovery.restoreFiles(second.id(), "uploads", target(), RestoreOptions.defaults()),
                ErrorCode.INTEGRITY, "files-uploads");
    }

    @Test
    void anEditedHashIsASignatureFailureNamingTheBackup() throws Exception {
        PartInfo uploads = first.manifest().part("uploads").orElseThrow();
        editManifest(first.id(), s -> s.replace(uploads.sha256(), "0".repeat(64)));
        assertManifestRefused(first.id());
    }

    @Test
    void aRemovedEntryIsASignatureFailureNamingTheBackup() throws Exception {
        Manifest m = ManifestCodec.decode(Files.readAllBytes(f.manifestFile(first.id())));
        Manifest without = new Manifest(m.formatVersion(), m.backupId(), m.application(), m.status(), m.startedAt(),
                m.finishedAt(), m.host(), m.lifeboatVersion(),
                m.parts().stream().filter(p -> !p.name().equals("env")).toList(), m.signedBy());
        Files.write(f.manifestFile(first.id()), ManifestCodec.encode(without));
        assertManifestRefused(first.id());
    }

    @Test
    void anEditedTimestampIsASignatureFailureAndTheBackupIsNotTakenAsLatest() throws Exception {
        // the newest by id (two backups in the same second sort by their random suffix)
        BackupResult newest = first.id().compareTo(second.id()) > 0 ? first : second;
        String finished = newest.manifest().finishedAt().toString();
        editManifest(newest.id(), s -> s.replace("\"finishedAt\": \"" + finished + "\"", "\"finishedAt\": \"2099-01-01T00:00:00Z\""));
        assertManifestRefused(newest.id());
    }

    @Test
    void aManifestResignedWithAnotherKeyIsNotTrusted() throws Exception {
        SigningKey attacker = SigningKey.generate();
        f.resign(first.id(), attacker, m -> new Manifest(m.formatVersion(), m.backupId(), m.application(), m.status(),
                m.startedAt(), m.finishedAt(), m.host(), m.lifeboatVersion(), m.parts(), attacker.fingerprint()));
        assertManifestRefused(first.id());
        assertThat(Recovery.from(f.store).verify(first.id(), VerifyLevel.STRUCTURE).signature())
                .as("without a trusted key, a consistent foreign signature is only 'untrusted'").isEqualTo(SignatureStatus.UNTRUSTED);
    }

    @Test
    void aRemovedSignatureIsRefusedEvenWithoutATrustedKey() throws Exception {
        Files.delete(f.signatureFile(first.id()));
        assertManifestRefused(first.id());
        assertThatThrownBy(() -> Recovery.from(f.store).manifest(first.id()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("backup " + first.id()).hasMessageContaining("signature file (manifest.json.sig) is missing");
    }

    @Test
    void anUnsignedManifestIsRefusedWhenAKeyIsTrustedAndAcceptedWhenNone() throws Exception {
        Files.delete(f.signatureFile(first.id()));
        editManifest(first.id(), s -> s.replace("  \"signedBy\": \"" + signer.fingerprint() + "\",\n", ""));
        assertThat(Fixture.text(f.manifestFile(first.id()))).doesNotContain("signedBy");

        assertManifestRefused(first.id());

        VerificationReport untrusted = Recovery.from(f.store).verify(first.id(), VerifyLevel.STRUCTURE);
        assertThat(untrusted.ok()).isTrue();
        assertThat(untrusted.signature()).isEqualTo(SignatureStatus.UNSIGNED);
    }

    @Test
    void aSignedManifestCopiedOverAnotherBackupIsRefusedAndNotCalledUnsigned() throws Exception {
        Files.copy(f.manifestFile(first.id()), f.manifestFile(second.id()), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(f.signatureFile(first.id()), f.signatureFile(second.id()), StandardCopyOption.REPLACE_EXISTING);

        VerificationReport report = recovery.verify(second.id(), VerifyLevel.CONTENT);
        assertThat(report.ok()).isFalse();
        assertThat(report.signature()).as("trusted keys are configured: it cannot be trusted").isEqualTo(SignatureStatus.INVALID);
        assertThat(report.findings()).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo(Finding.Type.MANIFEST_INVALID);
            assertThat(x.message()).contains("stored as backup " + second.id()).contains("names backup " + first.id());
        });
        assertRestoreWritesNothing(() -> recovery.restoreFiles(second.id(), "uploads", target(), RestoreOptions.defaults()),
                ErrorCode.INTEGRITY, "backup " + second.id());
    }

    @Test
    void partEntriesLeadingOutOfARestoreTargetOrSecretsInPlaintextAreRefusedEvenUnsigned() throws Exception {
        String json = Fixture.text(f.manifestFile(first.id()));
        String id = first.id().value();
        assertThat(json).contains("\"name\": \"env\"").contains("\"key\": \"backups/" + id + "/secrets-env.tar.zst.age\"");
        String uploadsKey = first.manifest().part("uploads").orElseThrow().key();
        assertThat(json).contains("\"key\": \"" + uploadsKey + "\"");
        for (String forged : new String[] {
            json.replace("\"name\": \"env\"", "\"name\": \"x/../../root/.ssh\""),
            json.replace("\"name\": \"env\"", "\"name\": \"..\""),
            json.replace("\"key\": \"backups/" + id + "/secrets-env.tar.zst.age\"", "\"key\": \"backups/" + id + "/../x\""),
            json.replace("\"key\": \"backups/" + id + "/secrets-env.tar.zst.age\"", "\"key\": \"elsewhere/secrets-env.tar.zst.age\""),
            // another part's object, or the manifest itself, restored as the secrets
            json.replace("\"key\": \"backups/" + id + "/secrets-env.tar.zst.age\"", "\"key\": \"" + uploadsKey + "\""),
            json.replace("\"key\": \"backups/" + id + "/secrets-env.tar.zst.age\"", "\"key\": \"backups/" + id + "/manifest.json\""),
            secretsInPlaintext(json)}) {
            assertThat(forged).isNotEqualTo(json);
            assertThatThrownBy(() -> ManifestCodec.decode(forged.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageMatching("manifest\\.parts\\[\\d+\\]\\.(name|key|encrypted) must .*");
        }
    }

    /** The secrets part's entry, edited to say it is stored in plaintext. */
    private static String secretsInPlaintext(String json) {
        int at = json.indexOf("\"name\": \"env\"");
        int flag = json.indexOf("\"encrypted\": true", at);
        assertThat(at).isPositive();
        assertThat(flag).isGreaterThan(at);
        return json.substring(0, flag) + "\"encrypted\": false" + json.substring(flag + "\"encrypted\": true".length());
    }

    private void assertManifestRefused(BackupId id) throws Exception {
        VerificationReport report = recovery.verify(id, VerifyLevel.CONTENT);
        assertThat(report.ok()).isFalse();
        assertThat(report.signature()).isEqualTo(SignatureStatus.INVALID);
        assertThat(report.findings()).singleElement().satisfies(x -> {
            assertThat(x.type()).isEqualTo(Finding.Type.SIGNATURE_INVALID);
            assertThat(x.message()).contains("backup " + id);
        });
        assertRestoreWritesNothing(() -> recovery.restoreFiles(id, "uploads", target(), RestoreOptions.defaults()),
                ErrorCode.SIGNATURE_INVALID, "backup " + id);
        assertRestoreWritesNothing(() -> recovery.restoreSecrets(id, "env", target(), RestoreOptions.defaults()),
                ErrorCode.SIGNATURE_INVALID, "backup " + id);
        BackupId other = id.equals(first.id()) ? second.id() : first.id();
        assertThat(lifeboat.list()).extracting(Manifest::backupId).containsExactly(other);
        assertThat(recovery.list()).extracting(Manifest::backupId).containsExactly(other);
        assertThat(lifeboat.latest()).map(Manifest::backupId).contains(other);
    }

    private Path target() {
        return dir.resolve("restored");
    }

    private void assertRestoreWritesNothing(ThrowingCallable restore, ErrorCode code, String names) throws Exception {
        assertThatThrownBy(restore).isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(code))
                .hasMessageContaining(names);
        assertThat(target()).doesNotExist();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no staging debris").containsExactly("app");
        }
    }

    private void editManifest(BackupId id, java.util.function.UnaryOperator<String> edit) throws Exception {
        Path file = f.manifestFile(id);
        String before = Files.readString(file, StandardCharsets.UTF_8);
        String after = edit.apply(before);
        assertThat(after).as("the edit applies").isNotEqualTo(before);
        Files.writeString(file, after, StandardCharsets.UTF_8);
    }

    static void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x40);
        }
    }
}
