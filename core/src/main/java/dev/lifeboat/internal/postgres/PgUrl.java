package dev.lifeboat.internal.postgres;

import dev.lifeboat.api.Secret;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed PostgreSQL connection URL, either JDBC ({@code jdbc:postgresql://host:port/db?user=…}) or libpq
 * style ({@code postgres://user:pass@host:port/db}). One host only.
 */
public record PgUrl(String host, int port, String database, String user, Secret password, Map<String, String> params) {

    private static final Pattern JDBC = Pattern.compile(
            "jdbc:postgresql://(?<host>\\[[^\\]]+\\]|[^/:?,]+)(?::(?<port>\\d{1,5}))?/(?<db>[^?]+)(?:\\?(?<query>.*))?");
    private static final Pattern LIBPQ = Pattern.compile(
            "postgres(?:ql)?://(?:(?<userinfo>[^@/]*)@)?(?<host>\\[[^\\]]+\\]|[^/:?,@]+)(?::(?<port>\\d{1,5}))?/(?<db>[^?]+)(?:\\?(?<query>.*))?");
    /**
     * The libpq parameters passed on to pg_dump and pg_restore, and the variables that carry them (the JDBC
     * connections take sslmode). Of the others, those that would move or weaken the connection are refused, the
     * rest ignored ({@link #ignoredParams}).
     */
    public static final Map<String, String> PARAM_ENV = Map.of(
            "sslmode", "PGSSLMODE",
            "sslrootcert", "PGSSLROOTCERT",
            "sslcert", "PGSSLCERT",
            "sslkey", "PGSSLKEY",
            "sslcrl", "PGSSLCRL",
            "channel_binding", "PGCHANNELBINDING",
            "gssencmode", "PGGSSENCMODE",
            "connect_timeout", "PGCONNECT_TIMEOUT",
            "target_session_attrs", "PGTARGETSESSIONATTRS");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&]*");
    private static final Pattern SEPARATORS = Pattern.compile("[;&=]");

    /** Parses {@code url}; throws {@link IllegalArgumentException} saying what shape is expected. */
    public static PgUrl parse(String url) {
        String u = url == null ? "" : url.strip();
        Matcher m = JDBC.matcher(u);
        boolean jdbc = m.matches();
        if (!jdbc) {
            m = LIBPQ.matcher(u);
            if (!m.matches()) {
                throw new IllegalArgumentException("a jdbc:postgresql://host[:port]/database or "
                        + "postgres://[user[:password]@]host[:port]/database URL");
            }
        }
        String host = m.group("host");
        if (host.startsWith("/") || host.startsWith("%")) {
            throw new IllegalArgumentException("a TCP host name or address (a Unix socket directory is not supported:"
                    + " the JDBC connections cannot use it; use 127.0.0.1 or localhost)");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = m.group("port") == null ? 5432 : Integer.parseInt(m.group("port"));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a port between 1 and 65535");
        }
        // a parameter written into the path ("shop;password=…", "shop&password=…") would become part of the database
        // name, and so reach messages, a CREATE DATABASE and pg_restore's command line: refused, not guessed at
        if (SEPARATORS.matcher(m.group("db")).find()) {
            throw new IllegalArgumentException("a database name without ';', '&' or '=' (parameters follow a '?' and are"
                    + " joined by '&'; a name that really holds one writes it as %3B, %26 or %3D)");
        }
        String db = decode(m.group("db"));
        Map<String, String> params = new LinkedHashMap<>();
        String query = m.group("query");
        String rawUser = null;
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                params.put(k, v);
                if (k.equals("user")) {
                    rawUser = eq < 0 ? "" : pair.substring(eq + 1);
                }
            }
        }
        if (rawUser != null && SEPARATORS.matcher(rawUser).find()) {
            throw new IllegalArgumentException("a user name without ';' or '=' (parameters are joined by '&', as in"
                    + " ?user=app&sslmode=require; a name that really holds one writes it as %3B or %3D)");
        }
        String user = params.remove("user");
        String pw = params.remove("password");
        for (String k : params.keySet()) {
            // where and how securely it connects must be what the tools and the JDBC connections both follow;
            // anything else the tools do not take (application_name, a pooler's pgbouncer=true) is ignored
            String shown = k.matches("[A-Za-z_]{1,40}") ? "'" + k + "'" : "a parameter (not shown)";
            if (List.of("host", "hostaddr", "port", "dbname", "service").contains(k)) {
                throw new IllegalArgumentException("host, port and database in the URL itself (jdbc:postgresql://host:port/"
                        + "database), not as a " + shown + " parameter, which the tools and the JDBC connections would not"
                        + " both follow");
            }
            if (!passedOn(k) && k.toLowerCase(java.util.Locale.ROOT).startsWith("ssl")) {
                throw new IllegalArgumentException("TLS parameters Lifeboat passes on to pg_dump and pg_restore (ssl, "
                        + String.join(", ", new java.util.TreeSet<>(PARAM_ENV.keySet()).stream().filter(x -> x.startsWith("ssl"))
                        .toList()) + "), not " + shown + ", which would be ignored and the connection weaker than meant");
            }
        }
        if (!jdbc && m.group("userinfo") != null) {
            String info = m.group("userinfo");
            int colon = info.indexOf(':');
            if (SEPARATORS.matcher(colon < 0 ? info : info.substring(0, colon)).find()) {
                throw new IllegalArgumentException("a user name without ';', '&' or '=' (a password follows a ':', as"
                        + " in postgres://app:password@host/db; a name that really holds one writes it as %3B, %26 or %3D)");
            }
            user = decode(colon < 0 ? info : info.substring(0, colon));
            if (colon >= 0) {
                pw = decode(info.substring(colon + 1));
            }
            if (user.isEmpty()) {
                user = null;
            }
        }
        return new PgUrl(host, port, db, user, pw == null ? null : Secret.of(pw), Map.copyOf(params));
    }

    /** {@code url} with any password replaced by {@code ***}, safe for messages. */
    public static String redact(String url) {
        if (url == null) {
            return "null";
        }
        Matcher m = PASSWORD_PARAM.matcher(url);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + "***"));
        }
        m.appendTail(sb);
        String s = maskParameterValues(sb.toString());
        // user:password@ — up to the last '@', so a password holding an unencoded '/' or '@' is masked whole (a URL
        // too malformed to parse is still shown, so this errs on masking too much)
        int scheme = s.indexOf("://");
        int at = s.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            int colon = s.indexOf(':', scheme + 3);
            if (colon >= 0 && colon < at) {
                s = s.substring(0, colon + 1) + "***" + s.substring(at);
            }
        } else if (scheme < 0 && at > 0) {
            // no "//" (jdbc:postgresql:app:pw@db/shop, a typo): whatever stands between the scheme and the '@'
            int colon = s.indexOf(':');
            if (colon >= 0 && colon < at) {
                s = s.substring(0, colon + 1) + "***" + s.substring(at);
            }
        }
        return s;
    }

    /**
     * Masks the value of every query parameter but those known to hold no secret ({@code user}, {@code ssl}, the
     * libpq parameters of {@link #PARAM_ENV}): a password in any spelling ({@code pass%77ord=…}, which {@link #parse}
     * takes as the password; a misspelt {@code pasword=…}), and every key that does not decode at all.
     */
    private static String maskParameterValues(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        StringBuilder sb = new StringBuilder(url.substring(0, q + 1));
        String[] pairs = url.substring(q + 1).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            String rawKey = eq < 0 ? pair : pair.substring(0, eq);
            boolean mask;
            try {
                // only the parameters Lifeboat knows to hold no secret are shown: a misspelt "pasword=" is masked too
                String key = URLDecoder.decode(rawKey.replace("+", "%2B"), StandardCharsets.UTF_8);
                mask = !(key.equals("user") || passedOn(key));
            } catch (IllegalArgumentException e) {
                mask = true;
            }
            // a bare word ("?user=app&hunter2") may be a password typed without its key: masked whole
            sb.append(i == 0 ? "" : "&").append(!mask ? pair : eq >= 0 ? rawKey + "=***" : pair.isEmpty() ? "" : "***");
        }
        return sb.toString();
    }

    /** The parameters pg_dump and pg_restore are not given (they would connect the same without them). */
    public List<String> ignoredParams() {
        return params.keySet().stream().filter(k -> !passedOn(k)).sorted().toList();
    }

    /** Whether parameter {@code key} reaches the tools: {@code ssl} (as PGSSLMODE) and those of {@link #PARAM_ENV}. */
    private static boolean passedOn(String key) {
        return key.equals("ssl") || PARAM_ENV.containsKey(key);
    }

    /** The JDBC URL without credentials. */
    public String jdbcUrl(String databaseOverride) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        // the driver percent-decodes the name: encoded, "a+b", "100%" and "x?y" reach the server as they are
        String db = URLEncoder.encode(databaseOverride == null ? database : databaseOverride, StandardCharsets.UTF_8)
                .replace("+", "%20");
        StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(h).append(':').append(port).append('/').append(db);
        String sslmode = params.get("sslmode");
        if (sslmode != null) {
            sb.append("?sslmode=").append(sslmode);
        }
        return sb.toString();
    }

    /** A copy pointing at another database on the same server. */
    public PgUrl withDatabase(String db) {
        return new PgUrl(host, port, db, user, password, params);
    }

    @Override
    public String toString() {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // URLDecoder's message quotes the characters after the '%', which may be part of the password
            throw new IllegalArgumentException("a URL whose % escapes are valid (%XX, two hex digits; write a literal % as %25)");
        }
    }
}
