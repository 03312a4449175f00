package dev.lifeboat.crypto;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.internal.crypto.ManifestSignatures;
import dev.lifeboat.store.LocalStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * A small application to back up: an uploads tree, a config file and a {@code .env} with canary secrets, and a
 * LocalStore whose objects the tests can reach on disk (to damage them the way an attacker on the storage would).
 */
final class Fixture {
    /** Canary values in the .env: must never be found in plaintext outside the restored file. */
    static final List<String> CANARIES = List.of("canary-db-pw-7Hq2vX9kLm", "sk_live_canary_4f8e2a91c3",
            "ZGVrLWNhbmFyeS1rZXktbWF0ZXJpYWw=");

    final Path root;
    final Path uploads;
    final Path config;
    final Path env;
    final Path storeDir;
    final LocalStore store;

    private Fixture(Path root) throws IOException {
        this.root = root;
        this.uploads = Files.createDirectories(root.resolve("app/uploads"));
        Files.createDirectories(uploads.resolve("2026/11"));
        byte[] photo = new byte[200_000];
        new Random(42).nextBytes(photo);
        Files.write(uploads.resolve("2026/11/photo.jpg"), photo);
        Files.writeString(uploads.resolve("readme.txt"), "uploads of the shop\n");
        this.config = root.resolve("app/nginx.conf");
        Files.writeString(config, "server { listen 80; }\n");
        this.env = root.resolve("app/.env");
        Files.writeString(env, "DATABASE_PASSWORD=" + CANARIES.get(0) + "\nSTRIPE_SECRET_KEY=" + CANARIES.get(1)
                + "\nAPP_DATA_ENCRYPTION_KEY=" + CANARIES.get(2) + "\n");
        this.storeDir = root.resolve("store");
        this.store = LocalStore.at(storeDir);
    }

    static Fixture create(Path dir) throws IOException {
        return new Fixture(dir);
    }

    /** files "uploads", config "deploy", secrets "env", to the fixture's store. */
    Lifeboat.Builder configure() {
        return Lifeboat.configure().application("shop").files("uploads", uploads).config("deploy", config)
                .secrets("env", env).store(store).compressionWorkers(0);
    }

    /** The file of a stored object. */
    Path object(String key) {
        return storeDir.resolve(key);
    }

    Path manifestFile(BackupId id) {
        return object(Layout.manifestKey(id));
    }

    Path signatureFile(BackupId id) {
        return object(Layout.signatureKey(id));
    }

    /** Where a restore of secrets/config puts a file given by absolute path. */
    static Path restored(Path target, Path original) {
        return target.resolve(original.toAbsolutePath().toString().substring(1));
    }

    /** Rewrites a manifest as its signer would (decode, change, encode, sign): a legitimate manifest. */
    void resign(BackupId id, SigningKey key, UnaryOperator<Manifest> change) throws IOException {
        Manifest m = ManifestCodec.decode(Files.readAllBytes(manifestFile(id)));
        byte[] encoded = ManifestCodec.encode(change.apply(m));
        Files.write(manifestFile(id), encoded);
        Files.write(signatureFile(id), ManifestSignatures.sign(key, encoded));
    }

    /** A copy of {@code m} with one part replaced. */
    static Manifest withPart(Manifest m, PartInfo replacement) {
        List<PartInfo> parts = new ArrayList<>();
        for (PartInfo p : m.parts()) {
            parts.add(p.key().equals(replacement.key()) ? replacement : p);
        }
        return new Manifest(m.formatVersion(), m.backupId(), m.application(), m.status(), m.startedAt(), m.finishedAt(),
                m.host(), m.lifeboatVersion(), parts, m.signedBy());
    }

    static String text(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
