package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
