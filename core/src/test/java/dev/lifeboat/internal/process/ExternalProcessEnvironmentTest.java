package dev.lifeboat.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dump or restore tool inherits the environment, but not Lifeboat's settings or the AWS SDK's credentials. */
class ExternalProcessEnvironmentTest {
    @Test
    void lifeboatSettingsAndCloudCredentialsAreNotInherited() {
        Map<String, String> env = new HashMap<>(Map.of("PATH", "/usr/bin", "LANG", "C.UTF-8", "PGSSLROOTCERT", "/ca.pem",
                "LIFEBOAT_DATABASES_MAIN_PASSWORD", "Canary-1", "LIFEBOAT_STORES_OFFSITE_SECRET_KEY", "Canary-2",
                "AWS_SECRET_ACCESS_KEY", "Canary-3", "AWS_SESSION_TOKEN", "Canary-4", "AWS_REGION", "eu-west-1"));
        ExternalProcess.withoutOurSecrets(env);
        assertThat(env).containsOnlyKeys("PATH", "LANG", "PGSSLROOTCERT", "AWS_REGION");
    }

    /** The application's own secrets by their usual names do not reach pg_dump either; what a tool needs does. */
    @Test
    void theApplicationsSecretsByTheirUsualNamesAreNotInherited() {
        Map<String, String> env = new HashMap<>();
        for (String secret : List.of("DATABASE_URL", "JDBC_DATABASE_URL", "SPRING_DATASOURCE_PASSWORD", "STRIPE_SECRET_KEY",
                "GITHUB_TOKEN", "SENTRY_DSN", "MAIL_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "db_password")) {
            env.put(secret, "Canary");
        }
        for (String needed : List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PGPASSWORD", "PGPASSFILE",
                "PGSSLKEY", "KRB5CCNAME", "AWS_REGION", "HOSTNAME")) {
            env.put(needed, "kept");
        }
        ExternalProcess.withoutOurSecrets(env);
        assertThat(env).doesNotContainValue("Canary").hasSize(12);
    }

    @Test
    void whatTheCallerAddsStillReachesTheChild() throws Exception {
        ExternalProcess p = ExternalProcess.start(List.of("sh", "-c", "echo \"$PGAPPNAME\""), Map.of("PGAPPNAME", "lifeboat"),
                Duration.ofMinutes(1));
        try {
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("lifeboat");
        } finally {
            p.close();
        }
    }
}
