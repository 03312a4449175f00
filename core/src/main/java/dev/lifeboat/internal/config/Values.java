package dev.lifeboat.internal.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of configuration values: durations, sizes, booleans. */
public final class Values {
    public static final String DURATION_SHAPE = "a duration like 24h, 30m, 90s, 7d, 1h30m or PT24H";
    public static final String SIZE_SHAPE = "a size like 16MiB, 512KiB, 1GiB or a number of bytes";
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");
    /** Duration units, smallest first. */
    private static final java.util.List<String> UNITS = java.util.List.of("ms", "s", "m", "h", "d", "w");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?");

    private Values() {}

    /** Parses {@code 24h}, {@code 30m}, {@code 1h30m}, {@code 500ms}, {@code 7d}, {@code 2w} or ISO-8601 {@code PT24H}. */
    public static Duration duration(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(DURATION_SHAPE);
            }
        }
        Matcher m = DURATION.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        int lastRank = Integer.MAX_VALUE;
        try {
            while (m.find() && m.start() == pos) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2);
                int rank = UNITS.indexOf(unit);
                if (rank >= lastRank) {
                    throw new IllegalArgumentException(DURATION_SHAPE); // units largest first, each once: 1h30m, not 30m1h
                }
                lastRank = rank;
                total = total.plus(switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(Math.multiplyExact(7, n));
                });
                pos = m.end();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(DURATION_SHAPE);
        }
        if (pos == 0 || pos != s.length()) {
            throw new IllegalArgumentException(DURATION_SHAPE);
        }
        return total;
    }

    /** Parses {@code 16MiB}, {@code 16M}, {@code 1GiB}, {@code 4096}; binary units (K = 1024). */
    public static long bytes(String text) {
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(SIZE_SHAPE);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(SIZE_SHAPE);
        }
        return n << shift;
    }

    public static boolean bool(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("true or false");
        };
    }

    /** A readable form of a duration: {@code 24h}, {@code 1h30m}, {@code 45s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            sb.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            sb.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0 || (sb.length() == 0 && d.toMillisPart() == 0)) {
            sb.append(d.toSecondsPart()).append('s');
        }
        if (sb.length() == 0) {
            sb.append(d.toMillisPart()).append("ms");
        }
        return sb.toString();
    }

    /** Edit distance, for "did you mean". */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
