package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.Postgres;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.store.LocalStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reaches messages: no part of a password in a database URL, however malformed, and no row data quoted by
 * the server in pg_restore's errors.
 */
class PgUrlRedactTest {
    @Test
    void rowDataQuotedByTheServerIsWithheld() {
        String stderr = String.join("\n",
                "pg_restore: error: COPY failed for table \"users\": ERROR:  duplicate key value violates unique constraint",
                "DETAIL:  Key (email)=(ada@Canary.example) already exists.",
                "CONTEXT:  COPY users, line 7",
                "pg_restore: error: COPY failed for table \"tokens\": ERROR:  value too long for type character varying(8)",
                "CONTEXT:  COPY tokens, line 3, column secret: \"sk_live_Canary\"");
        String out = PgClient.withholdRowData(stderr);
        assertThat(out).doesNotContain("Canary")
                .contains("DETAIL:  (withheld: it may quote row data)")
                .contains("CONTEXT:  COPY users, line 7")
                .contains("CONTEXT:  COPY tokens, line 3: (value withheld)")
                .contains("duplicate key value violates unique constraint");
    }

    @Test
    void passwordsInUserInfoAndParametersAreMaskedWhole() {
        assertThat(PgUrl.redact("postgres://app:S3cret@db:5432/shop")).isEqualTo("postgres://app:***@db:5432/shop");
        assertThat(PgUrl.redact("jdbc:postgresql://db/shop?user=app&password=S3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/shop?user=app&password=***&ssl=true");
        assertThat(PgUrl.redact("postgres://app@db:5432/shop")).isEqualTo("postgres://app@db:5432/shop");
        assertThat(PgUrl.redact("jdbc:postgresql://db:5432/shop")).isEqualTo("jdbc:postgresql://db:5432/shop");
    }

    @Test
    void unencodedSlashesAndAtSignsInAPasswordLeaveNothingOfIt() {
        for (String url : new String[] {"postgres://app:Zx/9k+Canary@db/shop", "postgres://app:p@ss@Canary@db/shop",
            "jdbc:postgresql://db:5432/shop?password=p@ss/Canary", "postgres://app:Canary/@/@db/shop?password=x@Canary"}) {
            assertThat(PgUrl.redact(url)).as(url).doesNotContain("Canary").doesNotContain("p@ss").doesNotContain("Zx/9k").contains("***");
        }
    }

    @Test
    void aPasswordKeyWrittenWithEscapesOrWithoutTheSlashesIsMaskedToo() {
        // parse() decodes keys, so pass%77ord= is the password: redact must agree with it
        for (String url : new String[] {"jdbc:postgresql://db/shop?user=app&pass%77ord=Canary",
            "postgres://db/shop?PASS%57ORD=Canary&sslmode=require", "jdbc:postgresql://db/shop?user=app&pa%zzss=Canary",
            "jdbc:postgresql:app:Canary@db/shop", "postgres:/app:Canary@db/shop"}) {
            assertThat(PgUrl.redact(url)).as(url).doesNotContain("Canary").contains("***");
        }
        assertThat(PgUrl.redact("jdbc:postgresql://db/shop?user=app&ssl%6Dode=require&application%5Fname=x"))
                .as("a known parameter is shown however written; an unknown one is masked")
                .isEqualTo("jdbc:postgresql://db/shop?user=app&ssl%6Dode=require&application%5Fname=***");
        assertThat(PgUrl.parse("jdbc:postgresql://db/shop?user=app&pass%77ord=Canary").password().reveal()).isEqualTo("Canary");
    }

    @Test
    void parametersWrittenIntoTheDatabaseOrUserNameAreRefusedNotTakenAsNames() {
        // otherwise "shop;password=…" is a database name: in messages, in a CREATE DATABASE, on pg_restore's command line
        for (String url : new String[] {"jdbc:postgresql://db/shop;password=Canary", "jdbc:postgresql://db/shop&password=Canary",
            "jdbc:postgresql://db/shop?user=app;password=Canary", "postgres://db/shop?user=app;password=Canary",
            "postgres://app;password=Canary@db/shop"}) {
            assertThatThrownBy(() -> PgUrl.parse(url)).as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("Canary").hasMessageContaining("without ';'");
            assertThat(PgUrl.redact(url)).as(url).doesNotContain("Canary");
        }
        // a name that really holds one of them is written escaped
        PgUrl escaped = PgUrl.parse("jdbc:postgresql://db/a%3Bb%3Dc?user=x%3By");
        assertThat(escaped.database()).isEqualTo("a;b=c");
        assertThat(escaped.user()).isEqualTo("x;y");
    }

    /**
     * A parameter Lifeboat would not pass on to pg_dump (or that moves the connection elsewhere) is refused rather
     * than ignored, and shown masked: a misspelt {@code pasword} may hold the password.
     */
    @Test
    void parametersThatMoveOrWeakenTheConnectionAreRefusedOthersIgnoredAndUnknownValuesMasked() {
        assertThat(PgUrl.redact("jdbc:postgresql://db/shop?user=app&pasword=Canary1&sslmode=require&ApplicationName=x"))
                .isEqualTo("jdbc:postgresql://db/shop?user=app&pasword=***&sslmode=require&ApplicationName=***");
        assertThatThrownBy(() -> PgUrl.parse("postgres://app@127.0.0.1/shop?port=5433"))
                .hasMessageContaining("not as a 'port' parameter");
        assertThatThrownBy(() -> PgUrl.parse("postgres://app@127.0.0.1/shop?host=/var/run/postgresql"))
                .hasMessageContaining("not as a 'host' parameter");
        assertThatThrownBy(() -> PgUrl.parse("jdbc:postgresql://db/shop?sslmod=require"))
                .hasMessageContaining("not 'sslmod', which would be ignored and the connection weaker than meant");
        assertThatThrownBy(() -> PgUrl.parse("jdbc:postgresql://db/shop?ssl%20mode%3DCanary1=x"))
                .hasMessageContaining("a parameter (not shown)").hasMessageNotContaining("Canary1");
        // what a platform's DATABASE_URL carries besides (a pooler's flag, an application name) is ignored, and said
        PgUrl platform = PgUrl.parse("postgres://app:pw@db.internal:6543/shop?sslmode=require&pgbouncer=true&application_name=web");
        assertThat(platform.ignoredParams()).containsExactly("application_name", "pgbouncer");
        assertThat(PgUrl.redact("jdbc:postgresql://db/shop?user=app&Canary2&ssl=true")).isEqualTo("jdbc:postgresql://db/shop?user=app&***&ssl=true");
        assertThatThrownBy(() -> PgUrl.parse("postgresql://%2Fvar%2Frun%2Fpostgresql/shop"))
                .hasMessageContaining("a Unix socket directory is not supported");
        PgUrl ok = PgUrl.parse("jdbc:postgresql://db/shop?user=app&sslmode=verify-full&sslrootcert=/etc/ca.pem&ssl=true");
        assertThat(ok.params()).containsEntry("sslrootcert", "/etc/ca.pem").containsEntry("ssl", "true");
    }

    @Test
    void theBuilderReportsSuchAUrlWithoutThePassword(@TempDir Path dir) {
        assertThatThrownBy(() -> Lifeboat.configure()
                        .database("main", Postgres.url("jdbc:postgresql://127.0.0.1:5432/shop;password=Canary"))
                        .store(LocalStore.at(dir)).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("database name without ';'")
                .hasMessageContaining("shop;password=***")
                .hasMessageNotContaining("Canary");
    }
}
