package dev.lifeboat.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret value (password, access key). {@link #toString()} prints {@code ***}, so a secret that ends
 * up in a log line, an exception or a record's string form does not leak. Only {@link #reveal()} gives
 * the value, and Lifeboat calls it only where the value must be handed over (a 0600 password file, an
 * SDK credential object).
 */
public final class Secret {
    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /** Wraps a secret value. */
    public static Secret of(String value) {
        return new Secret(Objects.requireNonNull(value, "null secret").toCharArray());
    }

    /** The secret value. Never log it. */
    public String reveal() {
        return new String(value);
    }

    /** Whether the secret is the empty string. */
    public boolean isEmpty() {
        return value.length == 0;
    }

    @Override
    public String toString() {
        return "***";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && MessageDigest.isEqual(
                new String(value).getBytes(StandardCharsets.UTF_8), new String(s.value).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }
}
