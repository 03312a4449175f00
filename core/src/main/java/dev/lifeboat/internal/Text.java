package dev.lifeboat.internal;

import java.util.regex.Pattern;

/** Text from outside (file names, manifests, a service's error texts) made safe to show. */
public final class Text {
    /**
     * What must not reach a terminal or a log: control characters (C0, DEL and C1, such as U+009B, which terminals
     * take for the start of an escape sequence), format characters such as bidi overrides, and line and paragraph
     * separators. ({@code BackupId} in lifeboat-api, which depends on nothing, repeats it.)
     */
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]");

    private Text() {}

    /** {@code s} with each character of {@link #UNPRINTABLE} shown as {@code ?}. */
    public static String printable(String s) {
        return UNPRINTABLE.matcher(s).replaceAll("?");
    }
}
