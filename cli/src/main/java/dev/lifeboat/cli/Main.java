package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.internal.Version;
import dev.lifeboat.internal.Warmup;
import dev.lifeboat.internal.postgres.PgUrl;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code lifeboat}: the disaster-recovery command line. Everything it needs is a properties file with the store
 * settings and, for encrypted parts, the offline identity.
 */
@Command(name = "lifeboat",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = {"Back up, list, verify and restore Lifeboat backups.",
            "Restores need only the store settings (lifeboat.stores.*) and, for encrypted parts, an identity file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:failure (dump, store, restore, unsafe archive, wrong identity, clock skew; in status: a stale, damaged, "
                + "future-dated or unreachable store)",
            "2:usage or configuration error",
            "3:verification findings, an INCOMPLETE backup or restored part, a restore that differs from its "
                + "manifest, or a part or manifest that fails its integrity check (LB-400, LB-406)"},
        footerHeading = "%nConfiguration:%n",
        footer = {"--config FILE, else $LIFEBOAT_CONFIG, else ./lifeboat.properties.",
            "Every key is documented in docs/configuration.md; LIFEBOAT_* environment variables override keys.",
            "Output shapes (--json) and exit codes: docs/cli.md."})
public final class Main {
    /** Exit codes (documented in --help and docs/cli.md). */
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    static final int FINDINGS = 3;

    /** Kept strongly referenced: JUL holds loggers weakly. */
    private static final Logger LIFEBOAT_LOG = Logger.getLogger("dev.lifeboat");

    @Option(names = "--config", paramLabel = "FILE", description = "properties file with lifeboat.* settings"
            + " (before the command: restore's own --config names a config source)")
    Path config;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "print machine-readable JSON (shapes in docs/cli.md)")
    boolean json;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "log what Lifeboat does to stderr")
    boolean verbose;

    public static void main(String[] args) {
        Invocation invocation = Invocation.of(args);
        Thread warmup = WARMED_UP.contains(invocation.command()) ? Warmup.start(() -> warmupNeeds(invocation, args)) : null;
        int code = run(invocation, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        Warmup.await(warmup, 2000);
        System.exit(code);
    }

    /** The commands that load native libraries and ciphers, which {@link Warmup} loads while the command line is parsed. */
    private static final Set<String> WARMED_UP = Set.of("backup", "restore", "verify");

    /**
     * What {@code args} name before picocli parses them: the subcommand (the first word that is neither an option nor
     * --config's value, or "") and the value of {@code --config} given before it, or null.
     */
    record Invocation(String command, String config) {
        static Invocation of(String[] args) {
            String config = null;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--config")) {
                    config = ++i < args.length ? args[i] : null;
                } else if (args[i].startsWith("--config=")) {
                    config = args[i].substring("--config=".length());
                } else if (!args[i].startsWith("-")) {
                    return new Invocation(args[i], config);
                }
            }
            return new Invocation("", config);
        }
    }

    /**
     * What this run will use, as far as the arguments and the configuration file tell (a wrong guess costs only time):
     * a backup encrypts when recipients or secrets are configured and reaches PostgreSQL when a database URL is not a
     * SQLite one; a restore or verification decrypts only with {@code --identity} and reaches PostgreSQL only through a
     * URL on its command line.
     */
    static Warmup.Needs warmupNeeds(Invocation invocation, String[] args) {
        String line = String.join(" ", args);
        if (!invocation.command().equals("backup")) {
            return new Warmup.Needs(line.contains("--identity"), line.contains("jdbc:postgresql:"));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        try (var in = Files.newInputStream(configFile(invocation.config() == null ? null : Path.of(invocation.config())))) {
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k)));
        } catch (java.io.IOException | IllegalArgumentException e) { // includes InvalidPathException
            return Warmup.Needs.ALL;
        }
        System.getenv().forEach((k, v) -> settings.put(k.toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v));
        boolean crypto = false;
        boolean postgres = false;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            crypto |= key.equals("lifeboat.encryption.recipients") || key.equals("lifeboat.encryption.recipients-file")
                    || key.equals("lifeboat.encryption.recipients.file") || key.startsWith("lifeboat.secrets.");
            postgres |= key.startsWith("lifeboat.databases.") && key.endsWith(".url") && !e.getValue().startsWith("jdbc:sqlite:");
        }
        return new Warmup.Needs(crypto, postgres);
    }

    /** The configuration file: {@code --config}, else $LIFEBOAT_CONFIG, else ./lifeboat.properties. */
    private static Path configFile(Path given) {
        if (given != null) {
            return given;
        }
        String env = System.getenv("LIFEBOAT_CONFIG");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("lifeboat.properties");
    }

    /**
     * The subcommands, in the order {@code --help} lists them. picocli reads a command's annotations by reflection when
     * it is registered (≈ 20 ms for all of them, at start-up, before anything else can happen), so a run registers only
     * the subcommand its arguments name, and all of them when they name none or another word (help, a typo).
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("backup", BackupCommand::new);
        m.put("list", ListCommand::new);
        m.put("show", ShowCommand::new);
        m.put("verify", VerifyCommand::new);
        m.put("restore", RestoreCommand::new);
        m.put("keygen", KeygenCommand::new);
        m.put("status", StatusCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return m;
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(Invocation.of(args), args, out, err);
    }

    private static int run(Invocation invocation, String[] args, PrintWriter out, PrintWriter err) {
        configureLogging();
        CommandLine cl = new CommandLine(new Main());
        String named = invocation.command();
        if (SUBCOMMANDS.containsKey(named) && !named.equals("help")) {
            cl.addSubcommand(named, SUBCOMMANDS.get(named).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(Main::exitCode);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Main main = commandLine.getCommandSpec().root().userObject() instanceof Main m ? m : null;
            report(e, main != null && main.json, commandLine.getOut(), commandLine.getErr());
            return exitCode(e);
        });
        cl.setParameterExceptionHandler((e, a) -> {
            // picocli quotes the offending argument, which may be a URL with a password in it, or the value of an
            // option that does not exist (--password hunter2)
            String message = Output.printable(PgUrl.redact(e instanceof CommandLine.UnmatchedArgumentException u
                    ? unmatched(u) : String.valueOf(e.getMessage())));
            if (java.util.Arrays.asList(a).contains("--json")) {
                // the command line did not parse, so no command ran to say it in JSON: say it here
                e.getCommandLine().getOut().println(Output.json(Output.error(ErrorCode.CONFIGURATION, message)));
            }
            e.getCommandLine().getErr().println("lifeboat: " + message);
            String command = e.getCommandLine().getCommandName().equals("lifeboat") ? "" : e.getCommandLine().getCommandName() + " ";
            e.getCommandLine().getErr().println("Try 'lifeboat " + command + "--help'.");
            return USAGE;
        });
        try {
            return cl.execute(args);
        } catch (Error e) {
            // picocli handles exceptions only: an OutOfMemoryError or StackOverflowError still gets its one
            // document in --json mode and a line on stderr, not a bare stack trace
            Main main = cl.getCommand() instanceof Main m ? m : null;
            report(e, main != null && main.json, out, err);
            return FAILURE;
        } finally {
            out.flush();
            err.flush();
            AbortOnSignal.reported(); // a stopping JVM may now halt: what the command ended with has been said
        }
    }

    /**
     * What picocli would say of arguments it could not place, but without the values: after an unknown option
     * ({@code --password hunter2}, {@code --secret-key=…}) they are likely what a user meant to pass to it, so
     * only option names are shown. Arguments that follow no unknown option (a stray second backup id) are shown.
     */
    static String unmatched(CommandLine.UnmatchedArgumentException e) {
        List<String> options = new ArrayList<>();
        int hidden = 0;
        for (String arg : e.getUnmatched()) {
            if (arg.startsWith("-") && arg.length() > 1) {
                String name = "'" + (arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg) + "'";
                if (!options.contains(name)) {
                    options.add(name);
                }
                if (arg.contains("=")) {
                    hidden++;
                }
            } else if (!options.isEmpty()) {
                hidden++;
            }
        }
        StringBuilder sb = new StringBuilder();
        if (options.isEmpty()) {
            sb.append(e.getMessage());
        } else {
            sb.append(options.size() == 1 ? "Unknown option: " : "Unknown options: ").append(String.join(", ", options));
        }
        if (hidden > 0) {
            sb.append(hidden == 1 ? " (its value is not shown: it may be a secret)"
                    : " (their values are not shown: they may be secrets)");
        }
        List<String> suggestions = e.getSuggestions();
        if (!suggestions.isEmpty()) {
            sb.append("; did you mean ").append(String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))))
                    .append("?");
        }
        return sb.toString();
    }

    /** Log records as one short line each on stderr: "lifeboat: warning: …". */
    private static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        console.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String level = r.getLevel().intValue() >= Level.SEVERE.intValue() ? "error"
                        : r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning" : "info";
                String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
                // messages quote what a store holds (a manifest that does not parse, a service's error text)
                return "lifeboat: " + level + ": " + Output.printable(formatMessage(r) + thrown) + System.lineSeparator();
            }
        });
        root.addHandler(console);
        root.setLevel(Level.WARNING);
        LIFEBOAT_LOG.setLevel(Level.WARNING);
    }

    static int exitCode(Throwable e) {
        if (e instanceof LifeboatException le) {
            return le.code().exitCode();
        }
        if (e instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        return FAILURE;
    }

    static void report(Throwable e, boolean json, PrintWriter out, PrintWriter err) {
        if (json) {
            out.println(Output.json(errorDocument(e)));
        }
        err.println("lifeboat: " + Output.printable(message(e)));
    }

    /** The JSON form of a failure: {@code {"error", "code", "message"}}; a caller may add to it. */
    static Map<String, Object> errorDocument(Throwable e) {
        return Output.error(e instanceof LifeboatException le ? le.code() : ErrorCode.INTERNAL, message(e));
    }

    /** A failure's message, which starts with its code like every error message ([LB-900] for a bug). */
    static String message(Throwable e) {
        return e instanceof LifeboatException ? e.getMessage() : "[" + ErrorCode.INTERNAL.id() + "] unexpected error: " + e;
    }

    /** Loads the configuration and reports unknown keys on stderr. */
    LifeboatProperties properties(PrintWriter err) {
        if (verbose) {
            LIFEBOAT_LOG.setLevel(Level.INFO);
        }
        Path file = configFile(config);
        if (config == null && System.getenv("LIFEBOAT_CONFIG") == null && !Files.exists(file)) {
            throw new ConfigurationException("--config", "a properties file (or $LIFEBOAT_CONFIG, or ./lifeboat.properties)",
                    "none given and ./lifeboat.properties does not exist");
        }
        LifeboatProperties p = LifeboatProperties.load(file);
        for (String w : p.warnings()) {
            err.println("lifeboat: warning: " + w);
        }
        return p;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lifeboat " + Version.lifeboat(), "Java " + System.getProperty("java.version")};
        }
    }
}
