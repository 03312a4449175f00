package dev.lifeboat.api.store;

import dev.lifeboat.api.Secret;
import java.time.Duration;
import java.util.Optional;

/** The settings of one configured store, as handed to a {@link StoreProvider}. */
public interface StoreSettings {
    /** The store's name ({@code <name>} in {@code lifeboat.stores.<name>.*}). */
    String name();

    /** The full key of a setting, e.g. {@code lifeboat.stores.offsite.bucket}, for messages. */
    String key(String setting);

    /** A plain setting. */
    Optional<String> get(String setting);

    /** A secret setting (never echoed in messages). */
    Optional<Secret> secret(String setting);

    /** A boolean setting ({@code true}/{@code false}); a malformed value is reported as a problem. */
    Optional<Boolean> bool(String setting);

    /** A duration setting ({@code 24h}, {@code 30m}, {@code PT2H}); a malformed value is reported as a problem. */
    Optional<Duration> duration(String setting);

    /** A size setting ({@code 16MiB}, {@code 1GiB}, {@code 1048576}); a malformed value is reported as a problem. */
    Optional<Long> bytes(String setting);

    /** Records a problem with {@code setting}: what it must be and what it was (redact secrets yourself). */
    void problem(String setting, String requirement, String actual);
}
