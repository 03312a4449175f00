package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.s3.FaultProxy.Exchange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeboat.stores.<name>.type=s3}: the S3 keys reach the S3Store (found through ServiceLoader when lifeboat-s3 is
 * on the class path), and their mistakes are reported by key without the secret key.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class S3PropertiesTest {
    static final String CANARY = "s3-secret-CANARY-0b7f";

    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();

    @TempDir
    Path dir;
    FaultProxy proxy;
    String bucket;

    @BeforeEach
    void setUp() throws IOException {
        bucket = S3.server().newBucket();
        proxy = new FaultProxy(S3.server().port());
    }

    @AfterEach
    void tearDown() throws IOException {
        proxy.close();
    }

    @Test
    void everyS3KeyReachesTheStore() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        byte[] video = new byte[6 * 1024 * 1024];
        new Random(3).nextBytes(video);
        Files.write(media.resolve("video.mp4"), video);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lifeboat.application", "shop");
        p.put("lifeboat.compression.workers", "0");
        p.put("lifeboat.files.media.path", media.toString());
        p.put("lifeboat.stores.local.type", "local");
        p.put("lifeboat.stores.local.path", dir.resolve("backups").toString());
        p.put("lifeboat.stores.offsite.type", "s3");
        p.put("lifeboat.stores.offsite.bucket", bucket);
        p.put("lifeboat.stores.offsite.prefix", "prod/");
        p.put("lifeboat.stores.offsite.region", "eu-west-1");
        p.put("lifeboat.stores.offsite.endpoint", "${S3_ENDPOINT}");
        p.put("lifeboat.stores.offsite.path-style", "true");
        p.put("lifeboat.stores.offsite.insecure-endpoint", "false");
        p.put("lifeboat.stores.offsite.access-key", S3ProxyServer.ACCESS_KEY);
        p.put("lifeboat.stores.offsite.storage-class", "STANDARD_IA"); // not the default, so the setting shows
        p.put("lifeboat.stores.offsite.checksum-mode", "when-required");
        p.put("lifeboat.stores.offsite.part-size", "5MiB");
        p.put("lifeboat.stores.offsite.parallel-parts", "2");
        p.put("lifeboat.stores.offsite.object-lock-mode", "governance");
        p.put("lifeboat.stores.offsite.object-lock-retention", "1d");
        Map<String, String> env = Map.of(
                "S3_ENDPOINT", proxy.endpoint().toString(),
                "LIFEBOAT_STORES_OFFSITE_SECRET_KEY", S3ProxyServer.SECRET_KEY); // env-only: the secret stays out of files

        LifeboatProperties props = LifeboatProperties.of(p, env);
        assertThat(props.warnings()).isEmpty();
        assertThat(props.effective()).containsEntry("lifeboat.stores.offsite.secret-key", "***");
        Map<String, String> presigned = new HashMap<>(p);
        presigned.put("lifeboat.stores.offsite.endpoint", "https://s3.example.com/b/k?X-Amz-Signature=Canary-sig");
        assertThat(LifeboatProperties.of(presigned, env).effective())
                .containsEntry("lifeboat.stores.offsite.endpoint", "https://s3.example.com/b/k?***");
        Map<String, Store> stores = props.stores();
        assertThat(stores.get("offsite")).isInstanceOf(S3Store.class);
        assertThat(stores.get("offsite").describe()).isEqualTo("s3://" + bucket + "/prod/ (endpoint " + proxy.endpoint() + ")");

        Instant before = Instant.now();
        Lifeboat lifeboat = props.build();
        BackupResult result = lifeboat.backupNow();

        assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
        assertThat(result.manifest().stores()).extracting(StoreCopy::name, StoreCopy::complete)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("local", true), org.assertj.core.groups.Tuple.tuple("offsite", true));
        assertThat(S3.server().objects(bucket)).allMatch(k -> k.startsWith("prod/backups/" + result.id() + "/")).hasSize(2);
        List<Exchange> writes = proxy.exchanges().stream().filter(x -> x.isPutObject() || x.isCreateMultipart()).toList();
        assertThat(writes).as("the part (multipart: 6 MiB > 5 MiB) and the manifest").hasSize(2);
        assertThat(writes).filteredOn(Exchange::isCreateMultipart).hasSize(1);
        for (Exchange x : writes) {
            assertThat(x.header("x-amz-storage-class")).isEqualTo("STANDARD_IA");
            assertThat(x.header("x-amz-object-lock-mode")).isEqualTo("GOVERNANCE");
            assertThat(Instant.parse(x.header("x-amz-object-lock-retain-until-date")))
                    .isAfter(before.plus(Duration.ofDays(1)).minusSeconds(5));
        }
        List<Exchange> uploads = proxy.exchanges().stream().filter(x -> x.isPutObject() || x.isUploadPart()).toList();
        assertThat(uploads).filteredOn(Exchange::isUploadPart).hasSize(2);
        for (Exchange x : uploads) {
            assertThat(x.headers().keySet()).as("checksum-mode=when-required").noneMatch(h -> h.startsWith("x-amz-checksum-"));
        }
        // the manifest, written last, is written once: a conditional PUT; the part's upload is not conditional
        List<Exchange> creates = proxy.exchanges().stream()
                .filter(x -> x.isPutObject() || x.isCreateMultipart() || x.isCompleteMultipart()).toList();
        assertThat(creates).last().satisfies(x -> {
            assertThat(x.path()).endsWith("/prod/backups/" + result.id() + "/manifest.json");
            assertThat(x.isPutObject()).isTrue();
            assertThat(x.header("If-None-Match")).isEqualTo("*");
        });
        assertThat(creates.subList(0, creates.size() - 1)).allSatisfy(x -> assertThat(x.header("If-None-Match")).isNull());

        // a recovery from the same properties prefers the offsite copy when told so
        Manifest read = props.recovery("offsite", null).manifest(result.id());
        assertThat(read).isEqualTo(result.manifest());
        assertThat(props.recovery("offsite", null).stores().get(0)).isInstanceOf(S3Store.class);
    }

    @Test
    void everyS3MistakeIsReportedByItsKeyWithoutTheSecret() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.files.media.path", Files.createDirectories(dir.resolve("media")).toString());
        p.put("lifeboat.stores.nobucket.type", "s3");
        p.put("lifeboat.stores.nobucket.secret-key", CANARY);
        p.put("lifeboat.stores.nobucket.access-key", "AKIA");
        p.put("lifeboat.stores.badbucket.type", "s3");
        p.put("lifeboat.stores.badbucket.bucket", "x");
        p.put("lifeboat.stores.badbucket.part-size", "1MiB"); // still checked, with the bucket's problem
        p.put("lifeboat.stores.badbucket.endpoint", "https:/AKIA:" + CANARY + "@minio.internal"); // one '/' missing
        p.put("lifeboat.stores.badbucket.required", "maybe");
        p.put("lifeboat.stores.h.type", "s3");
        p.put("lifeboat.stores.h.bucket", "shop-backups");
        p.put("lifeboat.stores.h.endpoint", "AKIA:" + CANARY + "@minio:9000"); // no scheme
        p.put("lifeboat.stores.c.type", "s3");
        p.put("lifeboat.stores.c.bucket", "shop-backups");
        p.put("lifeboat.stores.c.prefix", "no-slash");
        p.put("lifeboat.stores.c.region", "EU WEST");
        p.put("lifeboat.stores.c.endpoint", "http://10.1.2.3:9000");
        p.put("lifeboat.stores.c.path-style", "maybe");
        p.put("lifeboat.stores.c.access-key", "AKIA");
        p.put("lifeboat.stores.c.storage-class", "standard ia");
        p.put("lifeboat.stores.c.checksum-mode", "sometimes");
        p.put("lifeboat.stores.c.part-size", "1MiB");
        p.put("lifeboat.stores.c.parallel-parts", "lots");
        p.put("lifeboat.stores.c.object-lock-mode", "governance");
        p.put("lifeboat.stores.d.type", "s3");
        p.put("lifeboat.stores.d.bucket", "shop-backups");
        p.put("lifeboat.stores.d.secret-key", CANARY);
        p.put("lifeboat.stores.d.endpoint", "https://admin:" + CANARY + "@minio.internal");
        p.put("lifeboat.stores.d.insecure-endpoint", "perhaps");
        p.put("lifeboat.stores.d.parallel-parts", "100");
        p.put("lifeboat.stores.d.object-lock-mode", "forever");
        p.put("lifeboat.stores.d.object-lock-retention", "1d");
        p.put("lifeboat.stores.d.bukcet", "typo");
        p.put("lifeboat.stores.e.type", "s3");
        p.put("lifeboat.stores.e.bucket", "shop-backups");
        p.put("lifeboat.stores.e.endpoint", "https://AKIA:wJal/" + CANARY + "@minio.internal:9000"); // a '/' in the secret
        p.put("lifeboat.stores.f.type", "s3");
        p.put("lifeboat.stores.f.bucket", "shop-backups");
        p.put("lifeboat.stores.f.object-lock-mode", "compliance");
        p.put("lifeboat.stores.f.object-lock-retention", "0s");
        p.put("lifeboat.stores.g.type", "s3");
        p.put("lifeboat.stores.g.bucket", "shop-backups");
        p.put("lifeboat.stores.g.object-lock-mode", "compliance");
        p.put("lifeboat.stores.g.object-lock-retention", "soon");

        LifeboatProperties props = LifeboatProperties.of(p, Map.of());
        assertThat(props.warnings()).containsExactly(
                "unknown setting lifeboat.stores.d.bukcet is ignored; did you mean lifeboat.stores.d.bucket?");
        ConfigurationException e = catchThrowableOfType(props::build, ConfigurationException.class);

        assertThat(e.problems()).extracting(Problem::setting).containsExactlyInAnyOrder(
                "lifeboat.stores.nobucket.bucket",
                "lifeboat.stores.badbucket.bucket",
                "lifeboat.stores.badbucket.part-size",
                "lifeboat.stores.badbucket.endpoint",
                "lifeboat.stores.badbucket.required",
                "lifeboat.stores.h.endpoint",
                "lifeboat.stores.c.prefix",
                "lifeboat.stores.c.region",
                "lifeboat.stores.c.endpoint",
                "lifeboat.stores.c.path-style",
                "lifeboat.stores.c.secret-key",
                "lifeboat.stores.c.storage-class",
                "lifeboat.stores.c.checksum-mode",
                "lifeboat.stores.c.part-size",
                "lifeboat.stores.c.parallel-parts",
                "lifeboat.stores.c.object-lock-retention",
                "lifeboat.stores.d.access-key",
                "lifeboat.stores.d.endpoint",
                "lifeboat.stores.d.insecure-endpoint",
                "lifeboat.stores.d.parallel-parts",
                "lifeboat.stores.d.object-lock-mode",
                "lifeboat.stores.d.bukcet",
                "lifeboat.stores.e.endpoint",
                "lifeboat.stores.f.object-lock-retention",
                "lifeboat.stores.g.object-lock-retention");
        assertThat(e.getMessage()).doesNotContain(CANARY);
        Map<String, String> bySetting = new HashMap<>();
        e.problems().forEach(x -> bySetting.put(x.setting(), x.toString()));
        assertThat(bySetting.get("lifeboat.stores.c.part-size")).contains("between 5MiB and 5GiB");
        assertThat(bySetting.get("lifeboat.stores.c.endpoint")).contains("insecure", "\"http://10.1.2.3:9000\"");
        assertThat(bySetting.get("lifeboat.stores.c.checksum-mode")).contains("when-supported", "when-required", "\"sometimes\"");
        assertThat(bySetting.get("lifeboat.stores.c.parallel-parts")).contains("between 1 and 64", "\"lots\"");
        assertThat(bySetting.get("lifeboat.stores.d.parallel-parts")).contains("between 1 and 64", "\"100\"");
        assertThat(bySetting.get("lifeboat.stores.d.object-lock-mode")).contains("GOVERNANCE or COMPLIANCE", "\"forever\"");
        assertThat(bySetting.get("lifeboat.stores.d.endpoint")).contains("minio.internal");
        assertThat(bySetting.get("lifeboat.stores.e.endpoint")).contains("\"https://***@minio.internal:9000\"").doesNotContain("wJal");
        assertThat(bySetting.get("lifeboat.stores.badbucket.endpoint")).contains("\"***@minio.internal\"");
        assertThat(bySetting.get("lifeboat.stores.h.endpoint")).contains("\"***@minio:9000\"");
        assertThat(bySetting.get("lifeboat.stores.f.object-lock-retention")).contains("at least 1s", "\"0s\"");
        assertThat(bySetting.get("lifeboat.stores.g.object-lock-retention")).contains("\"soon\"");

        // the same store keys, on a recovery machine: stores() reports the same store problems
        ConfigurationException s = catchThrowableOfType(props::stores, ConfigurationException.class);
        assertThat(s.problems()).as("all but the unknown key and the backup plan's `required`").hasSize(e.problems().size() - 2);
        assertThat(s.getMessage()).doesNotContain(CANARY);
    }
}
