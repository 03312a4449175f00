package dev.lifeboat;

/**
 * How a restore may treat its target. Immutable.
 *
 * <pre>{@code RestoreOptions.defaults().replace(true).maxBytes(50L << 30)}</pre>
 */
public final class RestoreOptions {
    /** Default cap on the number of archive entries restored. */
    public static final long DEFAULT_MAX_ENTRIES = 10_000_000L;

    private static final RestoreOptions DEFAULTS = new RestoreOptions(false, Long.MAX_VALUE, DEFAULT_MAX_ENTRIES, false, false);

    private final boolean replace;
    private final long maxBytes;
    private final long maxEntries;
    // set explicitly, even to the default's value: then the manifest's figures do not narrow it
    private final boolean maxBytesSet;
    private final boolean maxEntriesSet;

    private RestoreOptions(boolean replace, long maxBytes, long maxEntries, boolean maxBytesSet, boolean maxEntriesSet) {
        this.replace = replace;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.maxBytesSet = maxBytesSet;
        this.maxEntriesSet = maxEntriesSet;
    }

    /**
     * Refuse non-empty targets; archives may extract what their manifest records with room to spare (an eighth
     * more, plus 64 MiB and 10,000 entries) and at most {@value #DEFAULT_MAX_ENTRIES} entries.
     */
    public static RestoreOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Whether a non-empty database target may be replaced (default: false). For PostgreSQL the objects in the
     * dump are dropped and recreated inside the restore's single transaction; other objects are left alone. A
     * SQLite target file is replaced atomically. File archives always need an empty directory.
     */
    public RestoreOptions replace(boolean replace) {
        return new RestoreOptions(replace, maxBytes, maxEntries, maxBytesSet, maxEntriesSet);
    }

    /**
     * Cap on the bytes an archive may extract (default: what the part's manifest records, plus an eighth and 64 MiB;
     * unlimited for manifests that record no tree).
     */
    public RestoreOptions maxBytes(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, but was " + maxBytes);
        }
        return new RestoreOptions(replace, maxBytes, maxEntries, true, maxEntriesSet);
    }

    /**
     * Cap on the entries an archive may extract (default: what the part's manifest records, plus an eighth and
     * 10,000, and at most {@value #DEFAULT_MAX_ENTRIES}).
     */
    public RestoreOptions maxEntries(long maxEntries) {
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be > 0, but was " + maxEntries);
        }
        return new RestoreOptions(replace, maxBytes, maxEntries, maxBytesSet, true);
    }

    public boolean replace() {
        return replace;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long maxEntries() {
        return maxEntries;
    }

    /** Whether {@link #maxBytes(long)} was called: the cap then stands as given, not narrowed by the manifest. */
    boolean maxBytesSet() {
        return maxBytesSet;
    }

    /** Whether {@link #maxEntries(long)} was called. */
    boolean maxEntriesSet() {
        return maxEntriesSet;
    }
}
