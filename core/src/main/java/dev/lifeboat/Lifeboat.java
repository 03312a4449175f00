package dev.lifeboat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupInProgressException;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import dev.lifeboat.crypto.ManifestVerifyKey;
import dev.lifeboat.crypto.Recipients;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.internal.archive.ArchiveSource;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.crypto.CryptoPlan;
import dev.lifeboat.internal.engine.BackupEngine;
import dev.lifeboat.internal.engine.Plan;
import dev.lifeboat.internal.postgres.PgClient;
import dev.lifeboat.internal.postgres.PgUrl;
import dev.lifeboat.internal.postgres.PostgresSource;
import dev.lifeboat.internal.sqlite.SqliteSource;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Lifeboat: backups of an application's databases, files and config that are streamed, hashed, stored
 * atomically and published by a manifest written last, and that can be verified and restored.
 *
 * <pre>{@code
 * Lifeboat lifeboat = Lifeboat.configure()
 *     .application("shop")
 *     .database("main", Postgres.url(System.getenv("DATABASE_URL")))
 *     .files("uploads", Path.of("/var/www/shop/media"))
 *     .config("deploy", Path.of("/etc/nginx/sites-available/shop.conf"))
 *     .secrets("env", Path.of("/opt/shop/.env"))                       // always encrypted
 *     .encryptTo(Recipients.parse("age1…ops", "age1…escrow"))          // public keys only
 *     .signingKeyFile(Path.of("/var/lib/shop/lifeboat-signing.pem"))   // created on first use, 0600
 *     .store(LocalStore.at(Path.of("/var/backups/shop")))
 *     .build();                      // validates everything, reports every problem at once
 * BackupResult result = lifeboat.backupNow();
 * }</pre>
 *
 * A {@code Lifeboat} is immutable and thread-safe; one backup runs at a time per instance (a second concurrent
 * {@link #backupNow()} fails fast with {@link BackupInProgressException}).
 */
public final class Lifeboat {
    private static final System.Logger LOG = System.getLogger(Lifeboat.class.getName());

    private final Plan plan;
    private final Recovery recovery;
    private final AtomicReference<BackupId> running = new AtomicReference<>();
    private BackupId lastId;

    private Lifeboat(Plan plan) {
        this.plan = plan;
        this.recovery = Recovery.from(plan.storeList(), plan.tempRoot())
                .trusting(plan.crypto().trusted().toArray(new ManifestVerifyKey[0]))
                .withListener(plan.listener());
    }

    /** Starts a configuration. */
    public static Builder configure() {
        return new Builder();
    }

    /**
     * Runs a backup now: every source to every store, then the manifest. Returns when the backup is published;
     * throws a {@link dev.lifeboat.api.LifeboatException} (and publishes nothing) when any part fails.
     */
    public BackupResult backupNow() {
        BackupId id = nextId();
        if (!running.compareAndSet(null, id)) {
            BackupId other = running.get();
            throw new BackupInProgressException(other != null ? other : id);
        }
        try {
            return new BackupEngine(plan).run(id, this::settled);
        } finally {
            running.set(null);
        }
    }

    /** The engine chose another id, to sort after a backup a store already holds: later ids sort after it too. */
    private synchronized void settled(BackupId id) {
        running.set(id);
        if (lastId == null || id.compareTo(lastId) > 0) {
            lastId = id;
        }
    }

    /**
     * A new id that sorts after every id this instance generated before, even within the same second (ids have
     * second precision and a random suffix), so {@link #latest()} is always the backup taken last.
     */
    private synchronized BackupId nextId() {
        BackupId id = BackupId.generate(plan.clock().instant());
        while (lastId != null && id.compareTo(lastId) <= 0) {
            id = id.value().regionMatches(0, lastId.value(), 0, 16)
                    ? BackupId.generate(plan.clock().instant()) : BackupId.generate(lastId.timestamp().plusSeconds(1));
        }
        lastId = id;
        return id;
    }

    /** The id of the backup running now, if any. */
    public Optional<BackupId> running() {
        return Optional.ofNullable(running.get());
    }

    /** Every published backup (in any store), oldest first. */
    public List<Manifest> list() {
        return recovery.list();
    }

    /** The newest published backup (in any store). */
    public Optional<Manifest> latest() {
        return recovery.latest();
    }

    public Manifest manifest(BackupId id) {
        return recovery.manifest(id);
    }

    public VerificationReport verify(BackupId id, VerifyLevel level) {
        VerificationReport report = recovery.verify(id, level);
        try {
            plan.listener().verifyFinished(report);
        } catch (RuntimeException e) {
            System.getLogger(Lifeboat.class.getName()).log(System.Logger.Level.WARNING, "a LifeboatListener threw; ignored", e);
        }
        return report;
    }

    public RestoreResult restoreDatabase(BackupId id, String name, Database target, RestoreOptions options) {
        return recovery.restoreDatabase(id, name, target, options);
    }

    public RestoreResult restoreFiles(BackupId id, String name, Path directory, RestoreOptions options) {
        return recovery.restoreFiles(id, name, directory, options);
    }

    public RestoreResult restoreConfig(BackupId id, String name, Path directory, RestoreOptions options) {
        return recovery.restoreConfig(id, name, directory, options);
    }

    /**
     * The public half of the key that signs this Lifeboat's manifests, to configure as trusted where backups are
     * verified and restored; empty when manifests are not signed.
     */
    public Optional<ManifestVerifyKey> manifestVerifyKey() {
        return Optional.ofNullable(plan.crypto().signingKey()).map(SigningKey::verifyKey);
    }

    /** Who parts are encrypted to; empty when nothing is encrypted. */
    public Optional<Recipients> recipients() {
        return Optional.ofNullable(plan.crypto().recipients());
    }

    /**
     * Store-level operations (list, verify, restore) over this Lifeboat's stores (in configuration order), trusting this Lifeboat's own
     * signing key (and any {@linkplain Builder#trust trusted key}). It holds no identities: add them with
     * {@link Recovery#withIdentities} where a restore of encrypted parts must run (a drill host, the CLI).
     */
    public Recovery recovery() {
        return recovery;
    }

    /**
     * Removes leftovers of unfinished backups (objects without a manifest) older than the safety age from every
     * store. Also runs at the start of each backup. A backup this instance is running is never touched, however
     * long it has run. Returns the ids removed.
     */
    public List<String> collectGarbage() {
        List<String> all = new ArrayList<>();
        for (Store s : plan.storeList()) {
            all.addAll(new Catalog(s).collectGarbage(plan.clock().instant(), plan.garbageSafetyAge(), running.get()));
        }
        return all;
    }

    /** The configured sources, in backup order. */
    public List<Source> sources() {
        return plan.sources();
    }

    /** The configured stores, by name, in configuration order. */
    public Map<String, Store> stores() {
        Map<String, Store> m = new LinkedHashMap<>();
        plan.stores().forEach(ns -> m.put(ns.name(), ns.store()));
        return m;
    }

    /** The recovery point objective: how old the newest backup may be ({@link Builder#rpo}). */
    public Optional<Duration> rpo() {
        return Optional.ofNullable(plan.rpo());
    }

    /** The recovery time objective: how long a restore may take ({@link Builder#rto}). */
    public Optional<Duration> rto() {
        return Optional.ofNullable(plan.rto());
    }

    /** The application name recorded in manifests. */
    public String application() {
        return plan.application();
    }

    /**
     * Collects settings; {@link #build()} validates them all and reports every problem at once. Not thread-safe;
     * build once and share the {@link Lifeboat}.
     */
    public static final class Builder {
        /** Default application name (recorded in manifests). */
        public static final String DEFAULT_APPLICATION = "app";
        /** zstd level 3: zstd's own default, a good ratio at several hundred MB/s per core. */
        public static final int DEFAULT_COMPRESSION_LEVEL = 3;
        /** Default wall-clock limit per source. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);
        /** Leftovers younger than a day may belong to a backup still running elsewhere: never removed. */
        public static final Duration DEFAULT_GARBAGE_SAFETY_AGE = Duration.ofHours(24);

        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

        private String application = DEFAULT_APPLICATION;
        private final List<Entry> entries = new ArrayList<>();
        private final List<StoreEntry> stores = new ArrayList<>();
        private final Set<String> requiredStores = new LinkedHashSet<>();
        private Duration rpo;
        private Duration rto;
        private Map<String, String> labels = Map.of();
        private final List<Problem> pending = new ArrayList<>();
        private Path tempRoot = Path.of(System.getProperty("java.io.tmpdir"));
        private int compressionLevel = DEFAULT_COMPRESSION_LEVEL;
        private int compressionWorkers = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration garbageSafetyAge = DEFAULT_GARBAGE_SAFETY_AGE;
        private Clock clock = Clock.systemUTC();
        private LifeboatListener listener = LifeboatListener.NONE;
        private Recipients recipients;
        private final List<String> recipientTexts = new ArrayList<>();
        private boolean encryptAllParts = true;
        private SigningKey signingKey;
        private Path signingKeyFile;
        private final Set<ManifestVerifyKey> trusted = new LinkedHashSet<>();

        private Builder() {}

        /** The application's name, recorded in every manifest (default: {@value #DEFAULT_APPLICATION}). */
        public Builder application(String name) {
            this.application = Objects.requireNonNull(name, "null application");
            return this;
        }

        /** Backs up a database: {@link Postgres#url(String)} or {@link Sqlite#file(Path)}. */
        public Builder database(String name, Database database) {
            return database(name, database, null);
        }

        Builder database(String name, Database database, String label) {
            entries.add(new Entry(SourceKind.DATABASE, Objects.requireNonNull(name, "null name"),
                    Objects.requireNonNull(database, "null database"), List.of(), List.of(), null, label));
            return this;
        }

        /**
         * Backs up a directory tree (uploads, media). Symlinks are stored as links; sockets, FIFOs and devices
         * are skipped. {@code excludeGlobs} are matched against paths relative to the directory and against file
         * names, e.g. {@code "cache/**"}, {@code "*.tmp"}.
         */
        public Builder files(String name, Path directory, String... excludeGlobs) {
            return files(name, directory, List.of(excludeGlobs), null);
        }

        Builder files(String name, Path directory, List<String> excludeGlobs, String label) {
            entries.add(new Entry(SourceKind.FILES, Objects.requireNonNull(name, "null name"), null,
                    List.of(Objects.requireNonNull(directory, "null directory")), List.copyOf(excludeGlobs), null, label));
            return this;
        }

        /** Backs up individual deployment files (nginx site, systemd unit, compose file, crontab export…). */
        public Builder config(String name, Path... paths) {
            return config(name, null, paths);
        }

        Builder config(String name, String label, Path... paths) {
            entries.add(new Entry(SourceKind.CONFIG, Objects.requireNonNull(name, "null name"), null, List.of(paths), List.of(), null, label));
            return this;
        }

        /**
         * Backs up secret files ({@code .env}, TLS keys, the application's own data-encryption keys), archived like
         * {@link #config}. Secrets are always encrypted: {@link #build()} fails unless {@link #encryptTo} is configured.
         * Restore them with {@link Recovery#restoreSecrets} and the matching identity.
         */
        public Builder secrets(String name, Path... paths) {
            return secrets(name, null, paths);
        }

        Builder secrets(String name, String label, Path... paths) {
            entries.add(new Entry(SourceKind.SECRETS, Objects.requireNonNull(name, "null name"), null, List.of(paths), List.of(), null, label));
            return this;
        }

        /**
         * Encrypts parts to these age recipients (public keys; several are usual, e.g. the ops team's and an offline
         * escrow key). Repeated calls add recipients. The application can then write backups but not read them.
         */
        public Builder encryptTo(Recipients recipients) {
            Objects.requireNonNull(recipients, "null recipients");
            this.recipients = this.recipients == null ? recipients : this.recipients.and(recipients);
            return this;
        }

        /**
         * Encrypts parts to these age recipients ({@code age1…}), e.g. straight from configuration values; see
         * {@link Recipients#parse}. Invalid entries are reported by {@link #build()}; an identity (private key) given
         * here by mistake is reported without being echoed.
         */
        public Builder encryptTo(String... recipients) {
            for (String r : recipients) {
                recipientTexts.add(Objects.requireNonNull(r, "null recipient"));
            }
            return this;
        }

        /**
         * Whether database, files and config parts are encrypted too when recipients are configured (default: true).
         * {@code false} leaves them as they are, for stores that already encrypt at rest and where stock tools should
         * read the parts directly; secrets parts are encrypted regardless.
         */
        public Builder encryptAllParts(boolean encrypt) {
            this.encryptAllParts = encrypt;
            return this;
        }

        /** Signs every manifest with {@code key} (see {@link SigningKey}). Excludes {@link #signingKeyFile}. */
        public Builder signWith(SigningKey key) {
            this.signingKey = Objects.requireNonNull(key, "null key");
            return this;
        }

        /**
         * Signs every manifest with the Ed25519 key stored in {@code file}; {@link #build()} generates it there (mode
         * 0600) when the file does not exist yet and logs its public half. Excludes {@link #signWith}.
         */
        public Builder signingKeyFile(Path file) {
            this.signingKeyFile = Objects.requireNonNull(file, "null file");
            return this;
        }

        /**
         * Also accepts manifests signed by these keys (the own signing key is always trusted), e.g. the previous key
         * after a signing key rotation, so that older backups stay listed, verifiable and restorable. Needs a signing
         * key ({@link #signWith} or {@link #signingKeyFile}): where a key is trusted, unsigned manifests are refused,
         * this Lifeboat's own included.
         */
        public Builder trust(ManifestVerifyKey... keys) {
            for (ManifestVerifyKey k : keys) {
                trusted.add(Objects.requireNonNull(k, "null key"));
            }
            return this;
        }

        /** Adds a custom {@link Source}. */
        public Builder source(Source source) {
            Objects.requireNonNull(source, "null source");
            entries.add(new Entry(source.kind(), source.name(), null, List.of(), List.of(), source, null));
            return this;
        }

        /**
         * Adds a store; every backup goes to every store. At least one is required. The store is named
         * {@code store-1}, {@code store-2}, … in order; name it with {@link #store(String, Store)}.
         */
        public Builder store(Store store) {
            stores.add(new StoreEntry(null, Objects.requireNonNull(store, "null store")));
            return this;
        }

        /**
         * Adds a named store (e.g. {@code local}, {@code offsite}); manifests record the outcome per store name. Each
         * part streams to every store at once; a store that fails is dropped from the backup while the others
         * continue, and the backup is published where it succeeded, as {@code INCOMPLETE} when a
         * {@linkplain #requireStores required} store is missing.
         */
        public Builder store(String name, Store store) {
            stores.add(new StoreEntry(Objects.requireNonNull(name, "null name"), Objects.requireNonNull(store, "null store")));
            return this;
        }

        /**
         * The stores that must hold a complete copy for a backup to count as {@code SUCCESS} (default: every store).
         * A backup that reaches only some stores is still published there, as {@code INCOMPLETE} when a required
         * store is missing; when no store holds it, the backup fails.
         */
        public Builder requireStores(String... names) {
            for (String n : names) {
                requiredStores.add(Objects.requireNonNull(n, "null name"));
            }
            return this;
        }

        /**
         * The recovery point objective: the newest backup should never be older than this (reported by status and
         * health checks; default: none).
         */
        public Builder rpo(Duration rpo) {
            this.rpo = Objects.requireNonNull(rpo, "null rpo");
            return this;
        }

        /** The recovery time objective: a restore should take no longer than this (default: none). */
        public Builder rto(Duration rto) {
            this.rto = Objects.requireNonNull(rto, "null rto");
            return this;
        }

        /** Names problems after configuration keys instead of builder methods (used by {@link LifeboatProperties}). */
        Builder labels(Map<String, String> labels) {
            this.labels = Map.copyOf(labels);
            return this;
        }

        /** A problem found while reading configuration, reported by {@link #build()} with its own. */
        Builder problem(Problem problem) {
            pending.add(problem);
            return this;
        }

        /** Where private temporary directories are created (default: {@code java.io.tmpdir}). */
        public Builder tempDirectory(Path directory) {
            this.tempRoot = Objects.requireNonNull(directory, "null directory");
            return this;
        }

        /** zstd level for files, config and SQLite parts, 1–19 (default: {@value #DEFAULT_COMPRESSION_LEVEL}). */
        public Builder compressionLevel(int level) {
            this.compressionLevel = level;
            return this;
        }

        /** zstd worker threads, 0 for single-threaded (default: the number of processors). */
        public Builder compressionWorkers(int workers) {
            this.compressionWorkers = workers;
            return this;
        }

        /** Wall-clock limit per source (default: 6 hours). {@link Postgres#timeout} overrides it per database. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "null timeout");
            return this;
        }

        /**
         * Leftovers of unfinished backups are removed only when older than this (default: 24 hours). Keep it well
         * above the longest backup: a younger leftover may be a backup still running in another process that
         * writes to the same store.
         */
        public Builder garbageSafetyAge(Duration age) {
            this.garbageSafetyAge = Objects.requireNonNull(age, "null age");
            return this;
        }

        /** The clock (default: system UTC); for tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "null clock");
            return this;
        }

        /** Observes backups (default: {@link LifeboatListener#NONE}). */
        public Builder listener(LifeboatListener listener) {
            this.listener = Objects.requireNonNull(listener, "null listener");
            return this;
        }

        private static boolean mentions(List<Problem> problems, String... prefixes) {
            return problems.stream().anyMatch(p -> java.util.Arrays.stream(prefixes).anyMatch(p.setting()::startsWith));
        }

        /**
         * Validates every setting and builds an immutable {@link Lifeboat}. Throws one
         * {@link ConfigurationException} listing every problem found.
         */
        public Lifeboat build() {
            List<Problem> problems = new ArrayList<>(pending);
            if (!NAME.matcher(application).matches()) {
                problems.add(new Problem(label("application"), "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                        quote(application)));
            }
            // "none" only when none was configured: a source or store whose keys were all invalid is reported by them
            if (entries.isEmpty() && !mentions(pending, "lifeboat.databases.", "lifeboat.files.", "lifeboat.config.",
                    "lifeboat.secrets.")) {
                problems.add(new Problem(label("sources"), "at least one database, files, config or secrets source", "none"));
            }
            if (stores.isEmpty() && !mentions(pending, "lifeboat.stores.")) {
                problems.add(new Problem(label("stores"), labels.containsKey("stores")
                        ? "at least one store (lifeboat.stores.<name>.type=local|s3 …)"
                        : "at least one store, e.g. .store(LocalStore.at(Path.of(\"/var/backups/app\")))", "none"));
            }
            List<Plan.NamedStore> named = namedStores(problems);
            Set<String> seen = new HashSet<>();
            List<Source> sources = new ArrayList<>();
            for (Entry e : entries) {
                String setting = e.label != null ? e.label : e.kind.prefix() + " \"" + e.name + "\"";
                if (!NAME.matcher(e.name).matches()) {
                    problems.add(new Problem(e.label != null ? e.label : e.kind.prefix() + " name", "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                            quote(e.name)));
                    continue;
                }
                if (!seen.add(e.kind.prefix() + "-" + e.name)) {
                    problems.add(new Problem(setting, "a unique " + e.kind.prefix() + " name", "a duplicate"));
                    continue;
                }
                Source s = toSource(e, setting, problems);
                if (s != null) {
                    sources.add(s);
                }
            }
            if (!Files.isDirectory(tempRoot)) {
                problems.add(new Problem(label("tempDirectory"), "an existing directory", quote(tempRoot.toString())));
            }
            if (compressionLevel < 1 || compressionLevel > 19) {
                problems.add(new Problem(label("compressionLevel"), "between 1 and 19", String.valueOf(compressionLevel)));
            }
            if (compressionWorkers < 0 || compressionWorkers > 256) {
                problems.add(new Problem(label("compressionWorkers"), "between 0 and 256", String.valueOf(compressionWorkers)));
            }
            if (timeout.isZero() || timeout.isNegative()) {
                problems.add(new Problem(label("timeout"), "a positive duration", timeout.toString()));
            }
            if (garbageSafetyAge.isNegative()) {
                problems.add(new Problem(label("garbageSafetyAge"), "zero or a positive duration", garbageSafetyAge.toString()));
            }
            for (String field : List.of("rpo", "rto")) {
                Duration d = field.equals("rpo") ? rpo : rto;
                if (d != null && (d.isZero() || d.isNegative())) {
                    problems.add(new Problem(label(field), "a positive duration", d.toString()));
                }
            }
            CryptoPlan crypto = crypto(sources, problems);
            if (!problems.isEmpty()) {
                throw new ConfigurationException(problems);
            }
            return new Lifeboat(new Plan(application, sources, named, tempRoot, compressionLevel, compressionWorkers,
                    timeout, garbageSafetyAge, clock, listener, crypto, rpo, rto));
        }

        private List<Plan.NamedStore> namedStores(List<Problem> problems) {
            List<Plan.NamedStore> named = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < stores.size(); i++) {
                StoreEntry e = stores.get(i);
                String name = e.name != null ? e.name : "store-" + (i + 1);
                if (!NAME.matcher(name).matches()) {
                    problems.add(new Problem(label("stores") + " name", "1–64 letters, digits, '.', '_' or '-'", quote(name)));
                } else if (!names.add(name)) {
                    problems.add(new Problem(label("stores") + " \"" + name + "\"", "a unique store name", "a duplicate"));
                }
                named.add(new Plan.NamedStore(name, e.store, requiredStores.isEmpty() || requiredStores.contains(name)));
            }
            for (String r : requiredStores) {
                if (!names.contains(r)) {
                    problems.add(new Problem("requireStores", "names of configured stores " + names, quote(r)));
                }
            }
            return named;
        }

        private CryptoPlan crypto(List<Source> sources, List<Problem> problems) {
            Recipients all = recipients;
            if (!recipientTexts.isEmpty()) {
                try {
                    Recipients parsed = Recipients.parse(recipientTexts.toArray(new String[0]));
                    all = all == null ? parsed : all.and(parsed);
                } catch (ConfigurationException e) {
                    for (Problem p : e.problems()) {
                        String setting = labels.containsKey("encryptTo") ? label("encryptTo") + " (" + p.setting() + ")"
                                : "encryptTo " + p.setting();
                        problems.add(new Problem(setting, p.requirement(), p.actual()));
                    }
                }
            }
            for (Source s : sources) {
                if (s.kind() == SourceKind.SECRETS && all == null) {
                    String label = entries.stream().filter(e -> e.kind == s.kind() && e.name.equals(s.name()) && e.label != null)
                            .map(Entry::label).findFirst().orElse(s.kind().prefix() + " \"" + s.name() + "\"");
                    problems.add(new Problem(label, "encrypted: configure encryptTo(recipients)"
                            + (label.startsWith("lifeboat.") ? " (lifeboat.encryption.recipients)" : ""), "no recipients"));
                }
            }
            SigningKey key = signingKey;
            if (signingKey != null && signingKeyFile != null) {
                problems.add(new Problem("signWith / signingKeyFile", "one signing key", "both"));
            } else if (signingKeyFile != null) {
                try {
                    // an invalid configuration creates nothing: a missing key is generated only by a build that succeeds
                    boolean exists = Files.exists(signingKeyFile, LinkOption.NOFOLLOW_LINKS);
                    if (exists || problems.isEmpty()) {
                        key = exists ? SigningKey.load(signingKeyFile) : SigningKey.loadOrCreate(signingKeyFile);
                    }
                } catch (ConfigurationException e) {
                    for (Problem p : e.problems()) {
                        problems.add(labels.containsKey("signingKeyFile")
                                ? new Problem(label("signingKeyFile"), p.requirement(), p.actual()) : p);
                    }
                }
            }
            if (signingKey == null && signingKeyFile == null && !trusted.isEmpty()) {
                // its own manifests would be unsigned, and an unsigned manifest is refused where a key is trusted:
                // every backup would fail after uploading its data
                problems.add(new Problem(label("trust"), "used with a signing key (" + label("signingKeyFile")
                        + " or signWith) on a Lifeboat that backs up: its own unsigned manifests would be refused",
                        "no signing key"));
            }
            return new CryptoPlan(all, encryptAllParts, key, trusted);
        }

        /** {@code db "main" url} for the Java API, {@code lifeboat.databases.main.url} for properties. */
        private static String attr(Entry e, String setting, String javaName, String key) {
            return e.label != null ? e.label + "." + key : setting + " " + javaName;
        }

        private String label(String field) {
            return labels.getOrDefault(field, field);
        }

        private Source toSource(Entry e, String setting, List<Problem> problems) {
            if (e.custom != null) {
                return e.custom;
            }
            switch (e.kind) {
                case DATABASE -> {
                    if (e.database instanceof Postgres pg) {
                        boolean ok = true;
                        try {
                            PgClient client = PgClient.of(pg);
                            if (!client.passwordFitsPgpass()) {
                                problems.add(new Problem(attr(e, setting, "password", "password"), PgClient.PASSWORD_LINE_BREAK,
                                        "a password with a line break (not shown)"));
                                ok = false;
                            }
                            for (String name : client.namesNotOnCommandLine()) {
                                problems.add(new Problem(attr(e, setting, "url", "url"), "a " + name + " of "
                                        + PgClient.NOT_ON_COMMAND_LINE, quote(PgUrl.redact(pg.url()))));
                                ok = false;
                            }
                            if (!client.url().ignoredParams().isEmpty()) {
                                LOG.log(System.Logger.Level.WARNING, "database {0}: the URL''s parameters {1} are not passed"
                                        + " on to pg_dump and pg_restore (they connect as they would without them)", e.name,
                                        client.url().ignoredParams());
                            }
                        } catch (IllegalArgumentException ex) {
                            problems.add(new Problem(attr(e, setting, "url", "url"), ex.getMessage(), quote(PgUrl.redact(pg.url()))));
                            ok = false;
                        }
                        if (pg.timeout() != null && (pg.timeout().isZero() || pg.timeout().isNegative())) {
                            problems.add(new Problem(attr(e, setting, "timeout", "timeout"), "a positive duration", pg.timeout().toString()));
                            ok = false;
                        }
                        if (pg.binDir() != null && !Files.isDirectory(pg.binDir())) {
                            problems.add(new Problem(attr(e, setting, "binDir", "bin-dir"), "a directory holding pg_dump and pg_restore",
                                    quote(pg.binDir().toString())));
                            ok = false;
                        }
                        return ok ? new PostgresSource(e.name, pg) : null;
                    }
                    Sqlite sq = (Sqlite) e.database;
                    if (!Files.isRegularFile(sq.path())) {
                        problems.add(new Problem(attr(e, setting, "file", "url"), "an existing SQLite database file", quote(sq.path().toString())));
                        return null;
                    }
                    return new SqliteSource(e.name, sq);
                }
                case FILES -> {
                    Path dir = e.paths.get(0);
                    boolean ok = true;
                    if (!Files.isDirectory(dir)) {
                        problems.add(new Problem(attr(e, setting, "path", "path"), "an existing directory",
                                quote(dir.toString()) + (Files.exists(dir) ? " (not a directory)" : " (does not exist)")));
                        ok = false;
                    }
                    for (String glob : e.excludes) {
                        try {
                            java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
                        } catch (RuntimeException ex) { // PatternSyntaxException: every backup would fail on it
                            problems.add(new Problem(attr(e, setting, "exclude", "exclude"), "glob patterns (*, **, ?,"
                                    + " [a-z], {a,b})", quote(glob)));
                            ok = false;
                        }
                    }
                    return ok ? new ArchiveSource(e.name, SourceKind.FILES, List.of(dir), e.excludes) : null;
                }
                default -> {
                    if (e.paths.isEmpty()) {
                        problems.add(new Problem(attr(e, setting, "paths", "paths"), "at least one file", "none"));
                        return null;
                    }
                    boolean ok = true;
                    List<Path> seen = new java.util.ArrayList<>();
                    for (Path p : e.paths) {
                        Path abs = p.toAbsolutePath().normalize();
                        for (Path q : seen) {
                            if (abs.startsWith(q) || q.startsWith(abs)) {
                                // the archive would hold the same entry twice, which a restore refuses
                                problems.add(new Problem(attr(e, setting, "path", "paths"), "paths that do not contain one another",
                                        quote(p.toString()) + (abs.equals(q) ? " twice" : " and " + quote(q.toString()))));
                                ok = false;
                            }
                        }
                        seen.add(abs);
                        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                            problems.add(new Problem(attr(e, setting, "path", "paths"), "an existing file", quote(p.toString()) + " (does not exist)"));
                            ok = false;
                        } else if (!Files.isReadable(p)) {
                            problems.add(new Problem(attr(e, setting, "path", "paths"), "a readable file", quote(p.toString()) + " (not readable)"));
                            ok = false;
                        }
                    }
                    return ok ? new ArchiveSource(e.name, e.kind, e.paths, List.of()) : null;
                }
            }
        }

        private static String quote(String s) {
            return "\"" + s + "\"";
        }

        private record Entry(SourceKind kind, String name, Database database, List<Path> paths, List<String> excludes,
                Source custom, String label) {}

        private record StoreEntry(String name, Store store) {}
    }
}
