package dev.lifeboat.api.source;

/** What a source captures. The kind decides the part's file name prefix and how it is restored. */
public enum SourceKind {
    /** A database dump. */
    DATABASE("db"),
    /** A tree of files (uploads, media). */
    FILES("files"),
    /** A named list of deployment config files. */
    CONFIG("config"),
    /** Secret files (.env, keys). Always encrypted. */
    SECRETS("secrets");

    private final String prefix;

    SourceKind(String prefix) {
        this.prefix = prefix;
    }

    /** The part file name prefix: {@code db}, {@code files}, {@code config}, {@code secrets}. */
    public String prefix() {
        return prefix;
    }
}
