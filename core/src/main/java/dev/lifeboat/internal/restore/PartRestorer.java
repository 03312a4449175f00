package dev.lifeboat.internal.restore;

import dev.lifeboat.Database;
import dev.lifeboat.Postgres;
import dev.lifeboat.Sqlite;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.io.PipelinedInputStream;
import dev.lifeboat.internal.io.ProgressInputStream;
import dev.lifeboat.internal.io.StoreInputStream;
import dev.lifeboat.internal.io.Trees;
import dev.lifeboat.internal.io.VerifyingInputStream;
import dev.lifeboat.internal.postgres.PgClient;
import dev.lifeboat.internal.postgres.PgRestorer;
import dev.lifeboat.internal.sqlite.SqliteRestorer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Restores one part of a backup from a store. Every restore reads the part once, verifying its size and SHA-256
 * against the manifest as it streams; the target only ever sees the result when the part verified.
 *
 * <p>Encrypted parts: store → verify stored bytes (tail withheld) → age decryption (authenticated 64 KiB chunks) →
 * verify plaintext size and SHA-256 → target. Before the target is touched at all, the part's age header is read
 * and matched against the identities, so a missing or wrong identity fails with
 * {@link ErrorCode#NO_MATCHING_IDENTITY} having written nothing.
 */
public final class PartRestorer {
    /** Bytes withheld from the consumer until the part's hash is verified. */
    private static final int HOLDBACK = 1024 * 1024;
    /** Plaintext withheld until its hash is verified (age has already authenticated every chunk). */
    private static final int PLAINTEXT_HOLDBACK = 64 * 1024;
    /** Enough of a part to hold its age header. */
    private static final int HEADER_PROBE = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(PartRestorer.class.getName());
    private static final String PRIVATE_DIR_PREFIX = "lifeboat-restore-";
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    private final Store store;
    private final Path tempRoot;
    private final Identities identities;
    private final LifeboatListener listener;

    public PartRestorer(Store store, Path tempRoot) {
        this(store, tempRoot, Identities.none(), LifeboatListener.NONE);
    }

    public PartRestorer(Store store, Path tempRoot, Identities identities, LifeboatListener listener) {
        this.store = store;
        this.tempRoot = tempRoot;
        this.identities = identities;
        this.listener = listener;
    }

    /** Everything {@link #restoreDatabase} checks before it reads the part, and nothing else. */
    public void preflightDatabase(Manifest m, PartInfo part, Database target, boolean replace) {
        checkIdentity(m, part);
        if (target instanceof Postgres pg) {
            requireFormat(part, "postgresql-custom", "PostgreSQL");
            new PgRestorer(client(pg)).prepare(part, replace, false);
        } else if (target instanceof Sqlite sq) {
            requireFormat(part, "sqlite+zstd", "a SQLite file");
            SqliteRestorer.prepare(sq.path(), replace);
        }
    }

    private static void requireFormat(PartInfo part, String format, String what) {
        if (!part.format().equals(format)) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is a " + part.format()
                    + " dump and cannot be restored into " + what);
        }
    }

    private static PgClient client(Postgres pg) {
        try {
            return PgClient.of(pg);
        } catch (IllegalArgumentException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "restore target URL must be " + e.getMessage());
        }
    }

    /**
     * Restores a database part. {@code maxBytes} caps what a SQLite part may expand to (a PostgreSQL dump is
     * pg_restore's to read).
     */
    public RestoreResult restoreDatabase(Manifest m, PartInfo part, Database target, boolean replace, long maxBytes) {
        long t0 = System.nanoTime();
        if (part.kind() != SourceKind.DATABASE) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is not a database part");
        }
        checkIdentity(m, part);
        List<String> mismatches = new ArrayList<>();
        if (target instanceof Postgres pg) {
            requireFormat(part, "postgresql-custom", "PostgreSQL");
            PgRestorer restorer = new PgRestorer(client(pg));
            long[] read = new long[1];
            try {
                restorer.prepare(part, replace, true);
                withPrivateDir(dir -> store.read(part.key(), in -> readPart(in, m, part, read, plaintext -> {
                    restorer.restore(plaintext, replace, dir, part.qualifiedName());
                    return null;
                })));
            } catch (RuntimeException | Error e) {
                restorer.discardCreated(); // a database this restore created goes again: the server is as it was
                throw e;
            }
            Map<String, Long> rows = restorer.countRows(part, replace, mismatches).counts();
            return new RestoreResult(m.backupId(), part.qualifiedName(), target.describe(), read[0], rows, null,
                    mismatches, Duration.ofNanos(System.nanoTime() - t0), store.describe());
        }
        if (target instanceof Sqlite sq) {
            requireFormat(part, "sqlite+zstd", "a SQLite file");
            SqliteRestorer.prepare(sq.path(), replace);
            long[] read = new long[1];
            List<Map<String, Long>> rows = new ArrayList<>(1);
            io(() -> store.read(part.key(), in -> readPart(in, m, part, read,
                    plaintext -> rows.add(SqliteRestorer.restore(plaintext, part, sq.path(), replace, maxBytes, mismatches)))));
            return new RestoreResult(m.backupId(), part.qualifiedName(), target.describe(), read[0], rows.get(0), null,
                    mismatches, Duration.ofNanos(System.nanoTime() - t0), store.describe());
        }
        throw new RestoreException(ErrorCode.RESTORE_FAILED, "unsupported restore target " + target.describe());
    }

    /** Everything {@link #restoreArchive} checks before it reads the part: format, target, identity. */
    public void preflightArchive(Manifest m, PartInfo part, Path targetDir) {
        if (!part.format().equals("tar+zstd")) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is a " + part.format()
                    + " part, not a file archive");
        }
        SafeExtractor.checkTarget(targetDir);
        checkIdentity(m, part);
    }

    public RestoreResult restoreArchive(Manifest m, PartInfo part, Path targetDir, SafeExtractor.Limits limits) {
        long t0 = System.nanoTime();
        preflightArchive(m, part, targetDir);
        long[] read = new long[1];
        TreeStats[] tree = new TreeStats[1];
        io(() -> store.read(part.key(), in -> readPart(in, m, part, read,
                plaintext -> tree[0] = new SafeExtractor(limits).extractZstd(plaintext, targetDir))));
        List<String> mismatches = new ArrayList<>();
        if (part.tree() != null) {
            TreeStats want = part.tree();
            if (want.files() != tree[0].files() || want.bytes() != tree[0].bytes()
                    || want.directories() != tree[0].directories() || want.symlinks() != tree[0].symlinks()) {
                mismatches.add("restored " + tree[0] + ", the manifest recorded " + want);
            }
        }
        return new RestoreResult(m.backupId(), part.qualifiedName(), targetDir.toString(), read[0], Map.of(), tree[0],
                mismatches, Duration.ofNanos(System.nanoTime() - t0), store.describe());
    }

    /**
     * A part opened for reading: its stored bytes (verified as they stream) and its plaintext. Closing it ends the
     * thread that reads an encrypted part's stored bytes ahead; the store's stream is left to the store.
     */
    private record Opened(VerifyingInputStream stored, InputStream plaintext, PipelinedInputStream ahead)
            implements AutoCloseable {
        @Override
        public void close() {
            if (ahead != null) {
                ahead.close();
            }
        }
    }

    /**
     * Opens the part read from {@code in}, hands its plaintext to {@code reader}, closes it, and stores the count of
     * stored bytes read in {@code read[0]}.
     */
    private <T> T readPart(InputStream in, Manifest m, PartInfo part, long[] read, Store.Reader<T> reader)
            throws IOException {
        Opened o = open(in, m, part);
        T result;
        try (o) {
            result = reader.read(o.plaintext());
        }
        read[0] = o.stored().count();
        return result;
    }

    /** The part's plaintext, verified as it streams (and decrypted when encrypted). */
    private Opened open(InputStream in, Manifest m, PartInfo part) throws IOException {
        String what = describe(m, part);
        VerifyingInputStream stored = new VerifyingInputStream(ProgressInputStream.wrap(
                new StoreInputStream(in, part.key() + " from " + store.describe()), m.backupId(), part.qualifiedName(),
                part.size(), listener),
                part.size(), part.sha256(), part.checkpoints(), HOLDBACK, what);
        if (!part.encrypted()) {
            return new Opened(stored, stored, null);
        }
        // reading and hashing the stored bytes run ahead, on their own thread, of the decryption and what follows
        PipelinedInputStream ahead = new PipelinedInputStream(stored, "lifeboat-restore-read-ahead");
        try {
            InputStream decrypted = decrypt(ahead, m, part);
            return new Opened(stored, new VerifyingInputStream(decrypted, part.plaintextSize(), part.plaintextSha256(),
                    PLAINTEXT_HOLDBACK, "the plaintext of " + what), ahead);
        } catch (IOException | RuntimeException | Error e) {
            ahead.close();
            throw e;
        }
    }

    /**
     * Fails fast, before the target is touched, when an encrypted part cannot be decrypted with the identities:
     * reads only the start of the part (its age header).
     */
    private void checkIdentity(Manifest m, PartInfo part) {
        if (!part.encrypted()) {
            return;
        }
        if (identities.isEmpty()) {
            throw noIdentity(m, part);
        }
        io(() -> store.read(part.key(), in -> {
            InputStream probe;
            try {
                probe = decrypt(new BoundedInputStream(in, HEADER_PROBE), m, part);
            } catch (IntegrityException e) {
                return null; // a damaged part: the verified read reports it with the whole picture
            } catch (RestoreException e) {
                // one of the identities is a recipient the manifest names, yet none opens the header: the header is
                // damaged (the probe reads it unverified), not the wrong key; the verified read says so, and another
                // store's copy is tried
                if (e.code() == ErrorCode.NO_MATCHING_IDENTITY
                        && identities.fingerprints().stream().anyMatch(part.recipients()::contains)) {
                    return null;
                }
                throw e;
            }
            probe.close();
            return null;
        }));
    }

    private InputStream decrypt(InputStream ciphertext, Manifest m, PartInfo part) throws IOException {
        try {
            return identities.decrypt(ciphertext, describe(m, part));
        } catch (LifeboatException e) {
            if (e.code() == ErrorCode.NO_MATCHING_IDENTITY) {
                throw noIdentity(m, part);
            }
            throw e;
        }
    }

    private RestoreException noIdentity(Manifest m, PartInfo part) {
        String recipients = "recipient fingerprints " + (part.recipients().isEmpty() ? "not recorded"
                : String.join(", ", part.recipients()));
        if (identities.isEmpty()) {
            return new RestoreException(ErrorCode.NO_MATCHING_IDENTITY, "no identity matches this backup (" + recipients
                    + "): " + describe(m, part) + " is encrypted and no identity was given; pass the matching age identity"
                    + " (Recovery.withIdentities(Identities.fromFile(…))). Nothing was written to the target");
        }
        return new RestoreException(ErrorCode.NO_MATCHING_IDENTITY, "no identity matches this backup (" + recipients
                + "): " + describe(m, part) + " cannot be decrypted with the identities given (fingerprints "
                + String.join(", ", identities.fingerprints()) + "). Nothing was written to the target");
    }

    private static String describe(Manifest m, PartInfo part) {
        return "part " + part.qualifiedName() + " of backup " + m.backupId();
    }

    /** At most {@code limit} bytes of {@code in}. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private interface DirAction {
        void run(Path dir) throws IOException;
    }

    private void withPrivateDir(DirAction action) {
        removeAbandonedPrivateDirs();
        Path dir = null;
        try {
            dir = Files.createTempDirectory(tempRoot, PRIVATE_DIR_PREFIX + ProcessHandle.current().pid() + "-");
            Path d = dir;
            io(() -> action.run(d));
        } catch (IOException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot create a private temporary directory in " + tempRoot, e);
        } finally {
            Trees.deleteQuietly(dir);
        }
    }

    /**
     * A restore killed outright (SIGKILL, the OOM killer) leaves its private folder, and the database password file in
     * it. Removed here when the process that made it is gone and it is older than {@link #ABANDONED_AFTER} (a process
     * in another PID namespace sharing this folder looks gone: the age keeps its running restore's folder).
     */
    private void removeAbandonedPrivateDirs() {
        Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
        try {
            // lifeboat-restore-<pid>-<random>: a restore's whose process is gone, untouched for an hour
            for (Path p : Trees.removeAbandoned(tempRoot, PRIVATE_DIR_PREFIX, (rest, a) -> {
                int dash = rest.indexOf('-');
                try {
                    return ProcessHandle.of(Long.parseLong(rest.substring(0, Math.max(dash, 0)))).isEmpty()
                            && a.lastModifiedTime().toInstant().isBefore(cutoff);
                } catch (NumberFormatException e) {
                    return false; // not one of ours
                }
            })) {
                LOG.log(Level.INFO, "removed the private folder {0} of a restore that did not end", p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot look for abandoned private folders in {0}: {1}", tempRoot,
                    e.getMessage());
        }
    }

    private static void io(IoAction action) {
        try {
            action.run();
        } catch (LifeboatException e) {
            throw e;
        } catch (IOException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "restore failed: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }
}
