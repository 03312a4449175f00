package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Database URLs in messages: no part of a password survives, however malformed the URL. */
class PgUrlRedactTest {
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
