package dev.lifeboat.api;

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

    /** Compares in constant time. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Secret s)) {
            return false;
        }
        int diff = value.length ^ s.value.length;
        for (int i = 0; i < Math.min(value.length, s.value.length); i++) {
            diff |= value[i] ^ s.value[i];
        }
        return diff == 0;
    }

    /** Constant: a hash derived from the value would leak something about it. */
    @Override
    public int hashCode() {
        return 0x5ec7e7;
    }
}
