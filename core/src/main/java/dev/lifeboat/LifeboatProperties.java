package dev.lifeboat;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.Secret;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.StoreProvider;
import dev.lifeboat.api.store.StoreSettings;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.crypto.Recipients;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.Text;
import dev.lifeboat.internal.config.PropertySource;
import dev.lifeboat.internal.config.Values;
import dev.lifeboat.internal.crypto.SecureFiles;
import dev.lifeboat.store.LocalStore;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Lifeboat configured by {@code lifeboat.*} properties (a file, MicroProfile Config, a map), framework-neutral.
 *
 * <pre>
 * lifeboat.application=shop
 * lifeboat.databases.main.url=jdbc:postgresql://127.0.0.1:5432/shop
 * lifeboat.databases.main.password=${DB_PASSWORD}
 * lifeboat.files.uploads.path=/var/www/shop/media
 * lifeboat.stores.local.type=local
 * lifeboat.stores.local.path=/var/backups/shop
 * lifeboat.rpo=24h
 * </pre>
 *
 * Values may reference environment variables ({@code ${DB_PASSWORD}}, {@code ${HOME:-/root}}), and every key can be
 * overridden by an environment variable named like it in upper case with {@code _} for every other character
 * ({@code LIFEBOAT_DATABASES_MAIN_PASSWORD}). Unknown keys are reported as {@link #warnings()} with a "did you mean".
 * Every invalid value is reported at once by {@link #build()}, naming the key. See docs/configuration.md for every key.
 */
public final class LifeboatProperties {
    private final PropertySource source;
    private final Map<String, StoreProvider> providers;

    private LifeboatProperties(PropertySource source, Map<String, StoreProvider> providers) {
        this.source = source;
        this.providers = providers;
    }

    /** Reads a properties file (UTF-8) and the process environment. */
    public static LifeboatProperties load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException("configuration file", "an existing, readable properties file", "\"" + file + "\" (does not exist)");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("configuration file", "a readable properties file", "\"" + file + "\" (" + e.getMessage() + ")");
        }
        Map<String, String> map = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
        return of(map, System.getenv());
    }

    /** From a map of properties and the process environment. */
    public static LifeboatProperties of(Map<String, String> properties) {
        return of(properties, System.getenv());
    }

    /** From a map of properties and an explicit environment (for tests and embedding). */
    public static LifeboatProperties of(Map<String, String> properties, Map<String, String> environment) {
        Map<String, StoreProvider> providers = new LinkedHashMap<>();
        providers.put(LocalStore.TYPE, new LocalStoreProvider());
        for (StoreProvider p : ServiceLoader.load(StoreProvider.class, LifeboatProperties.class.getClassLoader())) {
            providers.putIfAbsent(p.type(), p);
        }
        List<String> storeSettings = new ArrayList<>();
        providers.values().forEach(p -> storeSettings.addAll(p.settings()));
        return new LifeboatProperties(PropertySource.of(properties, environment, storeSettings), providers);
    }

    /** Unknown keys, each with a "did you mean" when one is close. */
    public List<String> warnings() {
        return source.warnings();
    }

    /** The effective settings after environment overrides and expansion, secrets shown as {@code ***}. */
    public Map<String, String> effective() {
        return source.redacted();
    }

    /** A raw effective value, e.g. {@code get("lifeboat.rpo")}. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(source.get(key));
    }

    /**
     * {@code lifeboat.rpo}: the recovery point objective (how old the latest backup may be).
     *
     * @throws ConfigurationException when it is set but is not a duration (or names an unset variable): a
     *     freshness check must not pass because its limit could not be read
     */
    public Optional<Duration> rpo() {
        return strictDuration("lifeboat.rpo");
    }

    /**
     * {@code lifeboat.rto}: the recovery time objective (how long a restore may take).
     *
     * @throws ConfigurationException when it is set but is not a duration (or names an unset variable)
     */
    public Optional<Duration> rto() {
        return strictDuration("lifeboat.rto");
    }

    private Optional<Duration> strictDuration(String key) {
        List<Problem> problems = new ArrayList<>();
        source.problems().stream().filter(p -> p.setting().equals(key)).forEach(problems::add);
        Optional<Duration> d = optDuration(key, problems);
        if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
            problems.add(new Problem(key, "a positive duration", "\"" + source.get(key) + "\""));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return d;
    }

    /**
     * The manifest verify keys a recovery from this configuration trusts: {@code lifeboat.signing.public-key} and, for
     * the application's own configuration, the public half of {@code lifeboat.signing.key-file} when that file exists.
     */
    public Set<ManifestVerifyKey> trustedKeys() {
        Set<ManifestVerifyKey> keys = new LinkedHashSet<>();
        trustedKey().ifPresent(keys::add);
        List<Problem> pathProblems = new ArrayList<>();
        Optional<Path> keyFile = optPath("lifeboat.signing.key-file", pathProblems);
        if (!pathProblems.isEmpty()) {
            throw new ConfigurationException(pathProblems);
        }
        if (keyFile.isPresent() && Files.isRegularFile(keyFile.get())) {
            try {
                keys.add(SigningKey.load(keyFile.get()).verifyKey());
            } catch (ConfigurationException e) {
                throw new ConfigurationException("lifeboat.signing.key-file", "a readable Ed25519 signing key (PEM)",
                        "\"" + keyFile.get() + "\"");
            }
        } else if (keyFile.isPresent() && keys.isEmpty()) {
            // without it nothing would be trusted, and a manifest swapped by someone with write access to the store
            // would be accepted with a mere warning
            throw new ConfigurationException("lifeboat.signing.key-file", "an existing signing key file, or set"
                    + " lifeboat.signing.public-key (the line `lifeboat backup` logs) so that restores check manifest signatures",
                    "\"" + keyFile.get() + "\" (does not exist)");
        }
        return keys;
    }

    /** {@code lifeboat.signing.public-key}: a manifest verify key trusted in addition to the own signing key. */
    public Optional<ManifestVerifyKey> trustedKey() {
        String v = source.get("lifeboat.signing.public-key");
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ManifestVerifyKey.parse(v));
        } catch (ConfigurationException e) {
            throw new ConfigurationException(publicKeyProblems(e));
        }
    }

    /** The parser's own problems (what it must be, what it was, never the key), named by the property. */
    private static List<Problem> publicKeyProblems(ConfigurationException e) {
        return e.problems().stream().map(p -> new Problem("lifeboat.signing.public-key", p.requirement(), p.actual())).toList();
    }

    /**
     * A builder with every setting applied. Problems in the values are carried into the builder, so
     * {@link Lifeboat.Builder#build()} reports them together with its own, all naming {@code lifeboat.*} keys.
     */
    public Lifeboat.Builder toBuilder() {
        List<Problem> problems = new ArrayList<>(source.problems());
        problems.addAll(source.unknownKeys());
        Lifeboat.Builder b = Lifeboat.configure().labels(Map.ofEntries(
                Map.entry("application", "lifeboat.application"),
                Map.entry("sources", "lifeboat.databases / lifeboat.files / lifeboat.config / lifeboat.secrets"),
                Map.entry("stores", "lifeboat.stores"),
                Map.entry("tempDirectory", "lifeboat.temp-dir"),
                Map.entry("compressionLevel", "lifeboat.compression.level"),
                Map.entry("compressionWorkers", "lifeboat.compression.workers"),
                Map.entry("timeout", "lifeboat.timeout"),
                Map.entry("garbageSafetyAge", "lifeboat.garbage-safety-age"),
                Map.entry("rpo", "lifeboat.rpo"),
                Map.entry("rto", "lifeboat.rto"),
                Map.entry("encryptTo", "lifeboat.encryption.recipients"),
                Map.entry("trust", "lifeboat.signing.public-key"),
                Map.entry("signingKeyFile", "lifeboat.signing.key-file")));
        opt("lifeboat.application").ifPresent(b::application);
        optDuration("lifeboat.rpo", problems).ifPresent(b::rpo);
        optDuration("lifeboat.rto", problems).ifPresent(b::rto);
        optPath("lifeboat.temp-dir", problems).ifPresent(b::tempDirectory);
        optDuration("lifeboat.timeout", problems).ifPresent(b::timeout);
        optDuration("lifeboat.garbage-safety-age", problems).ifPresent(b::garbageSafetyAge);
        optInt("lifeboat.compression.level", problems).ifPresent(b::compressionLevel);
        optInt("lifeboat.compression.workers", problems).ifPresent(b::compressionWorkers);

        for (String name : source.names("databases")) {
            String k = "lifeboat.databases." + name + ".";
            String url = source.get(k + "url");
            if (url == null) {
                problems.add(new Problem(k + "url", "set (a jdbc:postgresql://…, postgres://… or jdbc:sqlite:… URL)", "missing"));
                // its other settings are still checked: every mistake at once
                password(k, problems);
                optDuration(k + "timeout", problems);
                optBool(k + "row-counts", problems);
                continue;
            }
            Database db;
            if (url.startsWith("jdbc:sqlite:")) {
                Path file = path(k + "url", url.substring("jdbc:sqlite:".length()), problems);
                if (file == null) {
                    continue;
                }
                db = Sqlite.file(file);
            } else {
                Postgres pg = Postgres.url(url);
                String user = source.get(k + "user");
                if (user != null) {
                    pg = pg.user(user);
                }
                Secret pw = password(k, problems);
                if (pw != null) {
                    pg = pg.password(pw);
                }
                Optional<String> bin = opt(k + "bin-dir");
                if (bin.isPresent()) {
                    Path binDir = path(k + "bin-dir", bin.get(), problems);
                    if (binDir != null) {
                        pg = pg.binDir(binDir);
                    }
                }
                Optional<Duration> t = optDuration(k + "timeout", problems);
                if (t.isPresent()) {
                    pg = pg.timeout(t.get());
                }
                Optional<Boolean> rows = optBool(k + "row-counts", problems);
                if (rows.isPresent()) {
                    pg = pg.rowCounts(rows.get());
                }
                db = pg;
            }
            b.database(name, db, "lifeboat.databases." + name);
        }
        for (String name : source.names("files")) {
            String k = "lifeboat.files." + name + ".";
            String path = source.get(k + "path");
            if (path == null) {
                problems.add(new Problem(k + "path", "set (a directory)", "missing"));
                continue;
            }
            Path dir = path(k + "path", path, problems);
            if (dir != null) {
                b.files(name, dir, list(k + "exclude"), "lifeboat.files." + name);
            }
        }
        for (String section : List.of("config", "secrets")) {
            for (String name : source.names(section)) {
                String k = "lifeboat." + section + "." + name + ".";
                List<String> paths = list(k + "paths");
                if (paths.isEmpty()) {
                    problems.add(new Problem(k + "paths", "set (a comma-separated list of files)", "missing"));
                    continue;
                }
                Path[] p = paths.stream().map(v -> path(k + "paths", v, problems)).toArray(Path[]::new);
                if (Arrays.asList(p).contains(null)) {
                    continue;
                }
                if (section.equals("config")) {
                    b.config(name, "lifeboat.config." + name, p);
                } else {
                    b.secrets(name, "lifeboat.secrets." + name, p);
                }
            }
        }
        List<String> recipients = list("lifeboat.encryption.recipients");
        if (!recipients.isEmpty()) {
            b.encryptTo(recipients.toArray(new String[0]));
        }
        optPath("lifeboat.encryption.recipients-file", problems).ifPresent(f -> {
            try {
                b.encryptTo(Recipients.fromFile(f));
            } catch (ConfigurationException e) {
                e.problems().forEach(p -> problems.add(new Problem("lifeboat.encryption.recipients-file", p.requirement(), p.actual())));
            }
        });
        optBool("lifeboat.encryption.encrypt-databases-and-files", problems).ifPresent(b::encryptAllParts);
        optPath("lifeboat.signing.key-file", problems).ifPresent(b::signingKeyFile);
        opt("lifeboat.signing.public-key").ifPresent(v -> {
            try {
                b.trust(ManifestVerifyKey.parse(v));
            } catch (ConfigurationException e) {
                problems.addAll(publicKeyProblems(e));
            }
        });
        List<String> required = new ArrayList<>();
        boolean narrowed = false;
        Map<String, Store> stores = stores(problems);
        stores.forEach(b::store);
        for (String name : source.names("stores")) { // every store's, also one with other problems: all at once
            boolean req = optBool("lifeboat.stores." + name + ".required", problems).orElse(true);
            narrowed |= !req;
            if (req && stores.containsKey(name)) {
                required.add(name);
            }
        }
        if (narrowed) {
            if (required.isEmpty()) {
                problems.add(new Problem("lifeboat.stores.<name>.required", "true for at least one store", "false for every store"));
            } else {
                b.requireStores(required.toArray(new String[0]));
            }
        }
        problems.forEach(b::problem);
        return b;
    }

    /** Builds the {@link Lifeboat}; every problem is reported at once, naming {@code lifeboat.*} keys. */
    public Lifeboat build() {
        return toBuilder().build();
    }

    /**
     * Only the stores ({@code lifeboat.stores.*}), for recovery on a machine that has nothing but the store settings
     * and, for encrypted parts, an identity. Throws a {@link ConfigurationException} naming every invalid store key.
     */
    public Map<String, Store> stores() {
        return validStores(List.of());
    }

    /**
     * The stores, or a {@link ConfigurationException} naming every problem of a store key or of {@code alsoKeys}:
     * problems of other keys (an unset {@code ${DB_PASSWORD}} on a recovery machine) do not concern the stores.
     */
    private Map<String, Store> validStores(List<String> alsoKeys) {
        List<Problem> problems = new ArrayList<>();
        for (Problem p : source.problems()) {
            if (p.setting().startsWith("lifeboat.stores.") || alsoKeys.contains(p.setting())) {
                problems.add(p);
            }
        }
        Map<String, Store> stores = stores(problems);
        if (stores.isEmpty() && problems.isEmpty()) {
            problems.add(new Problem("lifeboat.stores", "at least one store (lifeboat.stores.<name>.type=local|s3 …)", "none"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return stores;
    }

    /**
     * A {@link Recovery} over the configured stores (the one named {@code preferred} first, when given), trusting
     * {@code lifeboat.signing.public-key} when set, with {@code identities} for encrypted parts.
     */
    public Recovery recovery(String preferred, Identities identities) {
        // every problem at once: the stores', the temporary directory's and the trusted keys'
        Set<Problem> problems = new LinkedHashSet<>();
        Map<String, Store> stores = Map.of();
        try {
            stores = validStores(List.of("lifeboat.signing.public-key", "lifeboat.temp-dir"));
            if (preferred != null && !stores.containsKey(preferred)) {
                problems.add(new Problem("--store", "one of the configured stores " + stores.keySet(), "\"" + preferred + "\""));
            }
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        String tempSetting = opt("lifeboat.temp-dir").isPresent() ? "lifeboat.temp-dir" : "java.io.tmpdir";
        String tempName = opt("lifeboat.temp-dir").orElse(System.getProperty("java.io.tmpdir"));
        Path temp = path(tempSetting, tempName, problems);
        if (temp != null && !Files.isDirectory(temp)) {
            problems.add(new Problem(tempSetting, "an existing directory", "\"" + temp + "\""));
        }
        Set<ManifestVerifyKey> trusted = Set.of();
        try {
            trusted = trustedKeys();
        } catch (ConfigurationException e) {
            problems.addAll(e.problems()); // a public-key problem already found with the stores' is not repeated
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(List.copyOf(problems));
        }
        List<Store> ordered = new ArrayList<>();
        if (preferred != null) {
            ordered.add(stores.get(preferred));
        }
        stores.forEach((n, s) -> {
            if (!n.equals(preferred)) {
                ordered.add(s);
            }
        });
        Recovery r = Recovery.from(ordered, temp);
        if (identities != null) {
            r = r.withIdentities(identities);
        }
        return r.trusting(trusted.toArray(new ManifestVerifyKey[0]));
    }

    private Map<String, Store> stores(List<Problem> problems) {
        Map<String, Store> stores = new LinkedHashMap<>();
        for (String name : source.names("stores")) {
            String k = "lifeboat.stores." + name + ".";
            String type = source.get(k + "type");
            if (type == null) {
                problems.add(new Problem(k + "type", "one of " + providers.keySet(), "missing"));
                continue;
            }
            StoreProvider provider = providers.get(type);
            if (provider == null) {
                String hint = type.equals("s3") ? " (add the dependency dev.lifeboat:lifeboat-s3)" : "";
                problems.add(new Problem(k + "type", "one of " + providers.keySet() + hint, "\"" + type + "\""));
                continue;
            }
            Settings settings = new Settings(name, problems);
            int before = problems.size();
            Store store = provider.create(settings);
            if (store != null && problems.size() == before) {
                stores.put(name, store);
            }
        }
        return stores;
    }

    /**
     * {@code value} as a path, or null with a problem naming {@code key} when it cannot be one (a NUL character; on
     * Windows a {@code :} or {@code "} in the wrong place), instead of an {@link InvalidPathException} that names nothing.
     */
    private static Path path(String key, String value, Collection<Problem> problems) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            problems.add(new Problem(key, "a valid path", "\"" + Text.printable(value) + "\""));
            return null;
        }
    }

    private Optional<Path> optPath(String key, List<Problem> problems) {
        return opt(key).map(v -> path(key, v, problems));
    }

    private Secret password(String k, List<Problem> problems) {
        String pw = source.get(k + "password");
        String file = source.get(k + "password-file");
        if (pw != null && file != null) {
            problems.add(new Problem(k + "password / password-file", "only one of them", "both"));
            return null;
        }
        if (file != null) {
            try {
                return Secret.of(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip());
            } catch (IOException | InvalidPathException e) {
                problems.add(new Problem(k + "password-file", "a readable file",
                        SecureFiles.nameOfSecretFile(file) + " (" + e.getClass().getSimpleName() + ")"));
                return null;
            }
        }
        return pw == null ? null : Secret.of(pw);
    }

    private Optional<String> opt(String key) {
        return Optional.ofNullable(source.get(key));
    }

    private List<String> list(String key) {
        String v = source.get(key);
        if (v == null) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private Optional<Duration> optDuration(String key, List<Problem> problems) {
        return parse(key, problems, Values::duration, Values.DURATION_SHAPE);
    }

    private Optional<Integer> optInt(String key, List<Problem> problems) {
        return parse(key, problems, Integer::parseInt, "an integer");
    }

    private Optional<Boolean> optBool(String key, List<Problem> problems) {
        return parse(key, problems, Values::bool, "true or false");
    }

    private <T> Optional<T> parse(String key, List<Problem> problems, Function<String, T> parser, String shape) {
        String v = source.get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.apply(v));
        } catch (RuntimeException e) {
            problems.add(new Problem(key, shape, PropertySource.isSecret(key) ? "***" : "\"" + v + "\""));
            return Optional.empty();
        }
    }

    private final class Settings implements StoreSettings {
        private final String name;
        private final List<Problem> problems;

        Settings(String name, List<Problem> problems) {
            this.name = name;
            this.problems = problems;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String key(String setting) {
            return "lifeboat.stores." + name + "." + setting;
        }

        @Override
        public Optional<String> get(String setting) {
            return opt(key(setting));
        }

        @Override
        public Optional<Secret> secret(String setting) {
            return opt(key(setting)).map(Secret::of);
        }

        @Override
        public Optional<Boolean> bool(String setting) {
            return optBool(key(setting), problems);
        }

        @Override
        public Optional<Duration> duration(String setting) {
            return optDuration(key(setting), problems);
        }

        @Override
        public Optional<Long> bytes(String setting) {
            return parse(key(setting), problems, Values::bytes, Values.SIZE_SHAPE);
        }

        @Override
        public void problem(String setting, String requirement, String actual) {
            problems.add(new Problem(key(setting), requirement, Objects.requireNonNull(actual)));
        }
    }

    /** {@code type=local}: {@code path} is the directory. */
    private static final class LocalStoreProvider implements StoreProvider {
        @Override
        public String type() {
            return LocalStore.TYPE;
        }

        @Override
        public java.util.Set<String> settings() {
            return java.util.Set.of("path");
        }

        @Override
        public Store create(StoreSettings s) {
            Optional<String> path = s.get("path");
            if (path.isEmpty()) {
                s.problem("path", "set (the backup directory)", "missing");
                return null;
            }
            try {
                return LocalStore.at(Path.of(path.get()));
            } catch (InvalidPathException e) {
                s.problem("path", "a valid path", "\"" + Text.printable(path.get()) + "\"");
                return null;
            }
        }
    }
}
