package dev.lifeboat.cli;

import dev.lifeboat.Database;
import dev.lifeboat.Postgres;
import dev.lifeboat.Recovery;
import dev.lifeboat.RestoreOptions;
import dev.lifeboat.Sqlite;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.Secret;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.internal.crypto.SecureFiles;
import dev.lifeboat.internal.postgres.PgUrl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = {
    "Restore parts of a backup. Every target is checked before anything is written: databases must be empty",
    "(unless --replace), directories empty or absent. Each part is verified against the manifest as it streams.",
    "Examples:",
    "  lifeboat restore latest --database main --to-url jdbc:postgresql://127.0.0.1:5432/shop?user=postgres",
    "  lifeboat restore latest --files uploads --to-dir /srv/restore/uploads",
    "  lifeboat restore latest --all --to-dir /srv/restore --database-url main=jdbc:postgresql://127.0.0.1/shop --identity key.txt"})
final class RestoreCommand extends StoreCommand {
    @Parameters(paramLabel = "ID", description = "a backup id, or 'latest'")
    String id;

    @Option(names = "--database", paramLabel = "NAME", description = "restore this database part (with --to-url)")
    String database;

    @Option(names = "--to-url", paramLabel = "URL", description = "target database: jdbc:postgresql://… (created if missing) or jdbc:sqlite:/path")
    String toUrl;

    @Option(names = "--to-password-file", paramLabel = "FILE", description = "password of the target database user (never give it on the command line)")
    Path toPasswordFile;

    @Option(names = "--replace", description = "allow a non-empty target database (objects in the dump are replaced in one transaction)")
    boolean replace;

    @Option(names = "--max-bytes", paramLabel = "BYTES", description = "archives: the most content bytes to extract"
            + " (default: what the manifest records, plus an eighth and 64 MiB)")
    Long maxBytes;

    @Option(names = "--max-entries", paramLabel = "N", description = "archives: the most entries to extract"
            + " (default: what the manifest records, plus an eighth and 10,000)")
    Long maxEntries;

    @Option(names = "--files", paramLabel = "NAME", description = "restore this files part (with --to-dir)")
    String files;

    @Option(names = "--config", paramLabel = "NAME", description = "restore this config part (with --to-dir)")
    String config;

    @Option(names = "--secrets", paramLabel = "NAME", description = "restore this secrets part (with --to-dir and --identity)")
    String secrets;

    @Option(names = "--all", description = "restore every part: archives into DIR/<kind>-<name>/, SQLite into DIR/db-<name>.sqlite,"
            + " PostgreSQL into the --database-url given for it")
    boolean all;

    @Option(names = "--to-dir", paramLabel = "DIR", description = "target directory (empty or absent)")
    Path toDir;

    @Option(names = "--database-url", paramLabel = "NAME=URL", description = "with --all: where database NAME goes (repeatable)")
    Map<String, String> databaseUrls = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = out();
        PrintWriter err = err();
        List<Target> targets = plan();
        Progress progress = new Progress(err, main.json);
        Recovery recovery = options.recovery(properties(), progress);
        Manifest m = StoreOptions.resolve(recovery, id);
        RestoreOptions ro = RestoreOptions.defaults().replace(replace);
        if (maxBytes != null) {
            ro = ro.maxBytes(maxBytes);
        }
        if (maxEntries != null) {
            ro = ro.maxEntries(maxEntries);
        }
        List<Target> resolved = resolve(m, targets);

        // every target is checked before any byte is written (one target: its restore checks it before reading)
        boolean created = false;
        if (all) {
            recovery.preflightDirectory(toDir);
            if (!Files.exists(toDir)) {
                try {
                    Files.createDirectories(toDir);
                } catch (IOException e) {
                    throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot create the restore target " + toDir + " ("
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + "); create it, or choose a directory this user can write to", e);
                }
                created = true;
            }
        }
        try {
            for (Target t : resolved.size() > 1 ? resolved : List.<Target>of()) {
                if (t.database != null) {
                    recovery.preflightDatabase(m.backupId(), t.name, t.database, ro);
                } else {
                    recovery.preflightArchive(m.backupId(), t.kind, t.name, t.dir);
                }
            }
        } catch (RuntimeException e) {
            if (created) {
                Files.deleteIfExists(toDir);
            }
            throw e;
        }
        List<RestoreResult> results = new ArrayList<>();
        try (AbortOnSignal abort = new AbortOnSignal("restore", err)) {
            for (Target t : resolved) {
                RestoreResult r;
                try {
                    r = t.database != null
                            ? recovery.restoreDatabase(m.backupId(), t.name, t.database, ro)
                            : recovery.restoreArchive(m.backupId(), t.kind, t.name, t.dir, ro);
                } catch (RuntimeException e) {
                    RuntimeException failure = e instanceof IntegrityException ie && ie.code() == ErrorCode.INTEGRITY
                            ? withPrevious(recovery, m, ie) : e;
                    if (results.isEmpty()) {
                        throw failure;
                    }
                    // the targets restored before stay restored: say which, so the operator (or a script reading
                    // the JSON) knows where things are
                    List<String> notRestored = resolved.subList(results.size(), resolved.size()).stream().map(Target::label).toList();
                    progress.done();
                    err.println("lifeboat: restore of " + t.label() + " failed; restored before it: "
                            + results.stream().map(x -> x.part() + " -> " + x.target()).toList() + "; not restored: "
                            + notRestored);
                    if (!main.json) {
                        throw failure;
                    }
                    Map<String, Object> o = Main.errorDocument(failure);
                    o.put("backupId", m.backupId().value());
                    o.put("restored", results.stream().map(Output::restore).toList());
                    o.put("notRestored", notRestored);
                    out.println(Output.json(o));
                    err.println("lifeboat: " + Output.printable(Main.message(failure)));
                    return Main.exitCode(failure);
                }
                progress.done();
                results.add(r);
                if (!main.json) {
                    out.printf("restored %-24s -> %s  (%s in %s, from %s)%s%n", r.part(), r.target(),
                            Output.bytes(r.bytesRead()), Output.duration(r.duration()), r.store(),
                            r.matchesManifest() ? "" : "  MISMATCH: " + Output.printable(r.mismatches()));
                }
            }
        } finally {
            progress.done();
        }
        // a part the backup could not capture whole restores what it holds; the operator hears what is missing
        List<String> incomplete = new ArrayList<>();
        for (RestoreResult r : results) {
            m.parts().stream().filter(p -> p.qualifiedName().equals(r.part()) && !p.isComplete())
                    .forEach(p -> incomplete.add(p.qualifiedName()));
        }
        if (main.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("backupId", m.backupId().value());
            List<Object> list = new ArrayList<>();
            results.forEach(r -> list.add(Output.restore(r)));
            o.put("restored", list);
            o.put("matchesManifest", results.stream().allMatch(RestoreResult::matchesManifest));
            o.put("incompleteParts", incomplete);
            out.println(Output.json(o));
        } else {
            for (String part : incomplete) {
                err.println("warning: " + part + " is INCOMPLETE in backup " + m.backupId() + ": what it could not"
                        + " capture is missing from the restore (`lifeboat show " + m.backupId() + "` lists it)");
            }
        }
        return results.stream().allMatch(RestoreResult::matchesManifest) && incomplete.isEmpty() ? Main.OK : Main.FINDINGS;
    }

    /**
     * A part that no store holds intact: the operator's next step is the restore point before this one, so the
     * error names it (when the catalog can still be read; otherwise the error stays as it was).
     */
    private static IntegrityException withPrevious(Recovery recovery, Manifest m, IntegrityException e) {
        try {
            Optional<Manifest> previous = recovery.list().stream()
                    .filter(x -> x.backupId().compareTo(m.backupId()) < 0).reduce((a, b) -> b);
            // the message without its "[LB-400] " prefix, which the new exception adds again
            String prefix = "[" + e.code().id() + "] ";
            String message = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            return previous.map(p -> new IntegrityException(message + ". The restore point before it is "
                    + p.backupId() + " (" + p.status() + ", finished " + p.finishedAt() + "): restore that one with"
                    + " `lifeboat restore " + p.backupId() + " …`", e)).orElse(e);
        } catch (RuntimeException listing) {
            return e;
        }
    }

    /** What the options ask for, checked for consistency before anything is read. */
    private List<Target> plan() throws IOException {
        List<Problem> problems = new ArrayList<>();
        int modes = (database != null ? 1 : 0) + (files != null ? 1 : 0) + (config != null ? 1 : 0)
                + (secrets != null ? 1 : 0) + (all ? 1 : 0);
        if (modes != 1) {
            problems.add(new Problem("restore", "exactly one of --database, --files, --config, --secrets or --all",
                    modes == 0 ? "none" : modes + " of them"));
        }
        if (database != null && toUrl == null) {
            problems.add(new Problem("--to-url", "set with --database", "missing"));
        }
        if ((files != null || config != null || secrets != null || all) && toDir == null) {
            problems.add(new Problem("--to-dir", "set with --files, --config, --secrets or --all", "missing"));
        }
        if (maxBytes != null && maxBytes <= 0) {
            problems.add(new Problem("--max-bytes", "a positive number of bytes", String.valueOf(maxBytes)));
        }
        if (maxEntries != null && maxEntries <= 0) {
            problems.add(new Problem("--max-entries", "a positive number of entries", String.valueOf(maxEntries)));
        }
        if (!databaseUrls.isEmpty() && !all) {
            problems.add(new Problem("--database-url", "used only with --all (use --database NAME --to-url URL)", "given"));
        }
        // an option that does nothing in this restore is a mistake the operator should hear about, not silence
        boolean archiveOnly = database == null && !all;
        if (toUrl != null && database == null) {
            problems.add(new Problem("--to-url", "used only with --database (with --all: --database-url NAME=URL)", "given"));
        }
        if (toDir != null && database != null) {
            problems.add(new Problem("--to-dir", "used only with --files, --config, --secrets or --all", "given with --database"));
        }
        if (replace && archiveOnly) {
            problems.add(new Problem("--replace", "used only with a database target (--database or --all): archives are"
                    + " always restored into an empty or new directory", "given"));
        }
        if (replace && all && databaseUrls.isEmpty()) {
            // --all puts SQLite parts into --to-dir, which must be empty: only a --database-url target can be replaced
            problems.add(new Problem("--replace", "used with --all only together with a --database-url target", "given without one"));
        }
        if (toPasswordFile != null && archiveOnly) {
            problems.add(new Problem("--to-password-file", "used only with a database target (--database or --all)", "given"));
        }
        boolean toPostgres = database != null ? toUrl != null && !isSqlite(toUrl)
                : databaseUrls.values().stream().anyMatch(u -> !isSqlite(u));
        if (toPasswordFile != null && !archiveOnly && !toPostgres) {
            problems.add(new Problem("--to-password-file", "used only with a PostgreSQL target (a SQLite file has no password)",
                    "given with no PostgreSQL target"));
        }
        // --all fills --to-dir with the other parts (SQLite ones as db-<name>.sqlite): a file there could be one of
        // them, and one part would overwrite the other
        if (all && toDir != null) {
            for (Map.Entry<String, String> e : databaseUrls.entrySet()) {
                if (isSqlite(e.getValue()) && sqlitePath(e.getValue()).toAbsolutePath().normalize()
                        .startsWith(toDir.toAbsolutePath().normalize())) {
                    problems.add(new Problem("--database-url " + e.getKey(), "a SQLite file outside --to-dir (which --all"
                            + " fills with the other parts)", e.getValue()));
                }
            }
        }
        if (maxEntries != null && database != null) {
            problems.add(new Problem("--max-entries", "used only with archives (--files, --config, --secrets or --all)",
                    "given with --database"));
        }
        if (maxBytes != null && database != null && toUrl != null && !isSqlite(toUrl)) {
            problems.add(new Problem("--max-bytes", "used only with archives or a SQLite target (pg_restore's input is"
                    + " checked against the manifest's size and hash instead)", "given with a PostgreSQL --to-url"));
        }
        Secret password = null;
        if (toPasswordFile != null && !archiveOnly) {
            try {
                password = Secret.of(Files.readString(toPasswordFile, StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                problems.add(new Problem("--to-password-file", "a readable file",
                        SecureFiles.nameOfSecretFile(toPasswordFile.toString())));
            }
        }
        List<Target> targets = new ArrayList<>();
        if (database != null && toUrl != null) {
            Database db = database(toUrl, password, "--to-url", problems);
            if (db != null) {
                targets.add(Target.db(database, db));
            }
        }
        if (files != null) {
            targets.add(Target.dir(SourceKind.FILES, files, toDir));
        }
        if (config != null) {
            targets.add(Target.dir(SourceKind.CONFIG, config, toDir));
        }
        if (secrets != null) {
            targets.add(Target.dir(SourceKind.SECRETS, secrets, toDir));
        }
        if (all) {
            Map<String, String> nameByTarget = new HashMap<>();
            for (Map.Entry<String, String> e : databaseUrls.entrySet()) {
                Database db = database(e.getValue(), password, "--database-url " + e.getKey(), problems);
                if (db == null) {
                    continue;
                }
                // two parts into one database: the second would fail midway, or with --replace drop the first
                String other = nameByTarget.putIfAbsent(sameDatabase(db), e.getKey());
                if (other != null) {
                    problems.add(new Problem("--database-url " + e.getKey(), "a database no other --database-url names",
                            "the target of --database-url " + other + " (" + db.describe() + ")"));
                } else {
                    targets.add(Target.db(e.getKey(), db));
                }
            }
            targets.add(Target.ALL);
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return targets;
    }

    /** Expands --all against the manifest and checks that named parts exist. */
    private List<Target> resolve(Manifest m, List<Target> planned) {
        List<Target> out = new ArrayList<>();
        for (Target t : planned) {
            if (t == Target.ALL) {
                for (PartInfo p : m.parts()) {
                    if (p.kind() == SourceKind.DATABASE) {
                        if (databaseUrls.containsKey(p.name())) {
                            continue; // added from --database-url
                        }
                        if (p.format().startsWith("sqlite")) {
                            out.add(Target.db(p.name(), Sqlite.file(toDir.resolve("db-" + p.name() + ".sqlite"))));
                        } else {
                            throw new ConfigurationException("--database-url " + p.name(),
                                    "a target for PostgreSQL database part \"" + p.name() + "\" (--database-url " + p.name() + "=jdbc:postgresql://…)",
                                    "missing");
                        }
                    } else {
                        out.add(Target.dir(p.kind(), p.name(), toDir.resolve(p.kind().prefix() + "-" + p.name())));
                    }
                }
            } else {
                SourceKind kind = t.database != null ? SourceKind.DATABASE : t.kind;
                if (m.parts().stream().noneMatch(p -> p.kind() == kind && p.name().equals(t.name))) {
                    throw new NotFoundException("backup " + m.backupId() + " has no " + kind.prefix() + " part named \"" + t.name
                            + "\"; it has: " + m.parts().stream().map(PartInfo::qualifiedName).toList());
                }
                out.add(t);
            }
        }
        return out;
    }

    private static boolean isSqlite(String url) {
        return url.startsWith("jdbc:sqlite:");
    }

    /** The file of a {@code jdbc:sqlite:} URL. */
    private static Path sqlitePath(String url) {
        return Path.of(url.substring("jdbc:sqlite:".length()));
    }

    private static Database database(String url, Secret password, String setting, List<Problem> problems) {
        if (isSqlite(url)) {
            return Sqlite.file(sqlitePath(url));
        }
        if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            problems.add(new Problem(setting, "a jdbc:postgresql://host[:port]/database or jdbc:sqlite:/path URL",
                    "\"" + PgUrl.redact(url) + "\""));
            return null;
        }
        try {
            PgUrl.parse(url);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(setting, e.getMessage(), "\"" + PgUrl.redact(url) + "\""));
            return null;
        }
        Postgres pg = Postgres.url(url);
        return password == null ? pg : pg.password(password);
    }

    /** What two targets share when they are the same database: server and database name, or the file. */
    private static String sameDatabase(Database db) {
        if (db instanceof Sqlite sq) {
            return "sqlite " + sq.path().toAbsolutePath().normalize();
        }
        PgUrl u = PgUrl.parse(((Postgres) db).url());
        return "postgresql " + u.host().toLowerCase(Locale.ROOT) + ":" + u.port() + "/" + u.database();
    }

    private static final class Target {
        static final Target ALL = new Target(null, null, null, null);
        final SourceKind kind;
        final String name;
        final Database database;
        final Path dir;

        private Target(SourceKind kind, String name, Database database, Path dir) {
            this.kind = kind;
            this.name = name;
            this.database = database;
            this.dir = dir;
        }

        static Target db(String name, Database db) {
            return new Target(SourceKind.DATABASE, name, db, null);
        }

        static Target dir(SourceKind kind, String name, Path dir) {
            return new Target(kind, name, null, dir);
        }

        /** The part's qualified name ({@code db-main}, {@code files-uploads}), as results and manifests say it. */
        String label() {
            return kind.prefix() + "-" + name;
        }
    }
}
