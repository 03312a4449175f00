package dev.lifeboat;

/**
 * A database Lifeboat can back up and restore into: {@link Postgres} or {@link Sqlite}. Descriptors are
 * immutable values; they are validated by {@link Lifeboat.Builder#build()} (for backups) or when a
 * restore starts (for targets), never when created.
 */
public sealed interface Database permits Postgres, Sqlite {
    /** A description for messages and logs, without credentials. */
    String describe();
}
