package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.postgres.PgClient;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone who can write to the store swaps a database part for a small, valid dump of their own, padded with zeros
 * to the recorded size. pg_restore would commit that dump as soon as its table of contents is done, long before
 * the end of the stream where the whole-part hash is checked; the checkpoints stop it at the first span.
 */
class SubstitutedDumpTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Requirements.requireTool("pg_dump");
        Requirements.requireTool("pg_restore");
    }

    /** A database whose dump spans several checkpoints: 12 MiB of random bytes. */
    static String createBig() throws Exception {
        String url = PG.createDatabase("lb_subst");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table blobs (id int primary key, body bytea)");
            st.execute("insert into blobs select g, decode((select string_agg(md5(random()::text || g || i), '')"
                    + " from generate_series(1, 128) i), 'hex') from generate_series(1, 6000) g");
        }
        return url;
    }

    /** A valid custom-format dump of another database, with a table the attacker wants restored. */
    byte[] attackersDump() throws Exception {
        String url = PG.createDatabase("lb_evil");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table evil (what text)");
            st.execute("insert into evil values ('pwned')");
        }
        Path other = dir.resolve("other-store");
        BackupResult r = Lifeboat.configure().database("main", Postgres.url(url)).store(LocalStore.at(other)).build().backupNow();
        return Files.readAllBytes(other.resolve(r.parts().get(0).key()));
    }

    /** The stored part replaced by the attacker's dump and zeros, to the recorded size. */
    PartInfo substitute(Path store, BackupResult result) throws Exception {
        PartInfo part = result.parts().get(0);
        byte[] fake = attackersDump();
        assertThat((long) fake.length).isLessThan(part.size() / 4);
        Files.write(store.resolve(part.key()), Arrays.copyOf(fake, (int) part.size()));
        return part;
    }

    static long relations(String url) throws Exception {
        try (Connection c = PG.connect(url)) {
            return PgClient.userRelationCount(c);
        }
    }

    @Test
    void theSubstituteIsRefusedBeforePgRestoreGetsAByteOfIt() throws Exception {
        Path store = dir.resolve("store");
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(createBig())).signWith(SigningKey.generate())
                .store(LocalStore.at(store)).build();
        BackupResult result = lifeboat.backupNow();
        PartInfo part = result.parts().get(0);
        assertThat(part.checkpoints()).isNotNull();
        assertThat(part.checkpoints().sha256()).hasSizeGreaterThanOrEqualTo(2);
        substitute(store, result);
        String target = PG.reserveDatabase("lb_subst_target");

        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
                .hasMessageContaining("differs from its manifest in bytes 0 to " + part.checkpoints().every());
        assertThat(PG.databaseExists(target)).as("the database the restore created is dropped again").isFalse();

        assertThat(lifeboat.verify(result.id(), VerifyLevel.CONTENT).findings()).extracting(Finding::message)
                .singleElement().asString().contains("it differs from the backup from byte 0 on");
    }

    @Test
    void withoutCheckpointsAnEarlyCommitIsStillReportedAsAFailedRestore() throws Exception {
        Path store = dir.resolve("store");
        Lifeboat lifeboat = Lifeboat.configure().database("main", Postgres.url(createBig())).store(LocalStore.at(store)).build();
        BackupResult result = lifeboat.backupNow();
        // a manifest as Lifeboat wrote it before it recorded checkpoints (unsigned: this Lifeboat trusts no key)
        Path manifest = store.resolve("backups/" + result.id() + "/manifest.json");
        String json = Files.readString(manifest);
        String old = json.replaceAll("(?s)\"checkpoints\": \\{[^}]*\\},\\s*", "");
        assertThat(old).isNotEqualTo(json).doesNotContain("checkpoints");
        Files.writeString(manifest, old);
        substitute(store, result);
        String target = PG.reserveDatabase("lb_subst_old");

        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.RESTORE_FAILED))
                .hasMessageContaining("pg_restore finished and committed before the end of db-main")
                .hasMessageContaining("created by this restore, is dropped again; restore from another copy");
        assertThat(PG.databaseExists(target)).as("the substitute's tables go with the database").isFalse();

        // into a database the user made, the substitute's committed tables stay for the user to see and drop
        String existing = PG.createDatabase("lb_subst_existing");
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "main", Postgres.url(existing),
                RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.RESTORE_FAILED))
                .hasMessageContaining("holds data that may not be the backup's; drop it and restore from another copy");
        assertThat(relations(existing)).as("the substitute's table, committed").isOne();
    }
}
