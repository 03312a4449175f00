package dev.lifeboat.api;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identifier of one backup: {@code 20261126T021500Z-3f9a1c0b} (UTC start time to the second, then
 * 8 random hex digits). Ids sort by start time; the random suffix makes two backups started in the same
 * second distinct. When a store already holds a backup that would sort after the new one (made in the same second
 * by another process, or by a machine whose clock runs ahead), the new id is one second after that backup's
 * instead, so that the backup taken last sorts last; the manifest's {@code startedAt} keeps the real start.
 */
public record BackupId(String value) implements Comparable<BackupId> {
    private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
    private static final DateTimeFormatter STAMP =
            // strict: 20260231 (February 31st) or hour 24 is no time, not the nearest one
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).withResolverStyle(ResolverStyle.STRICT);
    private static final SecureRandom RANDOM = new SecureRandom();

    public BackupId {
        Objects.requireNonNull(value, "null backup id");
        if (!isValid(value)) {
            throw new IllegalArgumentException(
                    "backup id must look like 20261126T021500Z-3f9a1c0b, but was \"" + printable(value) + "\"");
        }
    }

    /** A new id for a backup starting at {@code start}. */
    public static BackupId generate(Instant start) {
        return new BackupId(STAMP.format(start.truncatedTo(ChronoUnit.SECONDS)) + "-"
                + String.format("%08x", RANDOM.nextInt()));
    }

    /** Parses an id; throws {@link IllegalArgumentException} with the expected shape when malformed. */
    public static BackupId parse(String value) {
        return new BackupId(value);
    }

    /** Whether {@code value} is a well-formed id: the shape above, and a date and time that exist. */
    public static boolean isValid(String value) {
        if (value == null || !FORMAT.matcher(value).matches()) {
            return false;
        }
        try {
            STAMP.parse(value.substring(0, 16), Instant::from); // month 13 or hour 25 has the shape, but is no time
            return true;
        } catch (java.time.DateTimeException e) {
            return false;
        }
    }

    /** The start time encoded in the id (second precision). */
    public Instant timestamp() {
        return STAMP.parse(value.substring(0, 16), Instant::from);
    }

    @Override
    public int compareTo(BackupId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }

    // written out, like compareTo: the generated record equals is bootstrapped through method handles on first use,
    // a cost every short CLI run would pay for comparing one string
    @Override
    public boolean equals(Object o) {
        return o instanceof BackupId other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    // the characters of dev.lifeboat.internal.Text (lifeboat-core), which this module cannot depend on
    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return cut.replaceAll("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]", "?");
    }
}
