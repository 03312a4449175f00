package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.StoreProvider;
import dev.lifeboat.internal.config.PropertySource;
import dev.lifeboat.store.LocalStore;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md, "Properties", stays true: its key table lists exactly the keys Lifeboat knows (with
 * lifeboat-s3 on the class path, as here), its environment variable names are the real ones, and its complete
 * example has no unknown key and no malformed value.
 */
class ConfigurationDocTest {
    static final Path DOC = Path.of("../../docs/configuration.md");

    @Test
    void theKeyTableListsEveryKeyAndNoOther() throws Exception {
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `(lifeboat\\.[^`]+)` \\|").matcher(section());
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> known = new TreeSet<>();
        PropertySource.TOP_LEVEL.forEach(k -> known.add("lifeboat." + k));
        PropertySource.SECTIONS.forEach((section, settings) -> settings.forEach(s -> known.add("lifeboat." + section + ".<name>." + s)));
        for (StoreProvider p : ServiceLoader.load(StoreProvider.class)) {
            p.settings().forEach(s -> known.add("lifeboat.stores.<name>." + s));
        }
        // the environment variable examples are keys too: leave them out here
        documented.removeIf(k -> !k.contains("<name>") && !PropertySource.TOP_LEVEL.contains(k.substring("lifeboat.".length())));

        assertThat(documented).isEqualTo(known);
    }

    @Test
    void theEnvironmentVariableNamesAreTheRealOnes() throws Exception {
        Matcher m = Pattern.compile("(?m)^\\| `(lifeboat\\.[^`]+)` \\| `(LIFEBOAT_[A-Z0-9_]+)` \\|$").matcher(section());
        int rows = 0;
        while (m.find()) {
            rows++;
            assertThat(PropertySource.envName(m.group(1))).isEqualTo(m.group(2));
            // and such a variable overrides the key
            LifeboatProperties props = LifeboatProperties.of(Map.of(m.group(1), "from-file"), Map.of(m.group(2), "from-env"));
            assertThat(props.get(m.group(1))).contains("from-env");
        }
        assertThat(rows).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theCompleteExampleHasOnlyKnownKeysAndValidValues() throws Exception {
        Matcher m = Pattern.compile("(?s)```properties\\n(.*?)```").matcher(section());
        assertThat(m.find()).isTrue();
        Properties file = new Properties();
        file.load(new StringReader(m.group(1)));
        Map<String, String> map = new TreeMap<>();
        file.stringPropertyNames().forEach(k -> map.put(k, file.getProperty(k)));
        Map<String, String> env = Map.of("SHOP_DB_PASSWORD", "pw", "B2_KEY_ID", "key-id", "B2_APPLICATION_KEY", "app-key");

        LifeboatProperties props = LifeboatProperties.of(map, env);

        assertThat(props.warnings()).isEmpty();
        assertThat(props.effective().keySet()).as("the example shows every top-level key").containsAll(
                PropertySource.TOP_LEVEL.stream().map(k -> "lifeboat." + k).toList());
        Map<String, Store> stores = props.stores();
        assertThat(stores).containsOnlyKeys("local", "offsite");
        assertThat(((LocalStore) stores.get("local")).root()).isEqualTo(Path.of("/var/backups/shop"));
        assertThat(stores.get("offsite").describe())
                .isEqualTo("s3://shop-backups/prod/ (endpoint https://s3.eu-central-003.backblazeb2.com)");

        // on this machine the example's files do not exist; that is all build() may find wrong with it
        ConfigurationException e = Assertions.catchThrowableOfType(props::build, ConfigurationException.class);
        List<String> notExisting = new ArrayList<>();
        for (Problem p : e.problems()) {
            assertThat(p.actual()).as(p.toString()).containsAnyOf("does not exist", "NoSuchFileException", "/var/", "/usr/", "/etc/");
            notExisting.add(p.setting());
        }
        assertThat(notExisting).doesNotContain("lifeboat.encryption.recipients", "lifeboat.signing.public-key", "lifeboat.rpo",
                "lifeboat.databases.main.url", "lifeboat.databases.analytics.url");
    }

    private static String section() throws Exception {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("\n## Properties\n");
        assertThat(start).as("a Properties section in " + DOC).isPositive();
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }
}
