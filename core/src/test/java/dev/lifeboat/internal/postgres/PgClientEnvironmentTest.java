package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a libpq tool (pg_dump, pg_restore) is told: the TLS the URL asks for, as the JDBC driver reads it, and none
 * of the connection variables of the application's own environment, which the JDBC connections never see.
 */
class PgClientEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void sslTrueMeansVerifyFullAsForTheJdbcDriver() throws Exception {
        Map<String, String> env = client("jdbc:postgresql://db.internal/shop?ssl=true&channel_binding=require").environment(dir);
        assertThat(env).containsEntry("PGSSLMODE", "verify-full").containsEntry("PGCHANNELBINDING", "require");
        Map<String, String> explicit = client("jdbc:postgresql://db.internal/shop?ssl=true&sslmode=require").environment(dir);
        assertThat(explicit).containsEntry("PGSSLMODE", "require");
    }

    @Test
    void inheritedConnectionVariablesAreRemovedAndAPasswordGoesToAPrivateFile() throws Exception {
        Map<String, String> env = client("jdbc:postgresql://db.internal/shop").environment(dir);
        for (String v : new String[] {"PGHOSTADDR", "PGOPTIONS", "PGSSLMODE", "PGSERVICE", "PGTARGETSESSIONATTRS"}) {
            assertThat(env).as(v).containsEntry(v, null); // null: removed from the child's environment
        }
        assertThat(env).doesNotContainKey("PGPASSFILE").as("trust, peer, a pgpass file: left as they are")
                .doesNotContainKey("PGPASSWORD");

        Map<String, String> withPassword = new PgClient(PgUrl.parse("jdbc:postgresql://db.internal/shop"), "app",
                Secret.of("pa:ss\\word"), null, Duration.ofMinutes(1)).environment(dir);
        assertThat(withPassword).containsEntry("PGPASSWORD", null);
        Path passFile = Path.of(withPassword.get("PGPASSFILE"));
        assertThat(Files.readString(passFile)).isEqualTo("*:*:*:*:pa\\:ss\\\\word\n");
        assertThat(Files.getPosixFilePermissions(passFile)).hasSize(2);
    }

    private static PgClient client(String url) {
        return new PgClient(PgUrl.parse(url), null, null, null, Duration.ofMinutes(1));
    }
}
