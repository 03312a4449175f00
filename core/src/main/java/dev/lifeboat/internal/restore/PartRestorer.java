package dev.lifeboat.internal.restore;

import dev.lifeboat.Database;
import dev.lifeboat.Postgres;
import dev.lifeboat.Sqlite;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.internal.archive.SafeExtractor;
import dev.lifeboat.internal.io.VerifyingInputStream;
import dev.lifeboat.internal.postgres.PgClient;
import dev.lifeboat.internal.postgres.PgRestorer;
import dev.lifeboat.internal.sqlite.SqliteRestorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Restores one part of a backup from a store. Every restore reads the part once, verifying its size and SHA-256
 * against the manifest as it streams; the target only ever sees the result when the part verified.
 */
public final class PartRestorer {
    /** Bytes withheld from the consumer until the part's hash is verified. */
    private static final int HOLDBACK = 1024 * 1024;

    private final Store store;
    private final Path tempRoot;

    public PartRestorer(Store store, Path tempRoot) {
        this.store = store;
        this.tempRoot = tempRoot;
    }

    public RestoreResult restoreDatabase(Manifest m, PartInfo part, Database target, boolean replace) {
        long t0 = System.nanoTime();
        if (part.kind() != SourceKind.DATABASE) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is not a database part");
        }
        List<String> mismatches = new ArrayList<>();
        if (target instanceof Postgres pg) {
            if (!part.format().equals("postgresql-custom")) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is a " + part.format()
                        + " dump and cannot be restored into PostgreSQL");
            }
            PgClient client;
            try {
                client = PgClient.of(pg);
            } catch (IllegalArgumentException e) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, "restore target URL must be " + e.getMessage());
            }
            PgRestorer restorer = new PgRestorer(client);
            restorer.prepare(part, replace);
            long[] read = new long[1];
            withPrivateDir(dir -> store.read(part.key(), in -> {
                VerifyingInputStream v = verifying(in, m, part);
                restorer.restore(v, replace, dir, part.qualifiedName());
                read[0] = v.count();
                return null;
            }));
            Map<String, Long> rows = restorer.countRows(part, mismatches);
            return new RestoreResult(m.backupId(), part.qualifiedName(), target.describe(), read[0], rows, null,
                    mismatches, Duration.ofNanos(System.nanoTime() - t0));
        }
        if (target instanceof Sqlite sq) {
            if (!part.format().equals("sqlite+zstd")) {
                throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is a " + part.format()
                        + " dump and cannot be restored as a SQLite file");
            }
            SqliteRestorer.prepare(sq.path(), replace);
            long[] read = new long[1];
            @SuppressWarnings("unchecked")
            Map<String, Long>[] rows = new Map[1];
            io(() -> store.read(part.key(), in -> {
                VerifyingInputStream v = verifying(in, m, part);
                rows[0] = SqliteRestorer.restore(v, part, sq.path(), replace, mismatches);
                read[0] = v.count();
                return null;
            }));
            return new RestoreResult(m.backupId(), part.qualifiedName(), target.describe(), read[0], rows[0], null,
                    mismatches, Duration.ofNanos(System.nanoTime() - t0));
        }
        throw new RestoreException(ErrorCode.RESTORE_FAILED, "unsupported restore target " + target.describe());
    }

    public RestoreResult restoreArchive(Manifest m, PartInfo part, Path targetDir, SafeExtractor.Limits limits) {
        long t0 = System.nanoTime();
        if (!part.format().equals("tar+zstd")) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, part.qualifiedName() + " is a " + part.format()
                    + " part, not a file archive");
        }
        SafeExtractor.checkTarget(targetDir);
        long[] read = new long[1];
        TreeStats[] tree = new TreeStats[1];
        io(() -> store.read(part.key(), in -> {
            VerifyingInputStream v = verifying(in, m, part);
            tree[0] = new SafeExtractor(limits).extractZstd(v, targetDir);
            read[0] = v.count();
            return null;
        }));
        List<String> mismatches = new ArrayList<>();
        if (part.tree() != null) {
            TreeStats want = part.tree();
            if (want.files() != tree[0].files() || want.bytes() != tree[0].bytes()
                    || want.directories() != tree[0].directories() || want.symlinks() != tree[0].symlinks()) {
                mismatches.add("restored " + tree[0] + ", the manifest recorded " + want);
            }
        }
        return new RestoreResult(m.backupId(), part.qualifiedName(), targetDir.toString(), read[0], Map.of(), tree[0],
                mismatches, Duration.ofNanos(System.nanoTime() - t0));
    }

    private static VerifyingInputStream verifying(java.io.InputStream in, Manifest m, PartInfo part) {
        return new VerifyingInputStream(in, part.size(), part.sha256(), HOLDBACK,
                "part " + part.qualifiedName() + " of backup " + m.backupId());
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private interface DirAction {
        void run(Path dir) throws IOException;
    }

    private void withPrivateDir(DirAction action) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(tempRoot, "lifeboat-restore-");
            Path d = dir;
            io(() -> action.run(d));
        } catch (IOException e) {
            throw new RestoreException(ErrorCode.RESTORE_FAILED, "cannot create a private temporary directory in " + tempRoot, e);
        } finally {
            if (dir != null) {
                try (var w = Files.walk(dir)) {
                    w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // best effort
                }
            }
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
