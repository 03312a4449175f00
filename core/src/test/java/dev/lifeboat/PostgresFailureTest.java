package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.Secret;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dumps that fail in every way a real pg_dump can: each leaves no manifest, removes what it stored, keeps the
 * previous backup as latest() (and verifying), and names the cause. The fakes are shell scripts placed in a
 * binDir next to the real pg_restore.
 */
class PostgresFailureTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    static Path realPgDump;
    static Path realPgRestore;
    static String database;

    @TempDir
    Path dir;

    Path bin;
    LocalStore store;
    BackupResult previous;

    @BeforeAll
    static void setUp() throws Exception {
        realPgDump = Requirements.requireTool("pg_dump");
        realPgRestore = Requirements.requireTool("pg_restore");
        database = PG.createDatabase("lb_fail");
        try (Connection c = PG.connect(database); Statement st = c.createStatement()) {
            st.execute("create table t (id int primary key, v text)");
            st.execute("insert into t select g, repeat(md5(g::text), 20) from generate_series(1, 20000) g");
        }
    }

    @BeforeEach
    void previousBackup() throws Exception {
        bin = Files.createDirectory(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("pg_restore"), realPgRestore);
        store = LocalStore.at(dir.resolve("store"));
        previous = lifeboat(Postgres.url(database)).backupNow();
    }

    Lifeboat lifeboat(Postgres pg) {
        return Lifeboat.configure().database("main", pg).store(store).build();
    }

    void fakePgDump(String body) throws Exception {
        Path script = bin.resolve("pg_dump");
        Files.writeString(script, "#!/bin/bash\n"
                + "if [ \"$1\" = \"--version\" ]; then exec " + realPgDump + " --version; fi\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    LifeboatException failingBackup(Postgres pg, ErrorCode code, String messagePart) {
        Lifeboat lifeboat = lifeboat(pg.binDir(bin));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(lifeboat::backupNow);
        assertThat(t).isInstanceOf(LifeboatException.class).hasMessageContaining(messagePart);
        LifeboatException e = (LifeboatException) t;
        assertThat(e.code()).isEqualTo(code);
        assertNothingLeftButPrevious(lifeboat);
        return e;
    }

    void assertNothingLeftButPrevious(Lifeboat lifeboat) {
        assertThat(lifeboat.latest()).map(m -> m.backupId()).contains(previous.id());
        assertThat(lifeboat.list()).hasSize(1);
        assertThat(lifeboat.verify(previous.id(), VerifyLevel.CONTENT).findings()).isEmpty();
        try {
            List<ObjectInfo> objects = store.list("");
            assertThat(objects).extracting(ObjectInfo::key)
                    .allMatch(k -> k.startsWith("backups/" + previous.id() + "/"), "only the previous backup's objects remain");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void dumpThatDiesMidStreamIsNotPublished() throws Exception {
        fakePgDump(realPgDump + " \"$@\" | head -c 100000\nexit 1");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "exit code 1");
        assertThat(e).hasMessageContaining("after 100000 bytes");
    }

    @Test
    void dumpKilledBySigkillMidStreamSaysSo() throws Exception {
        // as the out-of-memory killer would: no exit of its own, no message
        fakePgDump(realPgDump + " \"$@\" | head -c 100000\nkill -9 $$");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "exit code 137 (killed by signal 9, SIGKILL");
        assertThat(e).hasMessageContaining("after 100000 bytes");
    }

    @Test
    void dumpThatExitsZeroWithoutOutputIsNotABackup() throws Exception {
        fakePgDump("exit 0");
        failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "wrote nothing");
    }

    @Test
    void truncatedDumpWithExitZeroIsRefusedByTheFormatCheck() throws Exception {
        // its table of contents is whole (pg_restore --list accepts it); the walk of its data blocks does not
        fakePgDump(realPgDump + " \"$@\" | head -c 300000\nexit 0");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "not a complete custom-format archive");
        assertThat(e).hasMessageContaining("it ends at byte 300000, inside the data block of TOC entry");
    }

    @Test
    void anArchiveVersionTheWalkDoesNotReadIsLeftToPgRestore() throws Exception {
        // the same dump, its version bytes made 1.17: the walk steps aside, and pg_restore (which then reads the
        // archive whole) refuses it, so an unknown version never passes unchecked
        fakePgDump("printf 'PGDMP\\001\\021\\000'\n" + realPgDump + " \"$@\" | tail -c +9\nexit 0");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "not a complete custom-format archive");
        assertThat(e).hasMessageContaining("pg_restore said").hasMessageContaining("unsupported version (1.17)");
    }

    @Test
    void outputThatIsNoArchiveAtAllIsRefusedWhileTheRestStillStreams() throws Exception {
        // the check gives up on the first bytes; 8 MiB more keep coming (more than its hand-over holds)
        fakePgDump("head -c 8388608 /dev/urandom\nexit 0");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "not a complete custom-format archive");
        assertThat(e).hasMessageContaining("8388608 bytes").hasMessageContaining("pg_restore said");
    }

    /** 8 MiB of warnings on stderr, then the last line: a pipe holds 64 KiB, so an undrained stderr blocks the dump. */
    static final String FLOOD_STDERR = "head -c 8388608 /dev/zero | tr '\\0' 'w' >&2\necho >&2\n";

    @Test
    void dumpThatFloodsStderrIsDrainedAsItRunsAndOnlyTheTailIsKept() throws Exception {
        fakePgDump(FLOOD_STDERR + "echo 'pg_dump: warning: the last words' >&2\nexec " + realPgDump + " \"$@\"");
        try (LogCapture logs = new LogCapture()) {
            BackupResult ok = lifeboat(Postgres.url(database).binDir(bin).timeout(Duration.ofSeconds(60))).backupNow();
            assertThat(ok.parts().get(0).rowCounts()).containsEntry("public.t", 20000L);
            String text = logs.text();
            int from = text.indexOf("wrote to stderr");
            int to = text.indexOf("the last words", Math.max(from, 0));
            assertThat(from).as("the warnings are logged").isNotNegative();
            assertThat(to).as("with their last line").isPositive();
            assertThat(to - from).as("only the tail of stderr is kept").isBetween(1024, 17 * 1024);
        }
    }

    @Test
    void failingDumpsFloodedStderrIsCutToItsTailInTheError() throws Exception {
        fakePgDump(FLOOD_STDERR + "echo 'pg_dump: error: the real reason' >&2\nexit 1");
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.DUMP_FAILED, "the real reason");
        assertThat(e.getMessage().length()).isLessThan(17 * 1024);
    }

    @Test
    void hangingDumpIsKilledAtTheTimeout() throws Exception {
        Path pidFile = dir.resolve("sleep.pid");
        fakePgDump("sleep 600 &\necho $! > " + pidFile + "\nwait");
        long t0 = System.nanoTime();
        failingBackup(Postgres.url(database).timeout(Duration.ofSeconds(2)), ErrorCode.DUMP_TIMEOUT, "did not finish within PT2S");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (running(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(running(pid)).as("the dump's child process was killed").isFalse();
    }

    /** Alive and not a zombie (a killed orphan waits briefly for init to reap it). */
    static boolean running(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return false;
        }
        try {
            String s = Files.readString(stat);
            return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    @Test
    void pgDumpOlderThanTheServerIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path script = bin.resolve("pg_dump");
        Files.writeString(script, "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo 'pg_dump (PostgreSQL) 11.22'; exit 0; fi\n"
                + "touch " + dir.resolve("dump-ran") + "\nexec " + realPgDump + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.TOOL_UNAVAILABLE, "older than the server");
        assertThat(e).hasMessageContaining("pg_dump " + PG.serverMajor() + " or newer").hasMessageContaining("binDir");
        assertThat(dir.resolve("dump-ran")).doesNotExist();
    }

    /** pg_restore checks every dump: one older than pg_dump cannot, however new both are for the server. */
    @Test
    void pgRestoreOlderThanPgDumpIsRefusedBeforeAnythingIsWritten() throws Exception {
        Files.delete(bin.resolve("pg_restore"));
        Path restore = bin.resolve("pg_restore");
        Files.writeString(restore, "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo 'pg_restore (PostgreSQL) 98.9'; exit 0; fi\n"
                + "touch " + dir.resolve("restore-ran") + "\nexit 1\n");
        Files.setPosixFilePermissions(restore, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dump = bin.resolve("pg_dump");
        Files.writeString(dump, "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo 'pg_dump (PostgreSQL) 99.0'; exit 0; fi\n"
                + "touch " + dir.resolve("dump-ran") + "\nexit 1\n");
        Files.setPosixFilePermissions(dump, PosixFilePermissions.fromString("rwxr-xr-x"));

        LifeboatException e = failingBackup(Postgres.url(database), ErrorCode.TOOL_UNAVAILABLE, "pg_restore");
        assertThat(e).hasMessageContaining("is version 98.9, older than pg_dump 99.0, whose archives it must read")
                .hasMessageContaining("pg_restore 99 or newer is needed");
        assertThat(dir.resolve("dump-ran")).doesNotExist();
        assertThat(dir.resolve("restore-ran")).doesNotExist();
    }

    @Test
    void aRestoreRefusedForAnOldPgRestoreDropsTheDatabaseItJustCreated() throws Exception {
        // the target is created before pg_restore's version can be checked against its server
        Files.delete(bin.resolve("pg_restore"));
        Path script = bin.resolve("pg_restore");
        Files.writeString(script, "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo 'pg_restore (PostgreSQL) 11.22'; exit 0; fi\n"
                + "exit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String target = PG.reserveDatabase("lb_fail_old_restore");

        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> lifeboat(Postgres.url(database))
                .restoreDatabase(previous.id(), "main", Postgres.url(target).binDir(bin), RestoreOptions.defaults()));

        assertThat(t).isInstanceOf(LifeboatException.class).hasMessageContaining("pg_restore " + PG.serverMajor() + " or newer");
        assertThat(((LifeboatException) t).code()).isEqualTo(ErrorCode.TOOL_UNAVAILABLE);
        assertThat(PG.databaseExists(target)).as("the database created for the restore is dropped again").isFalse();
    }

    @Test
    void aDumpThatCannotBeReadToItsEndIsRolledBackAndRestoredFromTheNextStore() throws Exception {
        Path copy = dir.resolve("store-b");
        try (java.util.stream.Stream<Path> walk = Files.walk(dir.resolve("store"))) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = copy.resolve(dir.resolve("store").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        // the first store's copy fails with an I/O error once pg_restore has had 200 kB of it
        Recovery recovery = Recovery.from(List.of(FaultyStore.failingCommitOf(store, "no-such-key")
                .failingReadsOf(".pgdump", 200_000), LocalStore.at(copy)), dir);
        String target = PG.reserveDatabase("lb_fail_read_error");

        dev.lifeboat.api.RestoreResult r = recovery.restoreDatabase(previous.id(), "main", Postgres.url(target),
                RestoreOptions.defaults());

        assertThat(r.store()).isEqualTo(LocalStore.at(copy).describe());
        assertThat(r.matchesManifest()).as(r.mismatches().toString()).isTrue();
        assertThat(r.rowCounts()).containsEntry("public.t", 20_000L);
    }

    @Test
    void missingPgDumpIsNamed() throws Exception {
        failingBackup(Postgres.url(database), ErrorCode.TOOL_UNAVAILABLE, "cannot run '" + bin.resolve("pg_dump") + "'");
    }

    @Test
    void passwordNeverReachesTheCommandLineLogsOrExceptions() throws Exception {
        String canary = "Canary-Pa55:w0rd\\xyz";
        String role = "lb_pw_" + Long.toHexString(System.nanoTime());
        PG.execute("create role " + role + " login superuser password '" + canary.replace("'", "''") + "'");
        try {
            Path record = dir.resolve("record");
            fakePgDump("{ echo \"ARGS: $*\"; echo \"PGPASSWORD=${PGPASSWORD:-unset}\"; echo \"PASSFILE=$PGPASSFILE\";"
                    + " stat -c 'MODE=%a' \"$PGPASSFILE\"; echo \"PASSFILE-CONTENT=$(cat \"$PGPASSFILE\")\"; } >> " + record + "\n"
                    + "exec " + realPgDump + " \"$@\"");
            Postgres pg = Postgres.url(database).user(role).password(Secret.of(canary));
            String recorded;
            try (LogCapture logs = new LogCapture()) {
                BackupResult ok = lifeboat(pg.binDir(bin)).backupNow();
                assertThat(ok.parts().get(0).rowCounts()).containsEntry("public.t", 20000L);
                recorded = Files.readString(record);
                assertThat(recorded).contains("MODE=600").contains("PGPASSWORD=unset").contains("--username=" + role);
                assertThat(recorded.lines().filter(l -> l.startsWith("ARGS")).toList()).noneMatch(l -> l.contains("Canary"));
                String passFile = recorded.lines().filter(l -> l.startsWith("PASSFILE=")).findFirst().orElseThrow().substring(9);
                assertThat(Path.of(passFile)).as("PGPASSFILE is deleted afterwards").doesNotExist();

                // a failing dump: the exception and the logs must not carry the password either
                Path failedRecord = dir.resolve("failed-record");
                fakePgDump("echo \"PASSFILE=$PGPASSFILE\" >> " + failedRecord + "\necho 'FATAL: something went wrong' >&2\nexit 3");
                Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> lifeboat(pg.binDir(bin)).backupNow());
                assertThat(t).isInstanceOf(LifeboatException.class);
                for (Throwable c = t; c != null; c = c.getCause()) {
                    assertThat(String.valueOf(c.getMessage())).doesNotContain("Canary");
                }
                assertThat(passFiles(Files.readString(failedRecord))).as("the failed dump's PGPASSFILE is deleted too")
                        .isNotEmpty().allSatisfy(p -> assertThat(p).doesNotExist());
                // a password in the URL itself is redacted in configuration errors
                Throwable config = org.assertj.core.api.Assertions.catchThrowable(() -> Lifeboat.configure()
                        .database("main", Postgres.url("jdbc:postgresql:/broken?password=" + canary)).store(store).build());
                assertThat(config).hasMessageContaining("password=***").hasMessageNotContaining("Canary");
                assertThat(logs.text()).contains("pg_dump").doesNotContain("Canary");
            }
            assertThat(recorded).contains("PASSFILE-CONTENT=*:*:*:*:Canary-Pa55\\:w0rd\\\\xyz");
        } finally {
            PG.execute("drop role if exists " + role);
        }
    }

    @Test
    void passwordNeverReachesPgRestoresCommandLineLogsOrExceptions() throws Exception {
        String canary = "Canary-Rest0re:pw\\q";
        String role = "lb_rpw_" + Long.toHexString(System.nanoTime());
        PG.execute("create role " + role + " login superuser password '" + canary.replace("'", "''") + "'");
        String target = PG.reserveDatabase("lb_fail_pw_restore");
        String failing = PG.reserveDatabase("lb_fail_pw_restore");
        try {
            Path record = dir.resolve("record");
            String recordCall = "{ echo \"ARGS: $*\"; echo \"PGPASSWORD=${PGPASSWORD:-unset}\"; echo \"PASSFILE=$PGPASSFILE\";"
                    + " stat -c 'MODE=%a' \"$PGPASSFILE\"; } >> " + record + "\n";
            fakePgRestore(recordCall + "exec " + realPgRestore + " \"$@\"");
            try (LogCapture logs = new LogCapture()) {
                RestoreResult ok = lifeboat(Postgres.url(database)).restoreDatabase(previous.id(), "main",
                        Postgres.url(target).user(role).password(Secret.of(canary)).binDir(bin), RestoreOptions.defaults());
                assertThat(ok.rowCounts()).containsEntry("public.t", 20000L);
                String recorded = Files.readString(record);
                assertThat(recorded).contains("MODE=600").contains("PGPASSWORD=unset").contains(role).doesNotContain("Canary");
                assertThat(passFiles(recorded)).isNotEmpty().allSatisfy(p -> assertThat(p).as("PGPASSFILE is deleted afterwards").doesNotExist());

                // a failing pg_restore: neither its exception nor the logs carry the password, and its pass file is gone too
                Files.delete(record);
                fakePgRestore(recordCall + "echo 'pg_restore: error: could not execute query: something went wrong' >&2\nexit 1");
                Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> lifeboat(Postgres.url(database)).restoreDatabase(
                        previous.id(), "main", Postgres.url(failing).user(role).password(Secret.of(canary)).binDir(bin),
                        RestoreOptions.defaults()));
                assertThat(t).isInstanceOf(LifeboatException.class).hasMessageContaining("something went wrong");
                for (Throwable c = t; c != null; c = c.getCause()) {
                    assertThat(String.valueOf(c.getMessage())).doesNotContain("Canary");
                }
                assertThat(passFiles(Files.readString(record))).isNotEmpty().allSatisfy(p -> assertThat(p).doesNotExist());
                assertThat(logs.text()).contains("pg_restore").doesNotContain("Canary");
            }
        } finally {
            PG.dropDatabase(TestPostgres.databaseOf(target));
            PG.dropDatabase(TestPostgres.databaseOf(failing));
            PG.execute("drop role if exists " + role);
        }
    }

    void fakePgRestore(String body) throws Exception {
        Path script = bin.resolve("pg_restore");
        Files.deleteIfExists(script);
        Files.writeString(script, "#!/bin/bash\n"
                + "if [ \"$1\" = \"--version\" ]; then exec " + realPgRestore + " --version; fi\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The PGPASSFILE of every recorded call. */
    static List<Path> passFiles(String recorded) {
        return recorded.lines().filter(l -> l.startsWith("PASSFILE=")).map(l -> Path.of(l.substring(9))).toList();
    }

    @Test
    void diskFullWhileStoringLeavesNothingBehind() throws Exception {
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(database))
                .files("uploads", Files.createDirectories(dir.resolve("uploads")))
                .store(FaultyStore.diskFullAfter(store, 50_000).reportingUsableSpace(50_000)).build();
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(lifeboat::backupNow).isInstanceOf(dev.lifeboat.api.StoreException.class)
                    .hasMessageContaining("No space left on device").hasMessageContaining("db-main.pgdump");
            assertThat(logs.text()).as("warned before it started").contains("has 50000 bytes free, and the latest backup")
                    .contains("(" + previous.id() + ") took " + previous.storedBytes() + ": this backup may fill the disk");
        }
        assertNothingLeftButPrevious(lifeboat(Postgres.url(database)));
    }

    @Test
    void failureAfterSomePartsWereStoredRemovesThem() throws Exception {
        Path uploads = Files.createDirectories(dir.resolve("uploads"));
        Files.writeString(uploads.resolve("a.txt"), "hello");
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(database))
                .files("uploads", uploads)
                .store(FaultyStore.failingCommitOf(store, "files-uploads.tar.zst")).build();
        assertThatThrownBy(lifeboat::backupNow).isInstanceOf(dev.lifeboat.api.StoreException.class)
                .hasMessageContaining("injected commit failure");
        assertNothingLeftButPrevious(lifeboat(Postgres.url(database)));
    }
}
