package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.internal.Warmup.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's warm-up loads only what the run will use: encryption and PostgreSQL when the arguments or config say so. */
class WarmupNeedsTest {
    @TempDir
    Path dir;

    @Test
    void aBackupWarmsUpWhatItsConfigurationUses() throws Exception {
        Path files = write("files.properties", "lifeboat.files.media.path=/srv/media\nlifeboat.stores.l.type=local\n");
        Path sqlite = write("sqlite.properties", "lifeboat.databases.app.url=jdbc:sqlite:/srv/app.db\n");
        Path pg = write("pg.properties", "lifeboat.databases.app.url=jdbc:postgresql://db/app\n");
        Path fromEnv = write("env.properties", "lifeboat.databases.app.url=${DB_URL}\n");
        Path encrypted = write("enc.properties", "lifeboat.files.media.path=/srv/media\nlifeboat.encryption.recipients=age1x\n");
        Path secrets = write("secrets.properties", "lifeboat.secrets.env.paths=/srv/.env\n");
        Path recipientsFile = write("recipients-file.properties", "lifeboat.files.media.path=/srv/media\n"
                + "lifeboat.encryption.recipients-file=/etc/lifeboat/recipients.txt\n");

        assertThat(needs("--config", files.toString(), "backup")).isEqualTo(new Needs(false, false));
        assertThat(needs("--config=" + sqlite, "backup")).isEqualTo(new Needs(false, false));
        assertThat(needs("--config", pg.toString(), "backup")).isEqualTo(new Needs(false, true));
        assertThat(needs("--config", fromEnv.toString(), "backup")).as("a URL only known later: maybe PostgreSQL")
                .isEqualTo(new Needs(false, true));
        assertThat(needs("--json", "--config", encrypted.toString(), "backup")).isEqualTo(new Needs(true, false));
        assertThat(needs("--config", secrets.toString(), "backup")).isEqualTo(new Needs(true, false));
        assertThat(needs("--config", recipientsFile.toString(), "backup")).isEqualTo(new Needs(true, false));
        assertThat(needs("--config", dir.resolve("missing.properties").toString(), "backup")).isEqualTo(Needs.ALL);
    }

    @Test
    void restoresAndVerificationsWarmUpWhatTheirArgumentsName() {
        assertThat(needs("restore", "latest", "--files", "media", "--to-dir", "/tmp/x")).isEqualTo(new Needs(false, false));
        assertThat(needs("restore", "latest", "--database", "app", "--to-url", "jdbc:postgresql://db/app", "--identity", "k.txt"))
                .isEqualTo(new Needs(true, true));
        assertThat(needs("verify", "latest", "--content")).isEqualTo(new Needs(false, false));
        assertThat(needs("verify", "latest", "--content", "--identity=k.txt")).isEqualTo(new Needs(true, false));
    }

    private static Needs needs(String... args) {
        return Main.warmupNeeds(Main.Invocation.of(args), args);
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
