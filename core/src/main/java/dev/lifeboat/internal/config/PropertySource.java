package dev.lifeboat.internal.config;

import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.internal.crypto.SecureFiles;
import dev.lifeboat.internal.postgres.PgUrl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The effective {@code lifeboat.*} settings: properties, overridden by {@code LIFEBOAT_*} environment variables,
 * with {@code ${VAR}} / {@code ${VAR:-default}} references expanded. Unknown keys become warnings with a
 * "did you mean"; unresolvable references become problems.
 */
public final class PropertySource {
    public static final String PREFIX = "lifeboat.";
    /** Settings of each named section, e.g. {@code lifeboat.databases.<name>.url}. */
    public static final Map<String, List<String>> SECTIONS = new LinkedHashMap<>();
    /** Top-level settings, e.g. {@code lifeboat.rpo}. */
    public static final List<String> TOP_LEVEL = List.of(
            "application", "rpo", "rto", "temp-dir", "timeout", "garbage-safety-age",
            "compression.level", "compression.workers",
            "encryption.recipients", "encryption.recipients-file", "encryption.encrypt-databases-and-files",
            "signing.key-file", "signing.public-key");
    /** Settings whose values are secrets: never echoed in messages. */
    public static final List<String> SECRET_SETTINGS = List.of("password", "secret-key", "session-token");

    static {
        SECTIONS.put("databases", List.of("url", "user", "password", "password-file", "bin-dir", "timeout", "row-counts"));
        SECTIONS.put("files", List.of("path", "exclude"));
        SECTIONS.put("config", List.of("paths"));
        SECTIONS.put("secrets", List.of("paths"));
        SECTIONS.put("stores", List.of("type", "path", "required"));
    }

    /** {@code ${NAME}} or {@code ${NAME:-default}}; or {@code $${}, which stands for a literal {@code ${}. */
    private static final Pattern REF = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final Map<String, String> values;
    private final List<String> warnings;
    private final List<Problem> unknown;
    private final List<Problem> problems;

    private PropertySource(Map<String, String> values, List<String> warnings, List<Problem> unknown, List<Problem> problems) {
        this.values = values;
        this.warnings = warnings;
        this.unknown = unknown;
        this.problems = problems;
    }

    /**
     * Builds the effective settings from {@code properties} (only {@code lifeboat.*} keys are considered) and
     * {@code environment}. {@code storeSettings} lists extra per-store settings known from store providers.
     */
    public static PropertySource of(Map<String, String> properties, Map<String, String> environment, List<String> storeSettings) {
        Map<String, String> raw = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                raw.put(k.strip(), v == null ? "" : v.strip());
            }
        });
        List<String> sectionStore = new ArrayList<>(SECTIONS.get("stores"));
        storeSettings.forEach(s -> {
            if (!sectionStore.contains(s)) {
                sectionStore.add(s);
            }
        });
        Map<String, List<String>> sections = new LinkedHashMap<>(SECTIONS);
        sections.put("stores", sectionStore);

        // environment overrides: first for keys that are present, then keys that exist only in the environment
        Map<String, String> env = new TreeMap<>(environment);
        for (String key : new ArrayList<>(raw.keySet())) {
            String v = env.remove(envName(key));
            if (v != null) {
                raw.put(key, v.strip());
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String key = keyForEnv(e.getKey(), sections, raw.keySet());
            if (key != null) {
                raw.put(key, e.getValue().strip());
            }
        }

        List<Problem> problems = new ArrayList<>();
        Map<String, String> expanded = new TreeMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            expanded.put(e.getKey(), expand(e.getKey(), e.getValue(), environment, problems));
        }
        List<String> warnings = new ArrayList<>();
        List<Problem> unknown = new ArrayList<>();
        for (String key : expanded.keySet()) {
            if (!isKnown(key, sections)) {
                String hint = suggest(key, sections, expanded.keySet());
                warnings.add("unknown setting " + key + " is ignored" + (hint == null ? "" : "; did you mean " + hint + "?"));
                unknown.add(new Problem(key, "a known setting" + (hint == null ? " (see docs/configuration.md)" : " (did you mean "
                        + hint + "?)"), "unknown"));
            }
        }
        return new PropertySource(expanded, warnings, unknown, problems);
    }

    /** The environment variable that overrides {@code key}: upper case, every non-alphanumeric character as '_'. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /**
     * The key an environment variable sets, or null. The name part matches a name already configured in the same
     * section when their variable forms agree ({@code LIFEBOAT_STORES_OFF_SITE_SECRET_KEY} sets the secret key of
     * store {@code off-site}); otherwise it is taken in lower case ({@code off_site}).
     */
    private static String keyForEnv(String var, Map<String, List<String>> sections, Set<String> configured) {
        if (!var.startsWith("LIFEBOAT_")) {
            return null;
        }
        for (String t : TOP_LEVEL) {
            if (envName(PREFIX + t).equals(var)) {
                return PREFIX + t;
            }
        }
        for (Map.Entry<String, List<String>> s : sections.entrySet()) {
            String head = "LIFEBOAT_" + s.getKey().toUpperCase(Locale.ROOT) + "_";
            if (!var.startsWith(head)) {
                continue;
            }
            String rest = var.substring(head.length());
            List<String> attrs = new ArrayList<>(s.getValue());
            attrs.sort((a, b) -> b.length() - a.length()); // PASSWORD_FILE before FILE
            for (String attr : attrs) {
                String tail = "_" + envName(attr);
                if (rest.endsWith(tail) && rest.length() > tail.length()) {
                    String upper = rest.substring(0, rest.length() - tail.length());
                    String name = upper.toLowerCase(Locale.ROOT);
                    String sectionHead = PREFIX + s.getKey() + ".";
                    for (String k : configured) {
                        int dot = k.lastIndexOf('.');
                        if (k.startsWith(sectionHead) && dot > sectionHead.length()
                                && envName(k.substring(sectionHead.length(), dot)).equals(upper)) {
                            name = k.substring(sectionHead.length(), dot);
                            break;
                        }
                    }
                    return PREFIX + s.getKey() + "." + name + "." + attr;
                }
            }
        }
        return null;
    }

    private static String expand(String key, String value, Map<String, String> env, List<Problem> problems) {
        Matcher m = REF.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            if (m.group(1) == null) {
                m.appendReplacement(sb, Matcher.quoteReplacement("${")); // $${: a literal ${ (in a password, say)
                continue;
            }
            String v = env.get(m.group(1));
            if (v == null) {
                v = m.group(2);
            }
            if (v == null) {
                // a secret that merely contains "${…}" would show part of itself: only a whole reference is named
                boolean shown = !isSecret(key) || value.strip().equals(m.group());
                problems.add(shown ? new Problem(key, "a reference to a set environment variable (or ${" + m.group(1)
                        + ":-default})", "${" + m.group(1) + "}, which is not set")
                        : new Problem(key, "a value whose ${…} references are set environment variables ($${ stands for a"
                        + " literal ${)", "a value referring to a variable that is not set (not shown)"));
                v = "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static boolean isKnown(String key, Map<String, List<String>> sections) {
        String rest = key.substring(PREFIX.length());
        if (TOP_LEVEL.contains(rest)) {
            return true;
        }
        int first = rest.indexOf('.');
        int last = rest.lastIndexOf('.');
        if (first < 0 || last <= first + 1) {
            return false;
        }
        List<String> attrs = sections.get(rest.substring(0, first));
        return attrs != null && attrs.contains(rest.substring(last + 1));
    }

    private static String suggest(String key, Map<String, List<String>> sections, Iterable<String> present) {
        List<String> candidates = new ArrayList<>();
        TOP_LEVEL.forEach(t -> candidates.add(PREFIX + t));
        String rest = key.substring(PREFIX.length());
        int first = rest.indexOf('.');
        int last = rest.lastIndexOf('.');
        if (first > 0 && last > first + 1) {
            String name = rest.substring(first + 1, last);
            for (Map.Entry<String, List<String>> s : sections.entrySet()) {
                for (String attr : s.getValue()) {
                    candidates.add(PREFIX + s.getKey() + "." + name + "." + attr);
                }
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = Values.distance(key, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 6) ? best : null;
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The unknown keys as problems (each with its "did you mean"), for a build that must not ignore a typo. */
    public List<Problem> unknownKeys() {
        return List.copyOf(unknown);
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    public String get(String key) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    /** The names configured in a section, e.g. {@code databases} → [main, analytics], in key order. */
    public List<String> names(String section) {
        String head = PREFIX + section + ".";
        List<String> names = new ArrayList<>();
        for (String k : values.keySet()) {
            if (k.startsWith(head) && k.lastIndexOf('.') > head.length()) {
                String name = k.substring(head.length(), k.lastIndexOf('.'));
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /**
     * Every effective key, for display; secret values replaced by {@code ***}, and so are the values of unknown keys
     * (a misspelt {@code pasword} holds what it was meant to hide), a password file's name when it may be the
     * password itself ({@link SecureFiles#nameOfSecretFile}), and passwords inside URLs
     * ({@code postgres://app:***@db/shop}, {@code ?password=***}, an S3 endpoint's {@code https://user:***@host}) and
     * an endpoint's query (a presigned URL's signature and token: {@code https://host/b?***}), as the S3 store's own
     * messages show it.
     */
    public Map<String, String> redacted() {
        Map<String, String> out = new TreeMap<>();
        Set<String> unknownKeys = new HashSet<>();
        unknown.forEach(p -> unknownKeys.add(p.setting()));
        values.forEach((k, v) -> out.put(k, isSecret(k) ? "***"
                : k.endsWith(".url") ? PgUrl.redact(v) : k.endsWith(".endpoint") ? withoutQuery(PgUrl.redact(v))
                : k.endsWith(".password-file") && !SecureFiles.showableAsPath(v) ? "***"
                : unknownKeys.contains(k) ? "***" : v));
        return out;
    }

    private static String withoutQuery(String uri) {
        int scheme = uri.indexOf("://");
        for (int i = scheme < 0 ? 0 : scheme + 3; i < uri.length(); i++) {
            if (uri.charAt(i) == '?' || uri.charAt(i) == '#') {
                return uri.substring(0, i) + "?***";
            }
        }
        return uri;
    }

    public static boolean isSecret(String key) {
        String last = key.substring(key.lastIndexOf('.') + 1);
        return SECRET_SETTINGS.contains(last);
    }
}
