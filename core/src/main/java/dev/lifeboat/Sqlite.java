package dev.lifeboat;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A SQLite database file, copied consistently while the application keeps using it ({@code VACUUM INTO}
 * a private temporary file, then compressed with zstd). Needs the SQLite JDBC driver
 * ({@code org.xerial:sqlite-jdbc}) on the classpath.
 */
public final class Sqlite implements Database {
    private final Path file;

    private Sqlite(Path file) {
        this.file = file;
    }

    /** The database file. */
    public static Sqlite file(Path file) {
        return new Sqlite(Objects.requireNonNull(file, "null file").toAbsolutePath().normalize());
    }

    public Path path() {
        return file;
    }

    @Override
    public String describe() {
        return "sqlite " + file;
    }

    @Override
    public String toString() {
        return describe();
    }
}
