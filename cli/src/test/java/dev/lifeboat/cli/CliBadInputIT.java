package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.crypto.AgeKeys;
import dev.lifeboat.internal.json.JsonObject;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input gets a clear message and the documented exit code, and writes nothing. */
class CliBadInputIT {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @TempDir
    static Path dir;

    static Path work;
    static String sourceUrl;
    static String backupId;

    @BeforeAll
    static void setUp() throws Exception {
        Requirements.requireTool("pg_dump");
        work = Files.createDirectories(dir.resolve("work"));
        sourceUrl = PG.createDatabase("lb_cli_bad");
        try (Connection c = PG.connect(sourceUrl); Statement st = c.createStatement()) {
            st.execute("create table t (id int primary key)");
            st.execute("insert into t select generate_series(1, 50)");
        }
        Jar.write(work.resolve("media/a.txt"), "a");
        AgeKeys keys = AgeKeys.generate();
        keys.writeIdentityFile(work.resolve("right.txt"));
        AgeKeys.generate().writeIdentityFile(work.resolve("wrong.txt"));
        Jar.write(work.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.databases.main.url=" + sourceUrl,
                "lifeboat.files.media.path=" + work.resolve("media"),
                "lifeboat.encryption.recipients=" + keys.recipient().keys().get(0),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + work.resolve("store"), ""));
        Jar.Run r = Jar.run(work, "backup");
        assertThat(r.exit()).as(r.toString()).isZero();
        backupId = r.out().strip();
    }

    @Test
    void missingConfigFileIsAConfigurationError() throws Exception {
        Jar.Run r = Jar.run(work, "--config", "nowhere.properties", "list");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("[LB-100]").contains("configuration file: must be an existing, readable properties file")
                .contains("nowhere.properties");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Jar.Run none = Jar.run(empty, "list");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--config").contains("./lifeboat.properties does not exist");
    }

    @Test
    void unknownKeyIsWarnedWithASuggestion() throws Exception {
        Jar.write(dir.resolve("typo/lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                + work.resolve("store") + "\nlifeboat.stores.local.pth=/x\nlifeboat.rpoo=24h\n");
        Jar.Run r = Jar.run(dir.resolve("typo"), "list");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("unknown setting lifeboat.stores.local.pth is ignored; did you mean lifeboat.stores.local.path?")
                .contains("unknown setting lifeboat.rpoo is ignored; did you mean lifeboat.rpo?");
        assertThat(r.out()).contains(backupId);

        // a backup refuses it: a misspelt key must not quietly change what is backed up, or how
        Jar.write(dir.resolve("typo-backup/lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                + dir.resolve("typo-backup/store") + "\nlifeboat.files.media.path=" + work.resolve("media") + "\nlifeboat.encryption.recipient=age1x\n");
        Jar.Run backup = Jar.run(dir.resolve("typo-backup"), "backup");
        assertThat(backup.exit()).as(backup.toString()).isEqualTo(2);
        assertThat(backup.err()).contains("[LB-100]")
                .contains("lifeboat.encryption.recipient: must be a known setting (did you mean lifeboat.encryption.recipients?), but was unknown");
        assertThat(dir.resolve("typo-backup/store")).doesNotExist();
    }

    @Test
    void malformedUrlAndBadDurationAreReportedTogetherByKey() throws Exception {
        Jar.write(dir.resolve("bad/lifeboat.properties"), String.join("\n",
                "lifeboat.databases.main.url=jdbc:postgres:/oops",
                "lifeboat.databases.main.password=Pw-Canary-123",
                "lifeboat.rpo=24 hours",
                "lifeboat.compression.level=99",
                "lifeboat.stores.s.type=local",
                "lifeboat.stores.s.path=" + dir.resolve("bad/store"), ""));
        Jar.Run r = Jar.run(dir.resolve("bad"), "backup");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("(3 problems)")
                .contains("lifeboat.rpo: must be a duration like 24h, 30m, 90s, 7d, 1h30m or PT24H, but was \"24 hours\"")
                .contains("lifeboat.databases.main.url: must be a jdbc:postgresql://host[:port]/database")
                .contains("lifeboat.compression.level: must be between 1 and 19, but was 99")
                .doesNotContain("Pw-Canary");
        assertThat(dir.resolve("bad/store")).doesNotExist();
    }

    @Test
    void statusRefusesAnRpoItCannotReadInsteadOfCallingAnyBackupFresh() throws Exception {
        for (String rpo : new String[] {"1 day", "${LB_TEST_UNSET_RPO}"}) {
            Jar.write(dir.resolve("rpo/lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                    + work.resolve("store") + "\nlifeboat.rpo=" + rpo + "\n");
            Jar.Run r = Jar.run(dir.resolve("rpo"), "status");
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("lifeboat.rpo: must be");
            assertThat(r.out()).doesNotContain("OK");
        }
    }

    /**
     * A missing identity or signing key file is a mistake in how the command was called, the same for every store:
     * a usage error reported with the others (exit 2), not a store that is down (monitoring would page for it).
     */
    @Test
    void listAndStatusReportConfigurationMistakesTogetherNotAsDownStores() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("misconf"));
        Jar.write(conf.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + work.resolve("store"),
                "lifeboat.signing.key-file=" + conf.resolve("not-on-this-machine.pem"),
                "lifeboat.rpo=1 day",
                "lifeboat.rto=soon", ""));
        for (String command : new String[] {"list", "status"}) {
            Jar.Run r = Jar.run(conf, "--json", command, "--identity", "./missing.txt");
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("[LB-100]").contains("identity file").contains("missing.txt")
                    .contains("lifeboat.signing.key-file: must be an existing signing key file").doesNotContain("DOWN");
            assertThat(r.out()).contains("\"code\": \"LB-100\"").doesNotContain("reachable").doesNotContain("storeErrors");
        }
        Jar.Run status = Jar.run(conf, "status");
        assertThat(status.err()).contains("lifeboat.rpo: must be").contains("lifeboat.rto: must be");
        Jar.Run verify = Jar.run(conf, "verify", "latest", "--store", "local", "--identity", "./missing.txt");
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(2);
        assertThat(verify.err()).contains("missing.txt").contains("lifeboat.signing.key-file");
        Jar.Run show = Jar.run(conf, "show", "latest", "--identity", "./missing.txt");
        assertThat(show.exit()).as(show.toString()).isEqualTo(2);
        assertThat(show.err()).contains("missing.txt").contains("lifeboat.signing.key-file");
    }

    @Test
    void aBackupDatedInTheFutureIsReportedByStatusAndStopsBackups() throws Exception {
        Path skew = Files.createDirectories(dir.resolve("skew"));
        Path conf = Jar.write(skew.resolve("app.conf"), "listen 80\n");
        // made by a machine whose clock ran a day ahead
        BackupId future = Lifeboat.configure().config("deploy", conf).store(LocalStore.at(skew.resolve("store")))
                .clock(Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC)).build().backupNow().id();
        Jar.write(skew.resolve("lifeboat.properties"), "lifeboat.config.deploy.paths=" + conf
                + "\nlifeboat.stores.local.type=local\nlifeboat.stores.local.path=" + skew.resolve("store") + "\nlifeboat.rpo=24h\n");

        Jar.Run status = Jar.run(skew, "--json", "status");
        assertThat(status.exit()).as(status.toString()).isEqualTo(1);
        JsonObject store = JsonObject.of(status.json().array("stores").get(0), "store");
        assertThat(store.bool("futureDated")).isTrue();
        assertThat(store.bool("withinRpo")).as("a future date says nothing about how recent the data is").isFalse();
        Jar.Run human = Jar.run(skew, "status");
        assertThat(human.out()).startsWith("ATTENTION").contains("SKEW").contains("in the future");

        Jar.Run backup = Jar.run(skew, "backup");
        assertThat(backup.exit()).as(backup.toString()).isEqualTo(1);
        assertThat(backup.err()).contains("[LB-303]").contains("backup " + future + " in local:")
                .contains("after this machine's clock");
        Jar.Run list = Jar.run(skew, "--json", "list");
        assertThat(list.json().array("backups")).as("nothing was published").hasSize(1);
    }

    @Test
    void aPartMissingFromTheNewestBackupMakesStatusCountTheOneBeforeAndSayWhy() throws Exception {
        Path dmg = Files.createDirectories(dir.resolve("status-damaged"));
        BackupId[] ids = twoBackups(dmg);
        BackupId older = ids[0];
        BackupId newest = ids[1];
        Files.delete(dmg.resolve("store/backups/" + newest + "/config-deploy.tar.zst")); // bit rot, a careless prune

        Jar.Run status = Jar.run(dmg, "--json", "status");
        assertThat(status.exit()).as(status.toString()).isEqualTo(1);
        assertThat(status.json().bool("healthy")).isFalse();
        JsonObject store = JsonObject.of(status.json().array("stores").get(0), "store");
        assertThat(store.string("latestBackupId")).isEqualTo(newest.value());
        assertThat(store.string("lastSuccessId")).as("the newest whole backup").isEqualTo(older.value());
        assertThat(store.bool("withinRpo")).isTrue();
        assertThat(store.array("damaged")).singleElement().satisfies(d -> {
            JsonObject o = JsonObject.of(d, "damaged");
            assertThat(o.string("backupId")).isEqualTo(newest.value());
            assertThat(o.array("findings")).singleElement().asString().contains("config-deploy");
        });
        Jar.Run human = Jar.run(dmg, "status");
        assertThat(human.out()).startsWith("ATTENTION").contains("DAMAGED").contains(newest + " is damaged: ");

        Files.writeString(dmg.resolve("store/backups/" + newest + "/config-deploy.tar.zst"), "x"); // truncated
        Jar.Run truncated = Jar.run(dmg, "--json", "status");
        assertThat(truncated.exit()).as(truncated.toString()).isEqualTo(1);
        assertThat(truncated.json().array("stores")).singleElement().satisfies(st -> assertThat(JsonObject.of(st, "store")
                .array("damaged")).singleElement().satisfies(d -> assertThat(JsonObject.of(d, "damaged").array("findings"))
                .singleElement().asString().contains("1 bytes")));
    }

    @Test
    void aNewerBackupWhoseManifestDoesNotReadMakesStatusSayWhy() throws Exception {
        Path dmg = Files.createDirectories(dir.resolve("status-unreadable"));
        BackupId[] ids = twoBackups(dmg);
        BackupId older = ids[0];
        BackupId newest = ids[1];
        Files.writeString(dmg.resolve("store/backups/" + newest + "/manifest.json"), "{\"format\": \"lifeboat-manifest\"}");

        Jar.Run status = Jar.run(dmg, "--json", "status");
        assertThat(status.exit()).as(status.toString()).isEqualTo(1);
        assertThat(status.json().bool("healthy")).isFalse();
        DocumentedJson.assertConforms("status", status.json().map());
        JsonObject store = JsonObject.of(status.json().array("stores").get(0), "store");
        assertThat(store.string("lastSuccessId")).isEqualTo(older.value());
        assertThat(store.array("damaged")).singleElement().satisfies(d -> {
            JsonObject o = JsonObject.of(d, "damaged");
            assertThat(o.string("backupId")).isEqualTo(newest.value());
            assertThat(o.array("findings")).singleElement().asString().contains("manifest");
        });
        Jar.Run human = Jar.run(dmg, "status");
        assertThat(human.out()).startsWith("ATTENTION").contains(newest + " is damaged: ");
    }

    /** Two backups of a config file in {@code root}/store, and a config naming only that store (RPO 24h): {older, newest}. */
    private static BackupId[] twoBackups(Path root) throws Exception {
        Path conf = Jar.write(root.resolve("app.conf"), "listen 80\n");
        Lifeboat lifeboat = Lifeboat.configure().config("deploy", conf).store(LocalStore.at(root.resolve("store"))).build();
        BackupId older = lifeboat.backupNow().id();
        BackupId newest = lifeboat.backupNow().id();
        Jar.write(root.resolve("lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                + root.resolve("store") + "\nlifeboat.rpo=24h\n");
        return new BackupId[] {older, newest};
    }

    @Test
    void sigtermDuringABackupStopsTheDumpAndLeavesNothingBehind() throws Exception {
        Path term = Files.createDirectories(dir.resolve("term"));
        Path bin = Files.createDirectories(term.resolve("bin"));
        Path pidFile = term.resolve("pg_dump.pid");
        // a dump that writes some output, then hangs: the backup is mid-part when the signal comes
        Path pgDump = Jar.write(bin.resolve("pg_dump"), "#!/bin/sh\n"
                + "if [ \"$1\" = \"--version\" ]; then exec " + Requirements.requireTool("pg_dump") + " --version; fi\n"
                + "echo $$ > " + pidFile + "\n"
                + "head -c 3000000 /dev/urandom\n"
                + "exec sleep 120\n");
        Files.setPosixFilePermissions(pgDump, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(bin.resolve("pg_restore"), Requirements.requireTool("pg_restore"));
        Files.createDirectories(term.resolve("tmp"));
        Jar.write(term.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.databases.main.url=" + sourceUrl,
                "lifeboat.databases.main.bin-dir=" + bin,
                "lifeboat.temp-dir=" + term.resolve("tmp"),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + term.resolve("store"), ""));

        Process p = Jar.start(term, "backup");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank() || !hasTempFile(term.resolve("store"))) {
            assertThat(System.nanoTime()).as("the fake pg_dump starts and the part is being written").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(500); // the dump's output has reached the store's temporary file
        long dumpPid = Long.parseLong(Files.readString(pidFile).strip());
        p.toHandle().destroy(); // SIGTERM, as systemd or docker stop send it (Process.destroy would close our pipes)
        Jar.Run r = Jar.finish(p, "backup");

        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("stopping: aborting the backup").contains("[LB-304]").contains("was cancelled");
        assertThat(ProcessHandle.of(dumpPid).map(ProcessHandle::isAlive)).as("pg_dump is stopped").satisfiesAnyOf(
                h -> assertThat(h).isEmpty(), h -> assertThat(h).contains(false));
        assertThat(hasTempFile(term.resolve("store"))).as("no half-written part").isFalse();
        assertThat(entries(term.resolve("store/backups"))).as("nothing published").isEmpty();
        assertThat(entries(term.resolve("tmp"))).as("the private temporary folder (with the password file) is gone").isEmpty();
    }

    private static List<Path> entries(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static boolean hasTempFile(Path store) throws java.io.IOException {
        Path tmp = store.resolve(".lifeboat-tmp");
        if (!Files.isDirectory(tmp)) {
            return false;
        }
        try (var s = Files.list(tmp)) {
            return s.anyMatch(f -> f.toString().endsWith(".tmp"));
        }
    }

    @Test
    void unknownAndMalformedBackupIds() throws Exception {
        Jar.Run unknown = Jar.run(work, "show", "20200101T000000Z-00000000");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("[LB-301]").contains("does not exist");
        Jar.Run malformed = Jar.run(work, "verify", "yesterday");
        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(malformed.err()).contains("'latest' or an id like 20261126T021500Z-3f9a1c0b");
        Jar.Run json = Jar.run(work, "--json", "show", "20200101T000000Z-00000000");
        JsonObject o = json.json();
        assertThat(o.string("error")).isEqualTo("NOT_FOUND");
        assertThat(o.string("code")).isEqualTo("LB-301");
        assertThat(o.string("message")).contains("does not exist");
        Jar.Run restore = Jar.run(work, "restore", "20200101T000000Z-00000000", "--files", "media", "--to-dir", "nothing-here");
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(1);
        assertThat(restore.err()).contains("[LB-301]");
        assertThat(work.resolve("nothing-here")).as("a restore of a backup that does not exist creates nothing").doesNotExist();
    }

    @Test
    void findingsExitWithThree() throws Exception {
        // a copy of the store, damaged: the shared store stays intact
        Path damaged = storeOnlyCopy("damaged");
        Path part = damaged.resolve("store/backups/" + backupId + "/files-media.tar.zst.age");
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(part, bytes);

        Jar.Run structure = Jar.run(damaged, "verify", "latest");
        assertThat(structure.exit()).as("the size is unchanged: " + structure).isZero();
        Jar.Run flipped = Jar.run(damaged, "verify", "latest", "--content", "--identity", "right.txt");
        assertThat(flipped.exit()).as(flipped.toString()).isEqualTo(3);
        assertThat(flipped.out()).contains("CONTENT " + backupId + ": 1 findings").contains("files-media");

        Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        Jar.Run truncated = Jar.run(damaged, "--json", "verify", "latest");
        assertThat(truncated.exit()).as(truncated.toString()).isEqualTo(3);
        assertThat(truncated.json().bool("ok")).isFalse();
        assertThat(truncated.out()).contains("files-media");
    }

    @Test
    void aRestoreOfEverythingThatFailsMidwaySaysWhatWasAndWasNotRestoredInJsonToo() throws Exception {
        Path mid = Files.createDirectories(dir.resolve("restore-midway"));
        Path media = Files.createDirectories(mid.resolve("media"));
        Jar.write(media.resolve("a.txt"), "a");
        Path conf = Jar.write(mid.resolve("app.conf"), "listen 80\n");
        Lifeboat lifeboat = Lifeboat.configure().files("media", media).config("deploy", conf)
                .store(LocalStore.at(mid.resolve("store"))).build();
        BackupId id = lifeboat.backupNow().id();
        Path part = mid.resolve("store/backups/" + id + "/config-deploy.tar.zst");
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 1; // same size: the checks before the restore pass, the part's hash does not
        Files.write(part, bytes);
        Jar.write(mid.resolve("lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                + mid.resolve("store") + "\n");

        Jar.Run r = Jar.run(mid, "--json", "restore", id.value(), "--all", "--to-dir", mid.resolve("out").toString());

        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.json().string("code")).isEqualTo("LB-400");
        assertThat(r.json().array("restored")).singleElement()
                .satisfies(x -> assertThat(JsonObject.of(x, "restored").string("part")).isEqualTo("files-media"));
        assertThat(r.json().array("notRestored")).containsExactly("config-deploy");
        assertThat(mid.resolve("out/files-media/a.txt")).hasContent("a");
        assertThat(r.err()).contains("restored before it").contains("not restored: [config-deploy]");
    }

    @Test
    void aLatestBackupDamagedInEveryStoreNamesTheRestorePointBeforeIt() throws Exception {
        Path copy = storeOnlyCopy("older");
        BackupId newer = Lifeboat.configure().files("media", work.resolve("media")).store(LocalStore.at(copy.resolve("store")))
                .build().backupNow().id();
        Path part = copy.resolve("store/backups/" + newer + "/files-media.tar.zst");
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(part, bytes);

        Jar.Run r = Jar.run(copy, "restore", "latest", "--files", "media", "--to-dir", "out", "--identity", "right.txt");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.err()).contains("[LB-400]").doesNotContain("[LB-400] [LB-400]").contains("files-media of backup " + newer)
                .contains("The restore point before it is " + backupId + " (SUCCESS, finished ")
                .contains("lifeboat restore " + backupId);
        assertThat(copy.resolve("out")).doesNotExist();
        Jar.Run previous = Jar.run(copy, "restore", backupId, "--files", "media", "--to-dir", "out", "--identity", "right.txt");
        assertThat(previous.exit()).as(previous.toString()).isZero();
    }

    /** A restore whose tables differ from the manifest's counts (an unsigned manifest, edited) is a finding: exit 3. */
    @Test
    void restoredRowsThatDifferFromTheManifestExitWithThree() throws Exception {
        Path edited = storeOnlyCopy("edited");
        Path manifest = edited.resolve("store/backups/" + backupId + "/manifest.json");
        String json = Files.readString(manifest);
        assertThat(json).contains("\"public.t\": 50");
        Files.writeString(manifest, json.replace("\"public.t\": 50", "\"public.t\": 51"));
        String db = PG.reserveDatabase("lb_cli_rows");

        Jar.Run r = Jar.run(edited, "restore", "latest", "--database", "main", "--to-url", db, "--identity", "right.txt");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).contains("MISMATCH").contains("table public.t has 50 rows, expected 51");

        String again = PG.reserveDatabase("lb_cli_rows_json");
        Jar.Run json2 = Jar.run(edited, "--json", "restore", "latest", "--database", "main", "--to-url", again, "--identity", "right.txt");
        assertThat(json2.exit()).as(json2.toString()).isEqualTo(3);
        assertThat(json2.json().bool("matchesManifest")).isFalse();
        assertThat(json2.out()).contains("table public.t has 50 rows, expected 51");
    }

    @Test
    void wrongOrMissingIdentityWritesNothing() throws Exception {
        Path target = work.resolve("restore-wrong");
        Jar.Run wrong = Jar.run(work, "restore", "latest", "--files", "media", "--to-dir", target.toString(), "--identity", "wrong.txt");
        assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(1);
        assertThat(wrong.err()).contains("[LB-405]").contains("no identity matches this backup");
        assertThat(target).doesNotExist();
        Jar.Run missing = Jar.run(work, "restore", "latest", "--files", "media", "--to-dir", target.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("[LB-405]").contains("no identity was given");
        assertThat(target).doesNotExist();
        String db = PG.reserveDatabase("lb_cli_wrong");
        Jar.Run dbWrong = Jar.run(work, "restore", "latest", "--database", "main", "--to-url", db, "--identity", "wrong.txt");
        assertThat(dbWrong.exit()).isEqualTo(1);
        assertThat(PG.databaseExists(db)).as("no database was created").isFalse();
    }

    @Test
    void nonEmptyTargetsAreRefusedWithoutReplace() throws Exception {
        String db = PG.createDatabase("lb_cli_busy");
        try (Connection c = PG.connect(db); Statement st = c.createStatement()) {
            st.execute("create table keep (v text)");
            st.execute("insert into keep values ('precious')");
        }
        Jar.Run r = Jar.run(work, "restore", "latest", "--database", "main", "--to-url", db, "--identity", "right.txt");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("[LB-402]").contains("not empty").contains("--replace");
        try (Connection c = PG.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select v from keep")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("precious");
        }
        Jar.Run replaced = Jar.run(work, "restore", "latest", "--database", "main", "--to-url", db, "--identity", "right.txt", "--replace");
        assertThat(replaced.exit()).as("the database is not the backup alone: " + replaced).isEqualTo(3);
        assertThat(replaced.out()).contains("MISMATCH").contains("table public.keep is not in the backup");
        try (Connection c = PG.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from t")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("the backup's tables are restored").isEqualTo(50);
        }

        Path busy = Files.createDirectories(work.resolve("busy-dir"));
        Files.writeString(busy.resolve("mine.txt"), "mine");
        var before = FileTrees.snapshot(busy);
        Jar.Run d = Jar.run(work, "restore", "latest", "--files", "media", "--to-dir", busy.toString(), "--identity", "right.txt");
        assertThat(d.exit()).isEqualTo(1);
        assertThat(d.err()).contains("[LB-402]").contains("is not empty");
        assertThat(FileTrees.snapshot(busy)).isEqualTo(before);

        // --all checks every target before restoring any: a busy database leaves the directory untouched
        Path all = work.resolve("all-target");
        Jar.Run a = Jar.run(work, "restore", "latest", "--all", "--to-dir", all.toString(), "--database-url", "main=" + db,
                "--identity", "right.txt");
        assertThat(a.exit()).isEqualTo(1);
        assertThat(a.err()).contains("[LB-402]");
        assertThat(all).doesNotExist();

        // two parts into one database: refused before anything is read, even with --replace
        Jar.Run twice = Jar.run(work, "restore", "latest", "--all", "--to-dir", all.toString(), "--database-url", "main=" + db,
                "--database-url", "other=" + db, "--identity", "right.txt", "--replace");
        assertThat(twice.exit()).as(twice.toString()).isEqualTo(2);
        assertThat(twice.err()).contains("[LB-100]").contains("--database-url other: must be a database no other"
                + " --database-url names, but was the target of --database-url main");
        assertThat(all).doesNotExist();

        // a target directory that cannot be made (here: not even by root) is the operator's to fix, not a bug
        Jar.Run cannot = Jar.run(work, "restore", "latest", "--all", "--to-dir", "/sys/lifeboat-restore-test", "--database-url",
                "main=" + db, "--identity", "right.txt");
        assertThat(cannot.exit()).as(cannot.toString()).isEqualTo(1);
        assertThat(cannot.err()).contains("cannot create the restore target /sys/lifeboat-restore-test").doesNotContain("LB-900");
    }

    @Test
    void restoreAllChecksTheIdentityOfEveryEncryptedPartBeforeWritingAny() throws Exception {
        // only the secrets are encrypted: the files part alone would restore without an identity
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        Jar.write(mixed.resolve("media/a.txt"), "a");
        Jar.write(mixed.resolve(".env"), "TOKEN=x\n");
        AgeKeys keys = AgeKeys.generate();
        keys.writeIdentityFile(mixed.resolve("right.txt"));
        Jar.write(mixed.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.files.media.path=" + mixed.resolve("media"),
                "lifeboat.secrets.env.paths=" + mixed.resolve(".env"),
                "lifeboat.encryption.recipients=" + keys.recipient().keys().get(0),
                "lifeboat.encryption.encrypt-databases-and-files=false",
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + mixed.resolve("store"), ""));
        assertThat(Jar.run(mixed, "backup").exit()).isZero();

        Path target = mixed.resolve("restored");
        Jar.Run none = Jar.run(mixed, "restore", "latest", "--all", "--to-dir", target.toString());
        assertThat(none.exit()).as(none.toString()).isEqualTo(1);
        assertThat(none.err()).contains("[LB-405]").contains("secrets-env");
        assertThat(target).as("not even the unencrypted files part").doesNotExist();

        Jar.Run right = Jar.run(mixed, "restore", "latest", "--all", "--to-dir", target.toString(), "--identity", "right.txt");
        assertThat(right.exit()).as(right.toString()).isZero();
        assertThat(target.resolve("files-media/a.txt")).hasContent("a");
    }

    @Test
    void libpqVariablesOfTheCallersEnvironmentDoNotSteerTheDump() throws Exception {
        // PGHOSTADDR would send pg_dump to another address than the host the JDBC connections use (here: nowhere)
        Path env = Files.createDirectories(dir.resolve("libpq-env"));
        Jar.write(env.resolve("lifeboat.properties"), "lifeboat.databases.main.url=" + sourceUrl
                + "\nlifeboat.stores.local.type=local\nlifeboat.stores.local.path=" + env.resolve("store") + "\n");
        Jar.Run r = Jar.run(env, Map.of("PGHOSTADDR", "127.0.0.2", "PGPORT", "1", "PGOPTIONS", "-c no_such.setting"),
                "--json", "backup");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.json().string("status")).isEqualTo("SUCCESS");
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        Jar.Run noMode = Jar.run(work, "restore", "latest");
        assertThat(noMode.exit()).isEqualTo(2);
        assertThat(noMode.err()).contains("exactly one of --database, --files, --config, --secrets or --all");
        // options that would do nothing in this restore are named, all at once, before anything is read
        Jar.Run pointless = Jar.run(work, "restore", "latest", "--files", "media", "--to-dir", "out", "--replace",
                "--to-url", "jdbc:postgresql://127.0.0.1:5432/x", "--to-password-file", "./no-such-password-file");
        assertThat(pointless.exit()).as(pointless.toString()).isEqualTo(2);
        assertThat(pointless.err()).contains("(3 problems)").contains("--to-url: must be used only with --database")
                .contains("--replace: must be used only with a database target")
                .contains("--to-password-file: must be used only with a database target").doesNotContain("a readable file");
        Jar.Run dirForDb = Jar.run(work, "restore", "latest", "--database", "main", "--to-url",
                "jdbc:postgresql://127.0.0.1:5432/x", "--to-dir", "out");
        assertThat(dirForDb.exit()).as(dirForDb.toString()).isEqualTo(2);
        assertThat(dirForDb.err()).contains("--to-dir: must be used only with --files, --config, --secrets or --all");
        assertThat(work.resolve("out")).doesNotExist();
        Jar.write(work.resolve("pw.txt"), "secret");
        Jar.Run capsForPostgres = Jar.run(work, "restore", "latest", "--database", "main", "--to-url",
                "jdbc:postgresql://127.0.0.1:5432/x", "--max-bytes", "1000", "--max-entries", "5");
        assertThat(capsForPostgres.exit()).as(capsForPostgres.toString()).isEqualTo(2);
        assertThat(capsForPostgres.err()).contains("(2 problems)")
                .contains("--max-entries: must be used only with archives (--files, --config, --secrets or --all), but was given with --database")
                .contains("--max-bytes: must be used only with archives or a SQLite target");
        Jar.Run passwordForSqlite = Jar.run(work, "restore", "latest", "--database", "main", "--to-url",
                "jdbc:sqlite:" + work.resolve("x.db"), "--to-password-file", "pw.txt");
        assertThat(passwordForSqlite.exit()).as(passwordForSqlite.toString()).isEqualTo(2);
        assertThat(passwordForSqlite.err()).contains("--to-password-file: must be used only with a PostgreSQL target");
        assertThat(work.resolve("x.db")).doesNotExist();
        Jar.Run sqliteInsideAll = Jar.run(work, "restore", "latest", "--all", "--to-dir", "all-out", "--replace",
                "--database-url", "main=jdbc:sqlite:all-out/db-other.sqlite");
        assertThat(sqliteInsideAll.exit()).as(sqliteInsideAll.toString()).isEqualTo(2);
        assertThat(sqliteInsideAll.err()).contains("--database-url main: must be a SQLite file outside --to-dir");
        assertThat(work.resolve("all-out")).doesNotExist();
        Jar.Run replaceNothing = Jar.run(work, "restore", "latest", "--all", "--to-dir", "all-out", "--replace");
        assertThat(replaceNothing.exit()).as(replaceNothing.toString()).isEqualTo(2);
        assertThat(replaceNothing.err()).contains("--replace: must be used with --all only together with a --database-url target");
        assertThat(work.resolve("all-out")).doesNotExist();
        Jar.Run unknownOption = Jar.run(work, "list", "--frobnicate");
        assertThat(unknownOption.exit()).isEqualTo(2);
        assertThat(unknownOption.err()).contains("Unknown option: '--frobnicate'").contains("Try 'lifeboat list --help'.");
        Jar.Run unknownJson = Jar.run(work, "--json", "list", "--frobnicate");
        assertThat(unknownJson.exit()).isEqualTo(2);
        assertThat(unknownJson.json().string("code")).isEqualTo("LB-100");
        assertThat(unknownJson.json().string("message")).contains("Unknown option: '--frobnicate'");
        // the CLI has no --password option; what a user guesses for it must not be echoed
        Jar.Run guessed = Jar.run(work, "--json", "restore", "latest", "--database", "main", "--to-url",
                "jdbc:postgresql://127.0.0.1:5432/x", "--password", "Canary-pw", "--secret-key=Canary-sk");
        assertThat(guessed.exit()).isEqualTo(2);
        assertThat(guessed.err()).contains("Unknown options: '--password', '--secret-key' (their values are not shown")
                .doesNotContain("Canary");
        assertThat(guessed.out()).contains("LB-100").doesNotContain("Canary");
        Jar.Run stray = Jar.run(work, "show", "latest", "extra-argument");
        assertThat(stray.exit()).isEqualTo(2);
        assertThat(stray.err()).as("an argument after no unknown option is shown").contains("extra-argument");
        Jar.Run listHelp = Jar.run(work, "list", "--help");
        assertThat(listHelp.exit()).as("the hint above must work: " + listHelp).isZero();
        assertThat(listHelp.out()).startsWith("Usage: lifeboat list");
        Jar.Run listVersion = Jar.run(work, "list", "--version");
        assertThat(listVersion.exit()).isZero();
        assertThat(listVersion.out()).as("a command's --version is the program's").startsWith("lifeboat ");
        Jar.Run jsonAfter = Jar.run(work, "list", "--json");
        assertThat(jsonAfter.exit()).as("--json after the command: " + jsonAfter).isZero();
        assertThat(jsonAfter.json().array("backups")).hasSizeGreaterThan(0);
        Jar.Run typo = Jar.run(work, "bakup");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("Try 'lifeboat --help'.");
        Jar.Run allListed = Jar.run(work, "--help");
        assertThat(allListed.out()).contains("backup ").contains("restore ").contains("status ").contains("keygen ");
        Jar.Run unknownStore = Jar.run(work, "status", "--store", "nowhere");
        assertThat(unknownStore.exit()).isEqualTo(2);
        assertThat(unknownStore.err()).contains("--store: must be one of the configured stores [local], but was \"nowhere\"");
        Jar.Run help = Jar.run(work, "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Exit codes:").contains("2   usage or configuration error")
                .as("every code's whole description, wrapped").contains("integrity check (LB-400, LB-406)")
                .contains("unreachable store)");
    }

    @Test
    void theLauncherFindsItsJarThroughASymlinkAndTakesExtraJvmOptions() throws Exception {
        Path link = Files.createSymbolicLink(work.resolve("lifeboat"), Jar.launcher().toAbsolutePath());
        Process p = new ProcessBuilder(link.toString(), "--version")
                .directory(work.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).startsWith("lifeboat ");

        // its own flags are set, and LIFEBOAT_JAVA_OPTS comes after them, so it wins
        Jar.Run flags = Jar.run(work, Map.of("LIFEBOAT_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:Tier4InvocationThreshold=7777"),
                "--version");
        assertThat(flags.exit()).as(flags.toString()).isZero();
        assertThat(flags.out()).containsPattern("Tier4InvocationThreshold += 7777 ")
                .containsPattern("Tier4CompileThreshold += 60000 ").containsPattern("Tier4BackEdgeThreshold += 400000 ");
    }

    @Test
    void theLauncherKeepsAClassArchivePerCommandAndConfigurationAndNeverUsesABrokenOne() throws Exception {
        Path cds = dir.resolve("cds");
        Map<String, String> on = Map.of("LIFEBOAT_CDS", "on", "LIFEBOAT_CDS_DIR", cds.toString());
        Jar.Run plain = Jar.run(work, "list");
        assertThat(plain.exit()).as(plain.toString()).isZero();
        assertThat(plain.out()).contains(backupId);

        // the first run's JVM leaves the classes it loaded in a dump as it exits; the output is the same as without
        Jar.Run first = Jar.run(work, on, "list");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.out()).isEqualTo(plain.out());
        assertThat(first.err()).isEqualTo(plain.err());
        assertThat(archives(cds, ".list-")).hasSize(1);
        assertThat(archives(cds, "list-")).isEmpty();
        // the second run checks the dump and keeps it as the archive; the third maps it
        Jar.Run second = Jar.run(work, on, "list");
        assertThat(second.out()).isEqualTo(plain.out());
        assertThat(second.err()).isEqualTo(plain.err());
        assertThat(archives(cds, ".list-")).isEmpty();
        assertThat(archives(cds, "list-")).hasSize(1);
        Path archive = archives(cds, "list-").get(0);
        Jar.Run third = Jar.run(work, Map.of("LIFEBOAT_CDS", "on", "LIFEBOAT_CDS_DIR", cds.toString(),
                "LIFEBOAT_JAVA_OPTS", "-Xlog:class+load"), "list");
        assertThat(third.exit()).as(third.toString()).isZero();
        assertThat(third.out()).contains("dev.lifeboat.cli.Main source: shared objects file (top)").contains(backupId);

        // a truncated dump whose process is gone (a JVM killed while dumping) is deleted, never mapped
        String name = archive.getFileName().toString().replaceFirst("\\.jsa$", "");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        byte[] bytes = Files.readAllBytes(archive);
        Path broken = archive.resolveSibling("." + name + "." + gone.pid() + ".jsa");
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Files.delete(archive);
        Jar.Run afterBroken = Jar.run(work, on, "list");
        assertThat(afterBroken.exit()).as(afterBroken.toString()).isZero();
        assertThat(afterBroken.out()).isEqualTo(plain.out());
        assertThat(broken).doesNotExist();
        assertThat(archive).doesNotExist();
        assertThat(archives(cds, ".list-")).as("this run's own dump").hasSize(1);

        // another configuration file gets its own archive; off, or a folder that cannot be made: no archive, same output
        Files.copy(work.resolve("lifeboat.properties"), work.resolve("other.properties"));
        Jar.run(work, on, "--config", "other.properties", "list");
        assertThat(archives(cds, ".list-")).hasSize(2);
        Jar.Run off = Jar.run(work, Map.of("LIFEBOAT_CDS_DIR", cds.toString()), "status");
        Jar.Run unwritable = Jar.run(work, Map.of("LIFEBOAT_CDS", "on", "LIFEBOAT_CDS_DIR", "/proc/lifeboat-cds"), "list");
        assertThat(unwritable.exit()).as(unwritable.toString()).isZero();
        assertThat(unwritable.out()).isEqualTo(plain.out());
        assertThat(unwritable.err()).isEqualTo(plain.err());
        assertThat(archives(cds, "status-")).isEmpty();
        assertThat(archives(cds, ".status-")).isEmpty();
        assertThat(off.err()).doesNotContain("[warning]");

        // an archive is code: one in a folder that belongs to someone else is never mapped (only root can set that up)
        if ("root".equals(System.getProperty("user.name"))) {
            Jar.run(work, on, "list"); // adopts this run's own dump from above
            Path folder = archives(cds, "list-").get(0).getParent();
            var nobody = folder.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(folder, nobody);
            Jar.Run foreign = Jar.run(work, Map.of("LIFEBOAT_CDS", "on", "LIFEBOAT_CDS_DIR", cds.toString(),
                    "LIFEBOAT_JAVA_OPTS", "-Xlog:class+load"), "list");
            assertThat(foreign.exit()).as(foreign.toString()).isZero();
            assertThat(foreign.out()).contains("dev.lifeboat.cli.Main source: ").doesNotContain("shared objects file (top)");
        }
    }

    /** The class archives (and dumps, whose names start with a dot) under {@code cds} whose names start with {@code prefix}. */
    private static java.util.List<Path> archives(Path cds, String prefix) throws java.io.IOException {
        if (!Files.isDirectory(cds)) {
            return java.util.List.of();
        }
        try (var files = Files.walk(cds)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jsa")).toList();
        }
    }

    /**
     * Under a C/POSIX locale the JVM passes command lines in ASCII: the launcher runs it with a UTF-8 locale, so a
     * database named "café" reaches pg_dump as it is; run without the launcher, the name is refused, not mangled.
     */
    @Test
    void aNonAsciiDatabaseNameUnderACLocaleIsBackedUpByTheLauncherAndRefusedWithoutIt() throws Exception {
        String name = "lb_café_" + Long.toHexString(System.nanoTime());
        PG.execute("create database \"" + name + "\"");
        try {
            Path c = Files.createDirectories(dir.resolve("c-locale"));
            String url = PG.urlOf(java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8));
            try (Connection conn = PG.connect(url); Statement st = conn.createStatement()) {
                st.execute("create table t (x int)");
                st.execute("insert into t values (1), (2)");
            }
            Jar.write(c.resolve("lifeboat.properties"), String.join("\n",
                    "lifeboat.databases.main.url=" + url,
                    "lifeboat.stores.local.type=local",
                    "lifeboat.stores.local.path=" + c.resolve("store"), ""));
            Map<String, String> cLocale = Map.of("LANG", "C", "LC_ALL", "C");

            Jar.Run plain = Jar.runJar(c, cLocale, "backup");
            assertThat(plain.exit()).as(plain.toString()).isEqualTo(2);
            assertThat(plain.err()).contains("lifeboat.databases.main.url: must be a database name of characters this JVM"
                    + " can pass on a command line").contains("LANG=C.UTF-8");

            Jar.Run launched = Jar.run(c, cLocale, "--json", "backup");
            assertThat(launched.exit()).as(launched.toString()).isZero();
            assertThat(launched.out()).contains("\"public.t\": 2");
        } finally {
            PG.dropDatabase(name);
        }
    }

    /** Restored under a C/POSIX locale without the launcher, a non-ASCII file name is a clear refusal, not LB-900. */
    @Test
    void aNonAsciiFileNameRestoredUnderACLocaleWithoutTheLauncherIsRefusedClearly() throws Exception {
        Path c = Files.createDirectories(dir.resolve("c-locale-files"));
        Jar.write(c.resolve("media/résumé.txt"), "CV");
        Jar.write(c.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.files.media.path=" + c.resolve("media"),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + c.resolve("store"), ""));
        assertThat(Jar.run(c, "backup").exit()).isZero();

        Jar.Run plain = Jar.runJar(c, Map.of("LANG", "C", "LC_ALL", "C"), "restore", "latest", "--files", "media", "--to-dir", "out");

        assertThat(plain.exit()).as(plain.toString()).isEqualTo(1);
        assertThat(plain.err()).contains("[LB-403]").contains("cannot be named by this JVM").contains("LANG=C.UTF-8")
                .doesNotContain("LB-900");
        assertThat(c.resolve("out")).doesNotExist();
        Jar.Run launched = Jar.run(c, Map.of("LANG", "C", "LC_ALL", "C"), "restore", "latest", "--files", "media", "--to-dir", "out");
        assertThat(launched.exit()).as(launched.toString()).isZero();
        assertThat(c.resolve("out/résumé.txt")).hasContent("CV");
    }

    @Test
    void keygenNeverOverwrites() throws Exception {
        Jar.Run first = Jar.run(work, "--json", "keygen", "--out", "k1.txt");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.json().string("recipient")).startsWith("age1");
        assertThat(first.json().string("file")).endsWith("k1.txt");
        assertThat(first.json().string("fingerprint")).isNotBlank();
        DocumentedJson.assertConforms("keygen", first.json().map());
        String content = Files.readString(work.resolve("k1.txt"));
        Jar.Run again = Jar.run(work, "keygen", "--out", "k1.txt");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("never overwritten");
        assertThat(work.resolve("k1.txt")).hasContent(content.strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("k1.txt"))))
                .as("an identity file is readable by its owner only").isEqualTo("rw-------");
        Jar.Run signing = Jar.run(work, "keygen", "--signing", "--out", "sign.pem");
        assertThat(signing.exit()).isZero();
        assertThat(signing.out().strip()).startsWith("ed25519:");
        Jar.Run signingJson = Jar.run(work, "--json", "keygen", "--signing", "--out", "sign2.pem");
        assertThat(signingJson.exit()).as(signingJson.toString()).isZero();
        assertThat(signingJson.json().string("publicKey")).startsWith("ed25519:");
        DocumentedJson.assertConforms("keygen --signing", signingJson.json().map());
        for (String[] args : new String[][] {{"keygen", "--out", "no-such-dir/k.txt"}, {"keygen", "--signing", "--out", "no-such-dir/s.pem"}}) {
            Jar.Run noDir = Jar.run(work, args);
            assertThat(noDir.exit()).as(noDir.toString()).isEqualTo(2);
            assertThat(noDir.err()).contains("[LB-100]").contains("--out: must be a new file in an existing directory")
                    .contains("no-such-dir").doesNotContain("LB-900").doesNotContain("\tat ");
        }
        assertThat(work.resolve("no-such-dir")).doesNotExist();
    }

    @Test
    void unreadableFilesMakeAnIncompleteBackupThatSaysWhatIsMissing() throws Exception {
        // a tree the unprivileged user may enter (JUnit's temporary folders are private to their owner)
        Path unreadable = Files.createDirectories(dir.resolve("unreadable"));
        Jar.write(unreadable.resolve("media/ok.txt"), "readable");
        Path locked = Jar.write(unreadable.resolve("media/locked.txt"), "not for you");
        Path closed = Jar.write(unreadable.resolve("media/closed/inside.txt"), "nor this").getParent();
        Jar.write(unreadable.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.files.media.path=" + unreadable.resolve("media"),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + unreadable.resolve("store"), ""));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (var walk = Files.walk(unreadable)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("---------"));

        Jar.Run r = Jar.runUnprivileged(unreadable, "--json", "backup");
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------")); // so the folder can be cleaned

        assertThat(r.exit()).as("an incomplete backup exits with 3: " + r).isEqualTo(3);
        JsonObject b = r.json();
        assertThat(b.string("status")).isEqualTo("INCOMPLETE");
        JsonObject part = JsonObject.of(b.array("parts").get(0), "part");
        assertThat(part.array("issues")).extracting(i -> JsonObject.of(i, "issue").string("severity") + " "
                + JsonObject.of(i, "issue").string("subject") + ": " + JsonObject.of(i, "issue").string("message"))
                .containsExactlyInAnyOrder("INCOMPLETE closed: directory cannot be read: permission denied",
                        "INCOMPLETE locked.txt: cannot be read: permission denied");
        assertThat(r.out() + r.err()).doesNotContain("not for you");

        // published, listed as incomplete, verify says so, and what could be read restores
        Jar.Run list = Jar.run(unreadable, "list");
        assertThat(list.out()).contains(b.string("backupId")).contains("INCOMPLETE");
        Jar.Run verify = Jar.run(unreadable, "verify", "latest", "--content");
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(3);
        assertThat(verify.out() + verify.err()).contains("INCOMPLETE");
        Jar.Run restore = Jar.run(unreadable, "restore", "latest", "--files", "media", "--to-dir", "restored");
        assertThat(restore.exit()).as("what was captured is restored, and the exit says not all was: " + restore).isEqualTo(3);
        assertThat(restore.err()).contains("warning: files-media is INCOMPLETE in backup " + b.string("backupId"));
        assertThat(unreadable.resolve("restored/ok.txt")).hasContent("readable");
        assertThat(unreadable.resolve("restored/locked.txt")).doesNotExist();
    }

    @Test
    void progressIsDrawnWhenStderrIsATerminalAndNeverIntoAFileOrPipe() throws Exception {
        Path tty = Files.createDirectories(dir.resolve("tty"));
        Jar.write(tty.resolve("media/a.txt"), "x".repeat(100_000));
        Jar.write(tty.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.files.media.path=" + tty.resolve("media"),
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + tty.resolve("store"), ""));

        Jar.Run onTerminal = Jar.runOnTerminal(tty, "\"$LIFEBOAT\" backup");
        assertThat(onTerminal.exit()).as(onTerminal.toString()).isZero();
        assertThat(onTerminal.out()).as("progress line: part, bytes, rate, then erased").contains("\r  files-media  ")
                .contains("/s\u001b[K").contains("\r\u001b[K").contains("SUCCESS: 1 parts");

        // stdout piped, stderr still the terminal: progress drawn, and only the id goes down the pipe
        Jar.Run piped = Jar.runOnTerminal(tty, "\"$LIFEBOAT\" backup | cat > id.txt");
        assertThat(piped.exit()).as(piped.toString()).isZero();
        assertThat(piped.out()).contains("\r  files-media  ");
        assertThat(Files.readString(tty.resolve("id.txt")).strip()).matches("\\d{8}T\\d{6}Z-[0-9a-f]{8}");

        // stderr into a file: no progress in it, the summary is
        Jar.Run logged = Jar.runOnTerminal(tty, "\"$LIFEBOAT\" backup 2> err.txt");
        assertThat(logged.exit()).as(logged.toString()).isZero();
        assertThat(Files.readString(tty.resolve("err.txt"))).contains("SUCCESS: 1 parts").doesNotContain("\r", "\u001b[");

        // verify and restore draw it too, with the part's size known
        Jar.Run verify = Jar.runOnTerminal(tty, "\"$LIFEBOAT\" verify latest --content");
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("\r  files-media  ").contains("(100%)");
        Jar.Run restore = Jar.runOnTerminal(tty, "\"$LIFEBOAT\" restore latest --files media --to-dir back");
        assertThat(restore.exit()).as(restore.toString()).isZero();
        assertThat(restore.out()).contains("\r  files-media  ").contains("(100%)").contains("\r\u001b[K");
        assertThat(tty.resolve("back/a.txt")).hasContent("x".repeat(100_000));
    }

    /** A copy of the shared store and the right identity in dir/NAME, read by a config that has only the store. */
    private static Path storeOnlyCopy(String name) throws java.io.IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        copyTree(work.resolve("store"), copy.resolve("store"));
        Jar.write(copy.resolve("lifeboat.properties"), "lifeboat.stores.local.type=local\nlifeboat.stores.local.path="
                + copy.resolve("store") + "\n");
        Files.copy(work.resolve("right.txt"), copy.resolve("right.txt"));
        return copy;
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }
}
