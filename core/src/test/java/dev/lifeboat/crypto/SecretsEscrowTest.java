package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.testing.RawSource;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.Requirements;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets escrow: always encrypted, never in plaintext anywhere but the restored file (reliability.md B8 item 49). */
class SecretsEscrowTest {
    @TempDir
    Path dir;

    @Test
    void secretsWithoutRecipientsFailBuildWithOneClearProblem() throws Exception {
        Fixture f = Fixture.create(dir);

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> Lifeboat.configure().secrets("env", f.env).store(f.store).encryptAllParts(false).build());

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage()).contains("secrets \"env\": must be encrypted: configure encryptTo(recipients), but was no recipients");
        ConfigurationException custom = catchThrowableOfType(ConfigurationException.class,
                () -> Lifeboat.configure().source(new RawSource("vault", SourceKind.SECRETS, out -> out.write("token".getBytes(StandardCharsets.UTF_8)))).store(f.store).build());
        assertThat(custom.getMessage()).contains("secrets \"vault\": must be encrypted");
    }

    @Test
    void anIdentityConfiguredAsRecipientIsReportedWithEveryOtherProblemAndNeverEchoed() throws Exception {
        Fixture f = Fixture.create(dir);
        AgeKeys keys = AgeKeys.generate();
        Path keyFile = dir.resolve("key.txt");
        keys.writeIdentityFile(keyFile);
        String identity = Files.readAllLines(keyFile).get(2);
        Path signingKey = dir.resolve("signing.pem");

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> f.configure()
                .encryptTo(keys.recipient().keys().get(0), identity)
                .config("missing", dir.resolve("nowhere.conf"))
                .signingKeyFile(signingKey).build());

        assertThat(e.problems()).hasSize(3);
        assertThat(e.getMessage())
                .contains("encryptTo recipients entry 2: must be an age X25519 recipient (a public key, age1…), but was an age"
                        + " identity (a private key, not shown)")
                .contains("secrets \"env\": must be encrypted")
                .contains("config \"missing\" path: must be an existing file")
                .doesNotContain(identity).doesNotContain(identity.substring(16, 48));
        assertThat(signingKey).as("a failed build creates no key").doesNotExist();
        assertThat(Arrays.stream(Lifeboat.Builder.class.getMethods()).map(Method::getParameterTypes).flatMap(Arrays::stream))
                .as("no backup setting accepts identities").doesNotContain(Identities.class, AgeKeys.class);
        ConfigurationException both = catchThrowableOfType(ConfigurationException.class, () -> f.configure()
                .encryptTo(keys.recipient()).signWith(SigningKey.generate()).signingKeyFile(signingKey).build());
        assertThat(both.getMessage()).contains("signWith / signingKeyFile: must be one signing key, but was both");
    }

    @Test
    void canarySecretsAppearInNoStoredObjectLogLineOrMessage() throws Exception {
        Requirements.requireTool("zstd");
        AgeCli.require();
        Fixture f = Fixture.create(dir.resolve("app"));
        Path keyFile = dir.resolve("escrow.txt");
        AgeKeys keys = AgeKeys.generate();
        keys.writeIdentityFile(keyFile);
        Path signingKeyFile = dir.resolve("state/signing.pem");
        List<String> canaries = new ArrayList<>(Fixture.CANARIES);
        canaries.add(Files.readAllLines(keyFile).get(2)); // the age identity
        List<String> texts = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        Path restored = dir.resolve("restored");

        try (LogCapture logs = new LogCapture()) {
            Lifeboat lifeboat = f.configure().encryptTo(keys.recipient()).signingKeyFile(signingKeyFile).build();
            String pem = Files.readString(signingKeyFile);
            canaries.add(pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 28, pem.indexOf("-----END")).strip());
            BackupResult result = lifeboat.backupNow();
            PartInfo env = result.manifest().part("env").orElseThrow();
            texts.add(lifeboat.verify(result.id(), VerifyLevel.CONTENT).toString());
            Recovery offline = Recovery.from(f.store).trusting(lifeboat.manifestVerifyKey().orElseThrow());

            failures.add(catchThrowable(() -> lifeboat.recovery().restoreSecrets(result.id(), "env", restored, RestoreOptions.defaults())));
            failures.add(catchThrowable(() -> offline.withIdentities(AgeKeys.generate().identity())
                    .restoreSecrets(result.id(), "env", restored, RestoreOptions.defaults())));
            texts.add(offline.withIdentities(AgeKeys.generate().identity()).verify(result.id(), VerifyLevel.CONTENT).toString());
            Recovery withKey = offline.withIdentities(Identities.fromFile(keyFile));
            texts.add(withKey.verify(result.id(), VerifyLevel.CONTENT).toString());
            withKey.restoreSecrets(result.id(), "env", restored, RestoreOptions.defaults());
            // positive control: the stored part holds the canaries, encrypted (age -d | zstd -d shows them)
            Path plain = dir.resolve("env.tar.zst");
            AgeCli.decrypt(keyFile, f.object(env.key()), plain);
            byte[] tar = AgeCli.run(null, "zstd", "-dc", plain.toString());
            assertThat(new String(tar, StandardCharsets.ISO_8859_1)).contains(Fixture.CANARIES);
            Files.delete(plain);

            TamperingTest.flip(f.object(env.key()), env.size() / 2);
            texts.add(withKey.verify(result.id(), VerifyLevel.CONTENT).toString());
            failures.add(catchThrowable(() -> withKey.restoreSecrets(result.id(), "env", dir.resolve("again"), RestoreOptions.defaults())));
            failures.add(catchThrowable(() -> f.configure().encryptTo(canaries.get(3)).build()));
            failures.add(catchThrowable(() -> Recipients.parse(canaries.get(3))));
            failures.add(catchThrowable(() -> Identities.parse(canaries.get(3).substring(0, 40) + "QQQ" + canaries.get(3).substring(43))));
            failures.add(catchThrowable(() -> SigningKey.fromPem(pem.replace("-----END PRIVATE KEY-----", ""))));
            failures.add(catchThrowable(() -> ManifestVerifyKey.parse(pem)));
            Files.delete(f.env);
            BackupResult incomplete = lifeboat.backupNow();
            assertThat(incomplete.status()).isEqualTo(dev.lifeboat.api.BackupStatus.INCOMPLETE);
            texts.add(incomplete.toString());

            texts.addAll(List.of(lifeboat.recipients().orElseThrow().toString(), lifeboat.manifestVerifyKey().orElseThrow().toString(),
                    keys.toString(), keys.identity().toString(), Identities.fromFile(keyFile).toString(),
                    SigningKey.load(signingKeyFile).toString(), result.toString(), result.manifest().toString(),
                    offline.list().toString()));
            texts.add(logs.text());
            assertThat(logs.text()).as("the capture works").contains("backup " + result.id());
        }
        assertThat(failures).hasSize(8).doesNotContainNull();
        for (Throwable t : failures) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            texts.add(sw.toString());
        }
        assertThat(failures.subList(0, 2)).allSatisfy(t -> assertThat(((LifeboatException) t).code()).isEqualTo(ErrorCode.NO_MATCHING_IDENTITY));

        for (String canary : canaries) {
            assertThat(storedObjectContaining(f.storeDir, canary)).as("a stored object that contains a canary").isNull();
            assertThat(texts).as("logs, messages and string forms").allSatisfy(t -> assertThat(t).doesNotContain(canary));
        }
        // positive control: the needle search finds the canaries where they belong
        for (String canary : Fixture.CANARIES) {
            assertThat(FileTrees.anyFileContains(restored, canary)).isTrue();
        }
    }

    @Test
    void withDatabaseAndFilePartsLeftPlainTheSecretsStillReachNoStoredObject() throws Exception {
        Fixture f = Fixture.create(dir.resolve("app"));

        BackupResult result = f.configure().encryptTo(AgeKeys.generate().recipient()).encryptAllParts(false).build().backupNow();

        assertThat(result.manifest().parts()).extracting(PartInfo::name, PartInfo::encrypted)
                .containsExactlyInAnyOrder(tuple("uploads", false), tuple("deploy", false), tuple("env", true));
        // positive control: the search sees through zstd into the tar of the plain parts
        assertThat(storedObjectContaining(f.storeDir, "uploads of the shop")).isEqualTo(f.object(result.manifest().part("uploads").orElseThrow().key()));
        assertThat(storedObjectContaining(f.storeDir, "server { listen 80; }")).isEqualTo(f.object(result.manifest().part("deploy").orElseThrow().key()));
        for (String canary : Fixture.CANARIES) {
            assertThat(storedObjectContaining(f.storeDir, canary)).as("a stored object that contains a canary").isNull();
        }
    }

    /**
     * The first stored object holding {@code needle} in its bytes or, for a zstd stream, in its decompressed bytes
     * (compression hides a plaintext from a search of the raw bytes: zstd codes literals too); {@code null} if none.
     */
    static Path storedObjectContaining(Path root, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                byte[] raw = Files.readAllBytes(p);
                if (FileTrees.indexOf(raw, n) >= 0 || FileTrees.indexOf(zstdDecoded(raw), n) >= 0) {
                    return p;
                }
            }
        }
        return null;
    }

    private static byte[] zstdDecoded(byte[] raw) {
        if (raw.length < 4 || (raw[0] & 0xff) != 0x28 || (raw[1] & 0xff) != 0xb5 || (raw[2] & 0xff) != 0x2f || (raw[3] & 0xff) != 0xfd) {
            return new byte[0];
        }
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("a stored object starts like zstd but does not decompress", e);
        }
    }
}
