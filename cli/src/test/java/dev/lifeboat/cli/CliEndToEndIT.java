package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.crypto.AgeKeys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.json.JsonObject;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disaster-recovery story through the built jar, as separate processes: the application's machine backs up
 * PostgreSQL, files, config and secrets to a local store and to S3; "another machine" that has only the S3 store
 * settings, the offline identity and the trusted signing key lists, shows, verifies and restores everything into an
 * empty database and an empty directory, and the data is identical.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndIT {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @TempDir
    static Path dir;

    static S3Server s3;
    static String sourceUrl;
    static Path app;
    static Path ops;
    static Map<String, String> env;
    static String backupId;

    @BeforeAll
    static void setUp() throws Exception {
        Requirements.requireTool("pg_dump");
        s3 = S3Server.start(Files.createDirectories(dir.resolve("s3")), "offsite");
        env = Map.of("OFFSITE_SECRET", S3Server.SECRET_KEY);
        sourceUrl = PG.createDatabase("lb_cli_src");
        try (Connection c = PG.connect(sourceUrl); Statement st = c.createStatement()) {
            st.execute("create table users (id serial primary key, email text unique, name text)");
            st.execute("create table orders (id bigserial primary key, user_id int references users(id), total numeric(10,2), note text)");
            st.execute("insert into users (email, name) select 'u' || g || '@shop.test', 'Ünïcode ' || g from generate_series(1, 700) g");
            st.execute("insert into orders (user_id, total, note) select 1 + g % 700, g * 1.25, case when g % 4 = 0 then null else 'n' || g end"
                    + " from generate_series(1, 2500) g");
            st.execute("create view big_spenders as select user_id, sum(total) from orders group by user_id having sum(total) > 1000");
        }
        app = Files.createDirectories(dir.resolve("app-machine"));
        Path media = Files.createDirectories(app.resolve("media/avatars"));
        Files.write(media.resolve("a.png"), new byte[] {1, 2, 3, 4, 5});
        Jar.write(app.resolve("media/docs/readme.txt"), "hello\n".repeat(100));
        Files.createSymbolicLink(app.resolve("media/latest"), Path.of("docs/readme.txt"));
        Jar.write(app.resolve("etc/shop.conf"), "listen 8080\n");
        Path envFile = Jar.write(app.resolve("shop/.env"), "DB_PASSWORD=EnvCanary-7f3a\nSTRIPE_KEY=sk_live_EnvCanary\n");
        Files.setPosixFilePermissions(envFile, PosixFilePermissions.fromString("rw-------"));

        ops = Files.createDirectories(dir.resolve("ops-machine"));
        AgeKeys keys = AgeKeys.generate();
        keys.writeIdentityFile(ops.resolve("identity.txt"));
        SigningKey signing = SigningKey.generate();
        signing.writeTo(app.resolve("signing.pem"));

        Jar.write(app.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.application=shop",
                "lifeboat.databases.main.url=" + sourceUrl,
                "lifeboat.files.media.path=" + app.resolve("media"),
                "lifeboat.config.deploy.paths=" + app.resolve("etc/shop.conf"),
                "lifeboat.secrets.env.paths=" + envFile,
                "lifeboat.encryption.recipients=" + keys.recipient().keys().get(0),
                "lifeboat.signing.key-file=" + app.resolve("signing.pem"),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + app.resolve("backups"),
                s3.storeProperties("offsite", "offsite", "shop/"),
                "lifeboat.rpo=24h", ""));
        // the operator's machine knows only where the backups are and whom to trust
        Jar.write(ops.resolve("lifeboat.properties"), s3.storeProperties("offsite", "offsite", "shop/")
                + "lifeboat.signing.public-key=" + signing.verifyKey() + "\n");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    @Order(1)
    void backupStoresEverythingInBothStores() throws Exception {
        Jar.Run r = Jar.run(app, env, "backup");
        assertThat(r.exit()).as(r.toString()).isZero();
        backupId = r.out().strip();
        assertThat(backupId).matches("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
        assertThat(r.err()).contains("SUCCESS: 4 parts").doesNotContain(S3Server.SECRET_KEY);
        assertThat(app.resolve("backups/backups/" + backupId + "/secrets-env.tar.zst.age")).exists();
        assertThat(FileTrees.anyFileContains(app.resolve("backups"), "EnvCanary")).isFalse();
        assertThat(FileTrees.anyFileContains(dir.resolve("s3"), "EnvCanary")).isFalse();

        Jar.Run json = Jar.run(app, env, "--json", "list");
        assertThat(json.exit()).as(json.toString()).isZero();
        DocumentedJson.assertConforms("list", json.json().map());
        List<Object> backups = json.json().array("backups");
        assertThat(backups).hasSize(1);
        JsonObject b = JsonObject.of(backups.get(0), "backup");
        assertThat(b.string("backupId")).isEqualTo(backupId);
        assertThat(b.string("status")).isEqualTo("SUCCESS");
        assertThat(b.number("parts")).isEqualTo(4);
        assertThat(b.array("stores")).containsExactly("local", "offsite");
    }

    @Test
    @Order(2)
    void anotherMachineListsShowsAndVerifiesFromTheStoreAlone() throws Exception {
        Jar.Run list = Jar.run(ops, env, "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains(backupId).contains("SUCCESS").contains("offsite");

        Jar.Run show = Jar.run(ops, env, "--json", "show", "latest");
        assertThat(show.exit()).as(show.toString()).isZero();
        JsonObject m = show.json();
        DocumentedJson.assertConforms("show", m.map());
        assertThat(m.string("backupId")).isEqualTo(backupId);
        assertThat(m.string("application")).isEqualTo("shop");
        assertThat(m.array("parts")).extracting(p -> JsonObject.of(p, "p").string("key"))
                .containsExactly("backups/" + backupId + "/db-main.pgdump.age", "backups/" + backupId + "/files-media.tar.zst.age",
                        "backups/" + backupId + "/config-deploy.tar.zst.age", "backups/" + backupId + "/secrets-env.tar.zst.age");
        JsonObject db = JsonObject.of(m.array("parts").get(0), "db");
        assertThat(db.object("rowCounts").number("public.users")).isEqualTo(700);
        assertThat(db.object("rowCounts").number("public.orders")).isEqualTo(2500);
        assertThat(db.has("checkpoints")).as("the CLI leaves the manifest's checkpoint list out").isFalse();
        assertThat(m.array("copies")).extracting(c -> JsonObject.of(c, "c").string("name") + " "
                + JsonObject.of(c, "c").bool("complete")).containsExactly("local true", "offsite true");

        Jar.Run human = Jar.run(ops, env, "show", backupId);
        assertThat(human.out()).contains("public.orders").contains("2,500 rows").contains("age-encrypted")
                .containsPattern("Stores +local +complete").containsPattern("offsite +complete");

        Jar.Run verify = Jar.run(ops, env, "--json", "verify", "latest", "--content", "--identity", "identity.txt");
        assertThat(verify.exit()).as(verify.toString()).isZero();
        JsonObject v = verify.json();
        DocumentedJson.assertConforms("verify", v.map());
        assertThat(v.bool("ok")).isTrue();
        assertThat(v.string("level")).isEqualTo("CONTENT");
        assertThat(v.number("partsChecked")).isEqualTo(4);
        assertThat(v.number("bytesRead")).isPositive();
        assertThat(v.array("findings")).isEmpty();
    }

    @Test
    @Order(3)
    void restoreAllOnAnotherMachineGivesIdenticalData() throws Exception {
        String target = PG.reserveDatabase("lb_cli_dst");
        Jar.Run r = Jar.run(ops, env, "--json", "restore", "latest", "--all", "--to-dir", "restored",
                "--database-url", "main=" + target, "--identity", "identity.txt");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonObject o = r.json();
        DocumentedJson.assertConforms("restore", o.map());
        assertThat(o.bool("matchesManifest")).isTrue();
        assertThat(o.array("restored")).hasSize(4);

        assertThat(fingerprint(target)).isEqualTo(fingerprint(sourceUrl));
        Path restored = ops.resolve("restored");
        assertThat(FileTrees.snapshot(restored.resolve("files-media"))).isEqualTo(FileTrees.snapshot(app.resolve("media")));
        assertThat(restored.resolve("config-deploy").resolve(app.resolve("etc/shop.conf").toString().substring(1)))
                .hasContent("listen 8080");
        Path env = restored.resolve("secrets-env").resolve(app.resolve("shop/.env").toString().substring(1));
        assertThat(env).hasContent("DB_PASSWORD=EnvCanary-7f3a\nSTRIPE_KEY=sk_live_EnvCanary");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
    }

    @Test
    @Order(4)
    void statusReportsAgeAgainstTheRpo() throws Exception {
        Jar.Run r = Jar.run(app, env, "--json", "status");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonObject o = r.json();
        DocumentedJson.assertConforms("status", o.map());
        assertThat(o.bool("healthy")).isTrue();
        assertThat(o.number("rpoSeconds")).isEqualTo(86400);
        assertThat(o.array("stores")).hasSize(2).allSatisfy(s -> {
            JsonObject so = JsonObject.of(s, "store");
            assertThat(so.bool("withinRpo")).isTrue();
            assertThat(so.string("latestBackupId")).isEqualTo(backupId);
        });
        Jar.Run one = Jar.run(app, env, "--json", "status", "--store", "offsite");
        assertThat(one.exit()).as(one.toString()).isZero();
        assertThat(one.json().array("stores")).hasSize(1);
        Jar.Run human = Jar.run(app, env, "status");
        assertThat(human.out()).startsWith("OK: backups are within the RPO of 24h").contains("offsite");
    }

    @Test
    @Order(5)
    void backupJsonThenOnePartAtATimeFromTheStoreNamed() throws Exception {
        Jar.Run backup = Jar.run(app, env, "--json", "backup");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        JsonObject b = backup.json();
        DocumentedJson.assertConforms("backup", b.map());
        String second = b.string("backupId");
        assertThat(second).isNotEqualTo(backupId);
        assertThat(b.string("status")).isEqualTo("SUCCESS");
        assertThat(b.string("application")).isEqualTo("shop");
        assertThat(b.number("size")).isPositive();
        assertThat(b.array("parts")).extracting(p -> JsonObject.of(p, "part").string("name"))
                .containsExactly("main", "media", "deploy", "env");
        assertThat(backup.err()).as("no progress is drawn when stderr is not a terminal").doesNotContain("\r", "ETA");
        String identity = ops.resolve("identity.txt").toString();

        // the local copy of the config part is damaged; the offsite copy is intact
        Path local = app.resolve("backups/backups/" + second + "/config-deploy.tar.zst.age");
        byte[] bytes = Files.readAllBytes(local);
        bytes[bytes.length / 2] ^= 1;
        Files.write(local, bytes);

        Jar.Run badLocal = Jar.run(app, env, "--json", "verify", second, "--content", "--store", "local", "--identity", identity);
        assertThat(badLocal.exit()).as(badLocal.toString()).isEqualTo(3);
        assertThat(badLocal.json().array("findings")).extracting(f -> JsonObject.of(f, "finding").string("subject"))
                .containsExactly("config-deploy");
        Jar.Run goodOffsite = Jar.run(app, env, "verify", second, "--content", "--store", "offsite", "--identity", identity);
        assertThat(goodOffsite.exit()).as(goodOffsite.toString()).isZero();
        // --store checks that store's copy and no other: one it does not have is not verified through offsite's
        Path manifest = app.resolve("backups/backups/" + second + "/manifest.json");
        Path aside = Files.move(manifest, app.resolve("manifest.json.aside"));
        Jar.Run notThere = Jar.run(app, env, "verify", second, "--store", "local");
        Files.move(aside, manifest);
        assertThat(notThere.exit()).as(notThere.toString()).isEqualTo(1);
        assertThat(notThere.err()).contains("[LB-301]");

        // the damaged local copy is preferred, refused before anything is written, and the offsite copy restored
        Jar.Run fromLocal = Jar.run(app, env, "--json", "restore", second, "--config", "deploy", "--to-dir", "cfg-local",
                "--store", "local", "--identity", identity);
        assertThat(fromLocal.exit()).as(fromLocal.toString()).isZero();
        assertThat(fromLocal.err()).contains("the copy in local:" + app.resolve("backups")).contains("config-deploy")
                .contains("restoring from s3://");
        assertThat(JsonObject.of(fromLocal.json().array("restored").get(0), "r").string("store")).startsWith("s3://");
        assertThat(app.resolve("cfg-local").resolve(app.resolve("etc/shop.conf").toString().substring(1))).hasContent("listen 8080");

        // the global --config before the command, the part's --config after it
        Jar.Run fromOffsite = Jar.run(app, env, "--config", app.resolve("lifeboat.properties").toString(), "restore", second,
                "--config", "deploy", "--to-dir", "cfg", "--store", "offsite", "--identity", identity);
        assertThat(fromOffsite.exit()).as(fromOffsite.toString()).isZero();
        String conf = app.resolve("etc/shop.conf").toString().substring(1);
        assertThat(FileTrees.snapshot(app.resolve("cfg")).entrySet()).as("only the config part is restored")
                .filteredOn(e -> !e.getValue().startsWith("dir ")).extracting(Map.Entry::getKey).containsExactly(conf);
        assertThat(app.resolve("cfg").resolve(conf)).hasContent("listen 8080");

        Jar.Run secrets = Jar.run(ops, env, "restore", second, "--secrets", "env", "--to-dir", "sec", "--identity", "identity.txt");
        assertThat(secrets.exit()).as(secrets.toString()).isZero();
        Path restoredEnv = ops.resolve("sec").resolve(app.resolve("shop/.env").toString().substring(1));
        assertThat(restoredEnv).hasContent("DB_PASSWORD=EnvCanary-7f3a\nSTRIPE_KEY=sk_live_EnvCanary");
        assertThat(secrets.out() + secrets.err()).doesNotContain("EnvCanary");
        assertThat(ops.resolve("sec/" + app.toString().substring(1) + "/media")).doesNotExist();
    }

    @Test
    @Order(6)
    void oneDatabaseIntoAnEmptyDatabaseTheOperatorCreated() throws Exception {
        String target = PG.createDatabase("lb_cli_one"); // createdb, as the runbook says
        Jar.Run r = Jar.run(ops, env, "--json", "restore", backupId, "--database", "main", "--to-url", target,
                "--identity", "identity.txt");
        assertThat(r.exit()).as(r.toString()).isZero();
        DocumentedJson.assertConforms("restore", r.json().map());
        JsonObject restored = JsonObject.of(r.json().array("restored").get(0), "restored");
        assertThat(restored.string("part")).isEqualTo("db-main");
        assertThat(restored.bool("matchesManifest")).isTrue();
        assertThat(restored.object("rowCounts").number("public.users")).isEqualTo(700);
        assertThat(fingerprint(target)).isEqualTo(fingerprint(sourceUrl));
        assertThat(fingerprint(target).get("indexes")).contains("users_email_key");
    }

    static Map<String, String> fingerprint(String url) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            for (String t : List.of("users", "orders", "big_spenders")) {
                try (ResultSet rs = st.executeQuery("select count(*), md5(coalesce(string_agg(x::text, '|' order by x::text), ''))"
                        + " from " + t + " x")) {
                    rs.next();
                    out.put(t, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            for (String seq : List.of("users_id_seq", "orders_id_seq")) {
                try (ResultSet rs = st.executeQuery("select last_value, is_called from " + seq)) {
                    rs.next();
                    out.put(seq, rs.getLong(1) + " " + rs.getBoolean(2));
                }
            }
            try (ResultSet rs = st.executeQuery("select string_agg(indexdef, '; ' order by indexdef) from pg_indexes where schemaname = 'public'")) {
                rs.next();
                out.put("indexes", rs.getString(1));
            }
        }
        return out;
    }
}
