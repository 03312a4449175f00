package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Postgres;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.internal.postgres.PgClient;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted PostgreSQL dumps: readable by age -d | pg_restore, restored by Lifeboat only with a matching identity. */
class EncryptedPostgresTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @TempDir
    static Path keys;
    static Path opsKey;
    static Path escrowKey;
    static Recipients recipients;

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() throws Exception {
        Requirements.requireTool("pg_dump");
        Requirements.requireTool("pg_restore");
        AgeCli.require();
        opsKey = keys.resolve("ops.txt");
        escrowKey = keys.resolve("escrow.txt");
        recipients = Recipients.parse(AgeCli.keygen(opsKey), AgeCli.keygen(escrowKey));
    }

    static String createShop() throws Exception {
        String url = PG.createDatabase("lb_crypt");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table customers (id serial primary key, name text not null, secret_note text)");
            st.execute("create table orders (id bigserial primary key, customer_id int references customers(id), amount numeric(12,2))");
            st.execute("insert into customers (name, secret_note) select 'customer ' || g, md5(g::text) from generate_series(1, 3000) g");
            st.execute("insert into orders (customer_id, amount) select 1 + g % 3000, g / 7.0 from generate_series(1, 20000) g");
            // incompressible bulk, so the dump is larger than what restore withholds until the part is verified
            st.execute("create table notes (id int primary key, body text)");
            st.execute("insert into notes select g, md5(random()::text) || md5(random()::text) || md5(random()::text)"
                    + " from generate_series(1, 60000) g");
        }
        return url;
    }

    Lifeboat lifeboat(String source) {
        return Lifeboat.configure().application("shop").database("main", Postgres.url(source))
                .encryptTo(recipients).signWith(SigningKey.generate()).store(LocalStore.at(dir.resolve("store"))).build();
    }

    @Test
    void theEncryptedDumpIsAnAgeFileWhosePlaintextPgRestoreLists() throws Exception {
        Lifeboat lifeboat = lifeboat(createShop());
        BackupResult result = lifeboat.backupNow();
        PartInfo part = result.parts().get(0);

        assertThat(part.key()).isEqualTo("backups/" + result.id() + "/db-main.pgdump.age");
        assertThat(part.encrypted()).isTrue();
        assertThat(part.recipients()).isEqualTo(recipients.fingerprints());
        for (Path key : List.of(opsKey, escrowKey)) {
            Path dump = dir.resolve("main-" + key.getFileName() + ".pgdump");
            AgeCli.decrypt(key, dir.resolve("store").resolve(part.key()), dump);
            String listing = new String(AgeCli.run(null, "pg_restore", "--list", dump.toString()), StandardCharsets.UTF_8);
            assertThat(listing).contains("TABLE DATA public customers").contains("TABLE DATA public orders");
        }
    }

    @Test
    void restoreWithTheIdentityGivesTheSameData() throws Exception {
        String source = createShop();
        Lifeboat lifeboat = lifeboat(source);
        BackupResult result = lifeboat.backupNow();
        Recovery recovery = lifeboat.recovery().withIdentities(Identities.fromFile(opsKey));

        assertThat(recovery.verify(result.id(), VerifyLevel.CONTENT).findings()).isEmpty();
        String target = PG.reserveDatabase("lb_crypt_restore");
        RestoreResult restored = recovery.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults());

        assertThat(restored.mismatches()).isEmpty();
        assertThat(restored.rowCounts()).containsEntry("public.customers", 3000L).containsEntry("public.orders", 20000L);
        assertThat(digest(target)).isEqualTo(digest(source));
    }

    @Test
    void aWrongOrMissingIdentityFailsClearlyAndCreatesNoDatabase() throws Exception {
        Lifeboat lifeboat = lifeboat(createShop());
        BackupResult result = lifeboat.backupNow();
        String target = PG.reserveDatabase("lb_crypt_wrong");
        AgeKeys stranger = AgeKeys.generate();

        assertThatThrownBy(() -> lifeboat.recovery().withIdentities(stranger.identity())
                .restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.NO_MATCHING_IDENTITY))
                .hasMessageContaining("no identity matches this backup (recipient fingerprints "
                        + String.join(", ", recipients.fingerprints()) + ")")
                .hasMessageContaining(stranger.identity().fingerprints().get(0));
        assertThatThrownBy(() -> lifeboat.restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.NO_MATCHING_IDENTITY))
                .hasMessageContaining("no identity was given");
        assertThat(PG.databaseExists(target)).isFalse();
    }

    @Test
    void aFlippedByteNearTheEndRollsTheWholeRestoreBack() throws Exception {
        Lifeboat lifeboat = lifeboat(createShop());
        BackupResult result = lifeboat.backupNow();
        PartInfo part = result.parts().get(0);
        assertThat(part.size()).as("pg_restore gets most of the dump before the damage shows").isGreaterThan(3L << 20);
        TamperingTest.flip(dir.resolve("store").resolve(part.key()), part.size() - 30);
        String target = PG.reserveDatabase("lb_crypt_flip");

        assertThatThrownBy(() -> lifeboat.recovery().withIdentities(Identities.fromFile(escrowKey))
                .restoreDatabase(result.id(), "main", Postgres.url(target), RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
                .hasMessageContaining("part db-main of backup " + result.id());
        assertThat(PG.databaseExists(target))
                .as("the database the restore created is dropped again when the restore fails").isFalse();
    }

    @Test
    void aFailedRestoreIntoAnExistingEmptyDatabaseLeavesItEmptyAndAPreflightCreatesNothing() throws Exception {
        Lifeboat lifeboat = lifeboat(createShop());
        BackupResult result = lifeboat.backupNow();
        PartInfo part = result.parts().get(0);
        Recovery recovery = lifeboat.recovery().withIdentities(Identities.fromFile(opsKey));
        String missing = PG.reserveDatabase("lb_crypt_preflight");
        recovery.preflightDatabase(result.id(), "main", Postgres.url(missing), RestoreOptions.defaults());
        assertThat(PG.databaseExists(missing)).as("a preflight writes nothing").isFalse();

        TamperingTest.flip(dir.resolve("store").resolve(part.key()), part.size() - 30);
        String existing = PG.createDatabase("lb_crypt_existing");
        assertThatThrownBy(() -> recovery.restoreDatabase(result.id(), "main", Postgres.url(existing),
                RestoreOptions.defaults()))
                .isInstanceOf(LifeboatException.class)
                .satisfies(e -> assertThat(((LifeboatException) e).code()).isEqualTo(ErrorCode.INTEGRITY));
        assertThat(PG.databaseExists(existing)).as("a database the user made is kept").isTrue();
        try (Connection c = PG.connect(existing)) {
            assertThat(PgClient.userRelationCount(c)).as("relations in the target").isZero();
        }
    }

    static String digest(String url) throws Exception {
        try (Connection c = PG.connect(url); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select (select md5(string_agg(x::text, '|' order by id)) from customers x)"
                        + " || (select md5(string_agg(y::text, '|' order by id)) from orders y)")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
