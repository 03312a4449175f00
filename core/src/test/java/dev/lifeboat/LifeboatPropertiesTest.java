package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.SignatureStatus;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.AgeKeys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.config.Values;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeboat.*} properties ({@link LifeboatProperties#of(Map, Map)} with an explicit environment): every key is
 * applied, the environment overrides and expands values, mistakes are all reported at once by key without secrets,
 * unknown keys get a "did you mean", and a store-only configuration is enough for recovery.
 */
class LifeboatPropertiesTest {
    @TempDir
    Path dir;

    Path uploads;
    Path nginx;
    Path compose;
    Path env;
    Path sqlite;

    @BeforeEach
    void files() throws Exception {
        uploads = Files.createDirectories(dir.resolve("app/uploads/cache"));
        uploads = uploads.getParent();
        Files.writeString(uploads.resolve("avatar.png"), "png bytes\n".repeat(100));
        Files.writeString(uploads.resolve("upload.tmp"), "half an upload");
        Files.writeString(uploads.resolve("cache/thumb.png"), "cached");
        nginx = Files.writeString(dir.resolve("app/nginx.conf"), "server { listen 80; }\n");
        compose = Files.writeString(dir.resolve("app/compose.yml"), "services: {}\n");
        env = Files.writeString(dir.resolve("app/.env"), "STRIPE_KEY=sk_live_canary\n");
        sqlite = dir.resolve("app/app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement st = c.createStatement()) {
            st.execute("create table t (x)");
            st.execute("insert into t values (1)");
        }
    }

    // ------------------------------------------------------------------ a full configuration

    /** With a real PostgreSQL server (skipped locally when there is none; required in CI). */
    @Nested
    class WithPostgres {
        @RegisterExtension
        static final TestPostgres PG = TestPostgres.fromEnvironment();

        @Test
        void aFullConfigurationBuildsAndBacksUpEveryPart() throws Exception {
            Path realPgDump = Requirements.requireTool("pg_dump");
            Path realPgRestore = Requirements.requireTool("pg_restore");
            String url = PG.createDatabase("lb_props");
            String role = "lb_props_" + Long.toHexString(System.nanoTime());
            String password = "pr0ps-CANARY-pw:x";
            PG.execute("create role " + role + " login superuser password '" + password + "'");
            try {
                backUpWithEveryKey(url, role, password, realPgDump, realPgRestore);
            } finally {
                PG.execute("drop role if exists " + role);
            }
        }

        private void backUpWithEveryKey(String url, String role, String password, Path realPgDump, Path realPgRestore)
                throws Exception {
            try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
                st.execute("create table users (id int primary key, name text)");
                st.execute("insert into users select g, 'user ' || g from generate_series(1, 250) g");
            }
            // pg_dump through a wrapper that records the password file it was given: bin-dir and password-file both work
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path record = dir.resolve("pgpass-record");
            Files.writeString(bin.resolve("pg_dump"), "#!/bin/bash\n"
                    + "if [ \"$1\" != \"--version\" ]; then cat \"$PGPASSFILE\" >> " + record + "; fi\n"
                    + "exec " + realPgDump + " \"$@\"\n");
            Files.setPosixFilePermissions(bin.resolve("pg_dump"), PosixFilePermissions.fromString("rwx------"));
            Files.createSymbolicLink(bin.resolve("pg_restore"), realPgRestore);
            Path passwordFile = Files.writeString(dir.resolve("db-password"), password + "\n");
            AgeKeys keys = AgeKeys.generate();
            Path storeDir = dir.resolve("backups");
            Path keyFile = dir.resolve("state/signing.pem");

            Map<String, String> p = new LinkedHashMap<>();
            p.put("lifeboat.application", "shop");
            p.put("lifeboat.rpo", "24h");
            p.put("lifeboat.rto", "1h30m");
            p.put("lifeboat.temp-dir", dir.toString());
            p.put("lifeboat.timeout", "30m");
            p.put("lifeboat.garbage-safety-age", "7d");
            p.put("lifeboat.compression.level", "9");
            p.put("lifeboat.compression.workers", "0");
            p.put("lifeboat.encryption.recipients", keys.recipient().keys().get(0));
            p.put("lifeboat.encryption.encrypt-databases-and-files", "false");
            p.put("lifeboat.signing.key-file", keyFile.toString());
            p.put("lifeboat.databases.main.url", url.substring(0, url.indexOf('?')));
            p.put("lifeboat.databases.main.user", role);
            p.put("lifeboat.databases.main.password-file", passwordFile.toString());
            p.put("lifeboat.databases.main.bin-dir", bin.toString());
            p.put("lifeboat.databases.main.timeout", "PT10M");
            p.put("lifeboat.databases.main.row-counts", "true");
            p.put("lifeboat.databases.local.url", "jdbc:sqlite:" + sqlite);
            p.put("lifeboat.files.uploads.path", uploads.toString());
            p.put("lifeboat.files.uploads.exclude", "*.tmp, cache/**");
            p.put("lifeboat.config.deploy.paths", nginx + ", " + compose);
            p.put("lifeboat.secrets.env.paths", env.toString());
            p.put("lifeboat.stores.local.type", "local");
            p.put("lifeboat.stores.local.path", storeDir.toString());
            p.put("server.port", "8080"); // not ours: ignored without a warning
            LifeboatProperties props = LifeboatProperties.of(p, Map.of());

            assertThat(props.warnings()).isEmpty();
            assertThat(props.rpo()).contains(Duration.ofHours(24));
            assertThat(props.rto()).contains(Duration.ofMinutes(90));
            assertThat(props.effective()).containsEntry("lifeboat.databases.main.password-file", passwordFile.toString())
                    .doesNotContainKey("server.port");
            Lifeboat lifeboat = props.build();
            assertThat(lifeboat.application()).isEqualTo("shop");
            assertThat(lifeboat.rpo()).contains(Duration.ofHours(24));
            assertThat(lifeboat.rto()).contains(Duration.ofMinutes(90));
            assertThat(lifeboat.stores()).containsOnlyKeys("local");
            assertThat(lifeboat.sources()).extracting(s -> s.kind().prefix() + "-" + s.name())
                    .containsExactlyInAnyOrder("db-main", "db-local", "files-uploads", "config-deploy", "secrets-env");
            assertThat(keyFile).as("the signing key is created by build()").exists();

            BackupResult result = lifeboat.backupNow();

            assertThat(result.status()).isEqualTo(BackupStatus.SUCCESS);
            assertThat(result.parts()).extracting(PartInfo::qualifiedName)
                    .containsExactlyInAnyOrder("db-main", "db-local", "files-uploads", "config-deploy", "secrets-env");
            assertThat(result.parts()).filteredOn(PartInfo::encrypted).extracting(PartInfo::qualifiedName).containsExactly("secrets-env");
            assertThat(result.manifest().part("main").orElseThrow().rowCounts()).containsEntry("public.users", 250L);
            assertThat(result.manifest().application()).isEqualTo("shop");
            assertThat(result.manifest().signedBy()).isEqualTo(SigningKey.load(keyFile).verifyKey().fingerprint());
            assertThat(result.manifest().stores()).extracting(c -> c.name()).containsExactly("local");
            assertThat(Files.readString(record)).as("the password file's content, stripped, reached pg_dump")
                    .isEqualTo("*:*:*:*:pr0ps-CANARY-pw\\:x\n");
            assertThat(FileTrees.anyFileContains(storeDir, password)).isFalse();

            // what the properties describe is what comes back, through a recovery made from the same properties
            Recovery recovery = props.recovery(null, keys.identity());
            assertThat(recovery.verify(result.id(), VerifyLevel.CONTENT).ok()).isTrue();
            assertThat(lifeboat.recovery().verify(result.id(), VerifyLevel.STRUCTURE).signature()).isEqualTo(SignatureStatus.TRUSTED);
            Path out = Files.createDirectories(dir.resolve("restored"));
            recovery.restoreFiles(result.id(), "uploads", out.resolve("uploads"), RestoreOptions.defaults());
            assertThat(out.resolve("uploads/avatar.png")).hasSameTextualContentAs(uploads.resolve("avatar.png"));
            assertThat(out.resolve("uploads/upload.tmp")).as("excluded").doesNotExist();
            assertThat(out.resolve("uploads/cache/thumb.png")).as("excluded").doesNotExist();
            recovery.restoreSecrets(result.id(), "env", out.resolve("secrets"), RestoreOptions.defaults());
            assertThat(out.resolve("secrets").resolve(env.toString().substring(1))).hasSameTextualContentAs(env);
            recovery.restoreConfig(result.id(), "deploy", out.resolve("config"), RestoreOptions.defaults());
            assertThat(out.resolve("config").resolve(compose.toString().substring(1))).hasSameTextualContentAs(compose);
        }
    }

    // ------------------------------------------------------------------ the environment

    @Test
    void environmentVariablesOverrideKeysAndExpandReferences() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.application", "${APP_NAME:-fallback}");
        p.put("lifeboat.rpo", "12h");
        p.put("lifeboat.rto", "${RTO:-2h}");
        p.put("lifeboat.compression.level", "3");
        p.put("lifeboat.files.uploads.path", "${APP_HOME}/uploads");
        p.put("lifeboat.config.deploy.paths", "${APP_HOME}/nginx.conf,${APP_HOME}/compose.yml");
        p.put("lifeboat.stores.off-site.type", "local");
        p.put("lifeboat.stores.off-site.path", "/nonexistent/replaced-by-env");
        Map<String, String> environment = Map.of(
                "APP_HOME", dir.resolve("app").toString(),
                "LIFEBOAT_RPO", "6h",
                "LIFEBOAT_COMPRESSION_LEVEL", "7",
                "LIFEBOAT_STORES_OFF_SITE_PATH", "${BACKUP_ROOT}/shop",
                "BACKUP_ROOT", dir.resolve("backups").toString(),
                "UNRELATED", "x");

        LifeboatProperties props = LifeboatProperties.of(p, environment);

        assertThat(props.warnings()).isEmpty();
        assertThat(props.get("lifeboat.application")).contains("fallback");
        assertThat(props.rpo()).as("LIFEBOAT_RPO wins over the property").contains(Duration.ofHours(6));
        assertThat(props.rto()).as("the default of an unset variable").contains(Duration.ofHours(2));
        assertThat(props.get("lifeboat.compression.level")).contains("7");
        assertThat(props.get("lifeboat.files.uploads.path")).contains(uploads.toString());
        assertThat(props.get("lifeboat.stores.off-site.path")).contains(dir.resolve("backups/shop").toString());
        assertThat(props.effective()).doesNotContainKey("UNRELATED").doesNotContainValue("x");

        Lifeboat lifeboat = props.build();
        assertThat(lifeboat.application()).isEqualTo("fallback");
        assertThat(((LocalStore) lifeboat.stores().get("off-site")).root()).isEqualTo(dir.resolve("backups/shop"));
        assertThat(lifeboat.backupNow().parts()).extracting(PartInfo::qualifiedName).containsExactly("files-uploads", "config-deploy");

        // a variable that is set wins over the default
        assertThat(LifeboatProperties.of(p, Map.of("APP_NAME", "shop", "APP_HOME", "/x")).get("lifeboat.application")).contains("shop");
        assertThat(LifeboatProperties.of(Map.of("lifeboat.application", "a-${X}-b"), Map.of("X", "mid")).get("lifeboat.application"))
                .contains("a-mid-b");
    }

    /** {@code $${} is a literal {@code ${}; a secret holding an unset reference is not shown, not even in part. */
    @Test
    void aLiteralDollarBraceIsWrittenDoubledAndASecretsUnsetReferenceIsNotEchoed() {
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.application", "shop-$${x}");
        p.put("lifeboat.databases.main.password", "pa$${ss}word");
        LifeboatProperties literal = LifeboatProperties.of(p, Map.of("ss", "set"));
        assertThat(literal.get("lifeboat.application")).contains("shop-${x}");
        assertThat(literal.get("lifeboat.databases.main.password")).contains("pa${ss}word");

        p.put("lifeboat.databases.main.password", "Canary${pw}Secret");
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.getMessage()).contains("lifeboat.databases.main.password: must be a value whose ${…} references are set"
                + " environment variables ($${ stands for a literal ${), but was a value referring to a variable that is not"
                + " set (not shown)").doesNotContain("Canary").doesNotContain("{pw}");
    }

    @Test
    void keysThatExistOnlyInTheEnvironmentArePickedUp() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("LIFEBOAT_APPLICATION", "from-env");
        environment.put("LIFEBOAT_DATABASES_APPDB_URL", "jdbc:sqlite:" + sqlite);
        environment.put("LIFEBOAT_DATABASES_MAIN_URL", "jdbc:postgresql://127.0.0.1:5432/shop");
        environment.put("LIFEBOAT_DATABASES_MAIN_PASSWORD", "env-CANARY-secret");
        environment.put("LIFEBOAT_DATABASES_MAIN_PASSWORD_FILE", "/nonexistent/never-read");
        environment.put("LIFEBOAT_FILES_UPLOADS_PATH", uploads.toString());
        environment.put("LIFEBOAT_STORES_PRIMARY_TYPE", "local");
        environment.put("LIFEBOAT_STORES_PRIMARY_PATH", dir.resolve("backups").toString());
        environment.put("LIFEBOAT_TEST_PG_URL", "jdbc:postgresql://elsewhere/x"); // LIFEBOAT_ but no key of ours

        LifeboatProperties props = LifeboatProperties.of(Map.of(), environment);

        assertThat(props.effective()).containsOnlyKeys("lifeboat.application", "lifeboat.databases.appdb.url",
                "lifeboat.databases.main.url", "lifeboat.databases.main.password", "lifeboat.databases.main.password-file",
                "lifeboat.files.uploads.path", "lifeboat.stores.primary.type", "lifeboat.stores.primary.path");
        assertThat(props.effective()).containsEntry("lifeboat.databases.main.password", "***");
        assertThat(props.effective().toString()).doesNotContain("env-CANARY-secret");
        // a misspelt secret setting is unknown, and still not shown; nor is a password given as its file's name
        Map<String, String> typos = new HashMap<>();
        typos.put("lifeboat.stores.primary.secret_key", "typo-CANARY-1");
        typos.put("lifeboat.databases.main.pasword", "typo-CANARY-2");
        typos.put("lifeboat.databases.other.password-file", "typo-CANARY-3");
        Map<String, String> shown = LifeboatProperties.of(typos, environment).effective();
        assertThat(shown).containsEntry("lifeboat.stores.primary.secret_key", "***")
                .containsEntry("lifeboat.databases.main.pasword", "***")
                .containsEntry("lifeboat.databases.main.password-file", "/nonexistent/never-read")
                .containsEntry("lifeboat.databases.other.password-file", "***");
        assertThat(shown.toString()).doesNotContain("typo-CANARY");
        // PASSWORD_FILE is password-file, not a database named "main_password" with a "file" setting
        ConfigurationException e = catchThrowableOfType(props::build, ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting).containsExactly("lifeboat.databases.main.password / password-file");
        assertThat(e.getMessage()).doesNotContain("env-CANARY-secret");

        environment.remove("LIFEBOAT_DATABASES_MAIN_PASSWORD_FILE");
        Lifeboat lifeboat = LifeboatProperties.of(Map.of(), environment).build();
        assertThat(lifeboat.application()).isEqualTo("from-env");
        assertThat(lifeboat.sources()).extracting(Source::name).containsExactlyInAnyOrder("appdb", "main", "uploads");
        assertThat(lifeboat.stores()).containsOnlyKeys("primary");
    }

    @Test
    void aPasswordFileThatCannotBeReadIsAProblemThatShowsNoContent() throws Exception {
        Path secretDir = Files.createDirectories(dir.resolve("secret-dir"));
        Map<String, String> p = minimal();
        p.put("lifeboat.databases.main.url", "jdbc:postgresql://127.0.0.1:5432/shop");
        p.put("lifeboat.databases.main.password-file", dir.resolve("missing-password").toString());
        p.put("lifeboat.databases.other.url", "jdbc:postgresql://127.0.0.1:5432/other");
        p.put("lifeboat.databases.other.password-file", secretDir.toString());
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting)
                .containsExactlyInAnyOrder("lifeboat.databases.main.password-file", "lifeboat.databases.other.password-file");
        assertThat(e.getMessage()).contains("missing-password", "NoSuchFileException");
    }

    @Test
    void aPasswordGivenWherePasswordFileWasMeantIsNotEchoed() {
        Map<String, String> p = minimal();
        p.put("lifeboat.databases.main.url", "jdbc:postgresql://127.0.0.1:5432/shop");
        p.put("lifeboat.databases.main.password-file", "${DB_PASSWORD}"); // meant: .password
        ConfigurationException e = catchThrowableOfType(
                () -> LifeboatProperties.of(p, Map.of("DB_PASSWORD", "Canary-pw.2026")).build(), ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting).containsExactly("lifeboat.databases.main.password-file");
        assertThat(e.getMessage()).doesNotContain("Canary").contains("not shown", "NoSuchFileException");
    }

    @Test
    void theEffectiveSettingsShowNoSecret() {
        Map<String, String> p = minimal();
        p.put("lifeboat.databases.main.url", "postgres://app:url-CANARY-1@db.internal:5432/shop?sslmode=require");
        p.put("lifeboat.databases.jdbc.url", "jdbc:postgresql://db.internal/shop?user=app&password=url-CANARY-2&sslmode=require");
        p.put("lifeboat.databases.main.password", "${DB_PASSWORD}");
        p.put("lifeboat.stores.offsite.secret-key", "s3-CANARY-3");
        p.put("lifeboat.stores.offsite.endpoint", "https://admin:s3-CANARY-5@minio.internal:9000");

        Map<String, String> effective = LifeboatProperties.of(p, Map.of("DB_PASSWORD", "env-CANARY-4")).effective();

        assertThat(effective.toString()).doesNotContain("CANARY");
        assertThat(effective).containsEntry("lifeboat.databases.main.url", "postgres://app:***@db.internal:5432/shop?sslmode=require")
                .containsEntry("lifeboat.databases.jdbc.url", "jdbc:postgresql://db.internal/shop?user=app&password=***&sslmode=require")
                .containsEntry("lifeboat.databases.main.password", "***")
                .containsEntry("lifeboat.stores.offsite.secret-key", "***")
                .containsEntry("lifeboat.stores.offsite.endpoint", "https://admin:***@minio.internal:9000")
                .containsEntry("lifeboat.files.uploads.path", uploads.toString());
    }

    // ------------------------------------------------------------------ mistakes

    @Test
    void everyMistakeIsReportedAtOnceByItsKeyWithoutSecretValues() throws Exception {
        Path identityFile = dir.resolve("identity.txt");
        AgeKeys.generate().writeIdentityFile(identityFile);
        String identity = Files.readAllLines(identityFile).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lifeboat.application", "shop");
        p.put("lifeboat.rpo", "soon");
        p.put("lifeboat.rto", "1.5h");
        p.put("lifeboat.timeout", "0s");
        p.put("lifeboat.compression.level", "25");
        p.put("lifeboat.compression.workers", "many");
        p.put("lifeboat.encryption.recipients", "age1notarecipient, " + identity);
        p.put("lifeboat.encryption.recipients-file", dir.resolve("missing-recipients.txt").toString());
        p.put("lifeboat.signing.key-file", Files.writeString(dir.resolve("not-a-key.pem"), "garbage\n").toString());
        p.put("lifeboat.signing.public-key", "ed25519:AAAA");
        p.put("lifeboat.databases.main.user", "app"); // no url
        p.put("lifeboat.databases.main.password", "main-CANARY-pw");
        p.put("lifeboat.databases.main.timeout", "forever"); // checked although the url is missing
        p.put("lifeboat.databases.nul.url", "jdbc:sqlite:/var/lib/app\u0000.db");
        p.put("lifeboat.files.media.path", dir.resolve("no-media").toString());
        p.put("lifeboat.files.media.exclude", "cache/{a"); // checked although the path does not exist
        p.put("lifeboat.temp-dir", "/tmp/\u0000x");
        p.put("lifeboat.databases.broken.url", "postgres://app:url-CANARY-pw@db.internal:notaport/shop");
        p.put("lifeboat.databases.broken.row-counts", "maybe");
        p.put("lifeboat.databases.unset.url", "jdbc:postgresql://127.0.0.1:5432/shop");
        p.put("lifeboat.databases.unset.password", "${DB_PASSWORD}");
        p.put("lifeboat.databases.broken2.url", "jdbc:postgresql://127.0.0.1:5432/shop");
        p.put("lifeboat.databases.broken2.password", "two-CANARY\nlines"); // a pgpass file cannot carry it
        p.put("lifeboat.files.uploads.exclude", "*.tmp"); // no path
        p.put("lifeboat.config.deploy.paths", dir.resolve("missing.conf").toString());
        p.put("lifeboat.stores.local.type", "local"); // no path
        p.put("lifeboat.stores.ftp.type", "ftp");
        p.put("lifeboat.stores.offsite.type", "s3"); // lifeboat-s3 is not on this class path
        p.put("lifeboat.stores.offsite.secret-key", "s3-CANARY-secret");

        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);

        assertThat(e).as("one exception for everything").isNotNull();
        List<String> settings = e.problems().stream().map(Problem::setting).toList();
        assertThat(settings).allMatch(s -> s.startsWith("lifeboat."), "named by lifeboat.* keys");
        assertThat(settings).contains("lifeboat.rpo", "lifeboat.rto", "lifeboat.timeout", "lifeboat.compression.level",
                "lifeboat.compression.workers", "lifeboat.databases.main.url", "lifeboat.databases.broken.url",
                "lifeboat.databases.broken.row-counts", "lifeboat.databases.unset.password", "lifeboat.files.uploads.path",
                "lifeboat.config.deploy.paths", "lifeboat.stores.local.path", "lifeboat.stores.ftp.type",
                "lifeboat.stores.offsite.type", "lifeboat.encryption.recipients-file", "lifeboat.signing.key-file",
                "lifeboat.signing.public-key", "lifeboat.databases.main.timeout", "lifeboat.databases.nul.url",
                "lifeboat.files.media.path", "lifeboat.files.media.exclude", "lifeboat.temp-dir",
                "lifeboat.databases.broken2.password");
        assertThat(settings.stream().filter(s -> s.startsWith("lifeboat.encryption.recipients (")))
                .as("both bad recipients").hasSize(2);
        String message = e.getMessage();
        assertThat(message).contains("Invalid Lifeboat configuration (" + e.problems().size() + " problems)",
                "lifeboat.rpo: must be " + Values.DURATION_SHAPE + ", but was \"soon\"",
                "lifeboat.compression.level: must be between 1 and 19, but was 25",
                "${DB_PASSWORD}, which is not set", "lifeboat-s3", "\"ftp\"", "an age identity");
        assertThat(message).contains("lifeboat.databases.broken2.password: must be free of line breaks");
        assertThat(message).doesNotContain("main-CANARY-pw", "url-CANARY-pw", "s3-CANARY-secret", "two-CANARY", identity,
                identity.substring("AGE-SECRET-KEY-1".length(), 30));
    }

    @Test
    void unknownKeysFailTheBuildWithTheRightSuggestionButNotARecovery() throws Exception {
        Map<String, String> p = minimal();
        p.put("lifeboat.databases.main.url", "jdbc:sqlite:" + sqlite);
        p.put("lifeboat.databases.main.pasword", "typo-CANARY-pw");
        p.put("lifeboat.rpoo", "24h");
        p.put("lifeboat.files.uploads.exlude", "*.tmp");
        p.put("lifeboat.stores.local.pth", "/x");
        p.put("lifeboat.database.main.url", "jdbc:sqlite:/x");
        p.put("lifeboat.completely-unrelated-setting", "1");

        LifeboatProperties props = LifeboatProperties.of(p, Map.of());

        assertThat(props.warnings()).containsExactlyInAnyOrder(
                "unknown setting lifeboat.completely-unrelated-setting is ignored",
                "unknown setting lifeboat.database.main.url is ignored; did you mean lifeboat.databases.main.url?",
                "unknown setting lifeboat.databases.main.pasword is ignored; did you mean lifeboat.databases.main.password?",
                "unknown setting lifeboat.files.uploads.exlude is ignored; did you mean lifeboat.files.uploads.exclude?",
                "unknown setting lifeboat.rpoo is ignored; did you mean lifeboat.rpo?",
                "unknown setting lifeboat.stores.local.pth is ignored; did you mean lifeboat.stores.local.path?");
        assertThat(String.join("\n", props.warnings())).doesNotContain("typo-CANARY-pw");
        // a typo must not quietly leave a setting out (a misspelled recipients key would mean plaintext backups)
        ConfigurationException e = catchThrowableOfType(props::build, ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
                "lifeboat.completely-unrelated-setting: must be a known setting (see docs/configuration.md), but was unknown",
                "lifeboat.database.main.url: must be a known setting (did you mean lifeboat.databases.main.url?), but was unknown",
                "lifeboat.databases.main.pasword: must be a known setting (did you mean lifeboat.databases.main.password?), but was unknown",
                "lifeboat.files.uploads.exlude: must be a known setting (did you mean lifeboat.files.uploads.exclude?), but was unknown",
                "lifeboat.rpoo: must be a known setting (did you mean lifeboat.rpo?), but was unknown",
                "lifeboat.stores.local.pth: must be a known setting (did you mean lifeboat.stores.local.path?), but was unknown");
        assertThat(e.getMessage()).doesNotContain("typo-CANARY-pw");
        // on the day of a restore, a newer or misspelled key must not stand between the operator and the backups
        assertThat(props.recovery(null, null).list()).isEmpty();
    }

    @Test
    void anEnvironmentVariableReachesAStoreWhoseNameHasADash() throws Exception {
        Map<String, String> p = minimal();
        p.put("lifeboat.stores.off-site.type", "local");
        Map<String, String> env = Map.of("LIFEBOAT_STORES_OFF_SITE_PATH", dir.resolve("off-site").toString(),
                "LIFEBOAT_STORES_NEW_ONE_TYPE", "local");
        LifeboatProperties props = LifeboatProperties.of(p, env);
        assertThat(props.effective()).containsEntry("lifeboat.stores.off-site.path", dir.resolve("off-site").toString())
                .containsEntry("lifeboat.stores.new_one.type", "local").doesNotContainKey("lifeboat.stores.off_site.path");
    }

    @Test
    void objectivesMustBePositiveAndAPublicKeyProblemSaysWhy() {
        for (String bad : List.of("0s", "PT-1H")) {
            assertThatThrownBy(() -> LifeboatProperties.of(Map.of("lifeboat.rpo", bad), Map.of()).rpo())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("lifeboat.rpo: must be a positive duration, but was \"" + bad + "\"");
        }
        assertThat(LifeboatProperties.of(Map.of("lifeboat.rto", "2h"), Map.of()).rto()).contains(Duration.ofHours(2));
        String privateKey = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPrivateKEYcanaryXXXXXXXXXXXXXXXXXXXXXXXXXXX\n-----END PRIVATE KEY-----";
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(
                Map.of("lifeboat.signing.public-key", privateKey), Map.of()).trustedKey(), ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting).containsOnly("lifeboat.signing.public-key");
        assertThat(e.getMessage()).doesNotContain("PrivateKEYcanary").doesNotContain("but was not one");
    }

    @Test
    void aConfiguredSigningKeyFileThatIsMissingDoesNotTurnSignatureChecksOff() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.stores.a.type", "local");
        p.put("lifeboat.stores.a.path", dir.resolve("backups").toString());
        p.put("lifeboat.signing.key-file", dir.resolve("gone.pem").toString());
        assertThatThrownBy(() -> LifeboatProperties.of(p, Map.of()).recovery(null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lifeboat.signing.key-file: must be an existing signing key file, or set lifeboat.signing.public-key")
                .hasMessageContaining("gone.pem\" (does not exist)");
        SigningKey signing = SigningKey.generate();
        p.put("lifeboat.signing.public-key", signing.verifyKey().toString());
        assertThat(LifeboatProperties.of(p, Map.of()).recovery(null, null).trustedKeys()).containsExactly(signing.verifyKey());

        p.put("lifeboat.temp-dir", dir.resolve("no-such-dir").toString());
        assertThatThrownBy(() -> LifeboatProperties.of(p, Map.of()).recovery(null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lifeboat.temp-dir: must be an existing directory, but was \"" + dir.resolve("no-such-dir"));
    }

    @Test
    void sourcesAndStoresThatAreAllInvalidAreNotAlsoReportedAsNone() {
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.files.uploads.exclude", "*.tmp"); // no path
        p.put("lifeboat.stores.local.type", "local"); // no path
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting)
                .containsExactlyInAnyOrder("lifeboat.files.uploads.path", "lifeboat.stores.local.path");
    }

    @Test
    void aBadPercentEscapeInADatabaseUrlShowsNoPasswordCharacter() {
        Map<String, String> p = minimal();
        p.put("lifeboat.databases.main.url", "postgres://app:p%zzSECRET@db/shop");
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.getMessage()).contains("lifeboat.databases.main.url: must be a URL whose % escapes are valid")
                .doesNotContain("zz").doesNotContain("SECRET");
    }

    // ------------------------------------------------------------------ recovery from store settings only

    @Test
    void storeSettingsAloneAreEnoughForRecovery() throws Exception {
        SigningKey signing = SigningKey.generate();
        AgeKeys keys = AgeKeys.generate();
        Path a = dir.resolve("backups-a");
        Path b = dir.resolve("backups-b");
        BackupResult result = Lifeboat.configure().application("shop").files("uploads", uploads).secrets("env", env)
                .encryptTo(keys.recipient()).signWith(signing).store("a", LocalStore.at(a)).store("b", LocalStore.at(b))
                .build().backupNow();

        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.stores.a.type", "local");
        p.put("lifeboat.stores.a.path", a.toString());
        p.put("lifeboat.stores.b.type", "local");
        p.put("lifeboat.stores.b.path", b.toString());
        p.put("lifeboat.signing.public-key", signing.verifyKey().toString());
        p.put("lifeboat.temp-dir", dir.toString());
        LifeboatProperties props = LifeboatProperties.of(p, Map.of());

        Map<String, Store> stores = props.stores();
        assertThat(stores).containsOnlyKeys("a", "b");
        assertThat(((LocalStore) stores.get("a")).root()).isEqualTo(a);
        assertThat(props.trustedKey()).contains(signing.verifyKey());

        Recovery preferB = props.recovery("b", keys.identity());
        assertThat(preferB.stores()).extracting(Store::describe).containsExactly(LocalStore.at(b).describe(), LocalStore.at(a).describe());
        assertThat(preferB.trustedKeys()).containsExactly(signing.verifyKey());
        assertThat(preferB.latest()).map(Manifest::backupId).contains(result.id());
        Path out = Files.createDirectories(dir.resolve("restored"));
        preferB.restoreSecrets(result.id(), "env", out.resolve("env"), RestoreOptions.defaults());
        assertThat(out.resolve("env").resolve(env.toString().substring(1))).hasSameTextualContentAs(env);

        Recovery inOrder = props.recovery(null, null);
        assertThat(inOrder.stores()).extracting(Store::describe).containsExactly(LocalStore.at(a).describe(), LocalStore.at(b).describe());
        assertThat(inOrder.verify(result.id(), VerifyLevel.STRUCTURE).signature()).isEqualTo(SignatureStatus.TRUSTED);

        assertThatThrownBy(() -> props.recovery("c", null)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("\"c\"").hasMessageContaining("[a, b]");
        // a store-only configuration cannot build a Lifeboat: it has nothing to back up
        assertThatThrownBy(props::build).isInstanceOf(ConfigurationException.class).hasMessageContaining("lifeboat.databases");
    }

    @Test
    void storesNeedAtLeastOneValidStoreAndIgnoreProblemsOfOtherKeys() {
        assertThatThrownBy(() -> LifeboatProperties.of(Map.of("lifeboat.application", "shop"), Map.of()).stores())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lifeboat.stores");
        assertThatThrownBy(() -> LifeboatProperties.of(Map.of("lifeboat.stores.a.type", "local",
                "lifeboat.stores.a.path", "${NOT_SET}"), Map.of()).stores())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lifeboat.stores.a.path")
                .hasMessageContaining("${NOT_SET}, which is not set");
        Path backups = dir.resolve("backups");
        assertThatThrownBy(() -> LifeboatProperties.of(Map.of("lifeboat.stores.a.type", "local", "lifeboat.stores.a.path",
                backups.toString(), "lifeboat.signing.public-key", "ed25519:not-a-key"), Map.of()).recovery(null, null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lifeboat.signing.public-key");
        // every problem of a recovery at once: a store's, the temporary directory's, the public key's (once)
        ConfigurationException all = catchThrowableOfType(() -> LifeboatProperties.of(Map.of("lifeboat.stores.a.type", "local",
                "lifeboat.stores.b.type", "tape", "lifeboat.temp-dir", dir.resolve("no-tmp").toString(),
                "lifeboat.signing.public-key", "ed25519:not-a-key"), Map.of()).recovery("b", null), ConfigurationException.class);
        assertThat(all.problems()).extracting(Problem::setting).containsExactlyInAnyOrder("lifeboat.stores.a.path",
                "lifeboat.stores.b.type", "lifeboat.temp-dir", "lifeboat.signing.public-key");
        // an unset reference must not quietly turn signature checks off
        assertThatThrownBy(() -> LifeboatProperties.of(Map.of("lifeboat.stores.a.type", "local", "lifeboat.stores.a.path",
                backups.toString(), "lifeboat.signing.public-key", "${SIGNING_PUBLIC_KEY}"), Map.of()).recovery(null, null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lifeboat.signing.public-key")
                .hasMessageContaining("${SIGNING_PUBLIC_KEY}, which is not set");

        // the application's full configuration on a recovery machine, where the database password variable is unset
        Map<String, String> p = new HashMap<>();
        p.put("lifeboat.databases.main.url", "jdbc:postgresql://db/shop");
        p.put("lifeboat.databases.main.password", "${DB_PASSWORD}");
        p.put("lifeboat.rpo", "whenever");
        p.put("lifeboat.stores.a.type", "local");
        p.put("lifeboat.stores.a.path", backups.toString());
        LifeboatProperties props = LifeboatProperties.of(p, Map.of());
        assertThat(props.stores()).containsOnlyKeys("a");
        assertThat(props.recovery(null, null).list()).isEmpty();
    }

    // ------------------------------------------------------------------ values

    @Test
    void durations() {
        assertThat(Values.duration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Values.duration("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Values.duration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Values.duration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Values.duration("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Values.duration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Values.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Values.duration("5m30s")).isEqualTo(Duration.ofSeconds(330));
        assertThat(Values.duration("1d2h3m4s5ms")).isEqualTo(Duration.parse("P1DT2H3M4.005S"));
        assertThat(Values.duration("PT24H")).isEqualTo(Duration.ofHours(24));
        assertThat(Values.duration("pt1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Values.duration("P2D")).isEqualTo(Duration.ofDays(2));
        assertThat(Values.duration(" 24H ")).isEqualTo(Duration.ofHours(24));
        assertThat(Values.duration("0s")).isZero();
        for (String bad : List.of("", " ", "24", "h", "1.5h", "-1h", "24 h", "1y", "24hours", "P", "PT", "PTxH", "1h-", "h1",
                "1h1h", "30m1h", "5s5ms5s")) {
            assertThatThrownBy(() -> Values.duration(bad)).as("\"%s\"", bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Values.duration("99999999999999999999h")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Values.duration("999999999999999d")).isInstanceOf(IllegalArgumentException.class);

        assertThat(Values.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(Values.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Values.format(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Values.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Values.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Values.format(Duration.ofHours(24))).isEqualTo("1d");
        for (String s : List.of("23h", "1h30m", "7d", "1d1h1m1s", "45s")) {
            assertThat(Values.format(Values.duration(s))).as(s).isEqualTo(s);
        }
    }

    @Test
    void sizesAndBooleans() {
        long mib = 1024 * 1024;
        assertThat(Values.bytes("16MiB")).isEqualTo(16 * mib);
        assertThat(Values.bytes("16M")).isEqualTo(16 * mib);
        assertThat(Values.bytes("16mb")).isEqualTo(16 * mib);
        assertThat(Values.bytes("16 MiB")).isEqualTo(16 * mib);
        assertThat(Values.bytes("512KiB")).isEqualTo(512 * 1024);
        assertThat(Values.bytes("1GiB")).isEqualTo(1024 * mib);
        assertThat(Values.bytes("2TiB")).isEqualTo(2L << 40);
        assertThat(Values.bytes("4096")).isEqualTo(4096);
        assertThat(Values.bytes("4096b")).isEqualTo(4096);
        assertThat(Values.bytes("0")).isZero();
        assertThat(Values.bytes(" 5MiB ")).isEqualTo(5 * mib);
        for (String bad : List.of("", "MiB", "1.5GiB", "-1", "16XiB", "16 M iB", "99999999999999999999", "8388608TiB", "ten")) {
            assertThatThrownBy(() -> Values.bytes(bad)).as("\"%s\"", bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Values.bytes("8388607TiB")).isEqualTo(8388607L << 40);

        for (String t : List.of("true", "TRUE", "yes", "on", " True ")) {
            assertThat(Values.bool(t)).as(t).isTrue();
        }
        for (String f : List.of("false", "no", "off", "Off")) {
            assertThat(Values.bool(f)).as(f).isFalse();
        }
        assertThatThrownBy(() -> Values.bool("1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Values.distance("lifeboat.rpoo", "lifeboat.rpo")).isEqualTo(1);
        assertThat(Values.distance("", "abc")).isEqualTo(3);
    }

    @Test
    void anOverflowingDurationIsAProblemNotACrash() {
        Map<String, String> p = minimal();
        p.put("lifeboat.rpo", "999999999999999d");
        p.put("lifeboat.garbage-safety-age", "99999999999999999999h");
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.problems()).extracting(Problem::setting).containsExactlyInAnyOrder("lifeboat.rpo", "lifeboat.garbage-safety-age");
    }

    /** A valid configuration: files "uploads" to a local store. */
    private Map<String, String> minimal() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lifeboat.files.uploads.path", uploads.toString());
        p.put("lifeboat.stores.local.type", "local");
        p.put("lifeboat.stores.local.path", dir.resolve("backups").toString());
        return p;
    }

    @Test
    void aStoreCanBeMarkedNotRequiredAndTheOwnSigningKeyIsTrustedOnRecovery() throws Exception {
        java.nio.file.Path media = java.nio.file.Files.createDirectories(dir.resolve("req-media"));
        java.nio.file.Files.writeString(media.resolve("a.txt"), "a");
        Map<String, String> p = new java.util.HashMap<>();
        p.put("lifeboat.files.media.path", media.toString());
        p.put("lifeboat.signing.key-file", dir.resolve("req-signing.pem").toString());
        p.put("lifeboat.stores.main.type", "local");
        p.put("lifeboat.stores.main.path", dir.resolve("req-main").toString());
        p.put("lifeboat.stores.spare.type", "local");
        p.put("lifeboat.stores.spare.path", dir.resolve("req-spare").toString());
        p.put("lifeboat.stores.spare.required", "false");
        dev.lifeboat.api.BackupResult r = LifeboatProperties.of(p, Map.of()).build().backupNow();
        assertThat(r.manifest().stores()).extracting(c -> c.name() + "=" + c.required())
                .containsExactly("main=true", "spare=false");
        Recovery recovery = LifeboatProperties.of(p, Map.of()).recovery(null, null);
        assertThat(recovery.trustedKeys()).containsExactly(
                dev.lifeboat.crypto.SigningKey.load(dir.resolve("req-signing.pem")).verifyKey());
        assertThat(recovery.verify(r.id(), dev.lifeboat.api.verify.VerifyLevel.STRUCTURE).signature())
                .isEqualTo(dev.lifeboat.api.verify.SignatureStatus.TRUSTED);

        p.put("lifeboat.stores.main.required", "false");
        ConfigurationException e = catchThrowableOfType(() -> LifeboatProperties.of(p, Map.of()).build(), ConfigurationException.class);
        assertThat(e.getMessage()).contains("lifeboat.stores.<name>.required: must be true for at least one store");
    }
}
