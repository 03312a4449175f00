package dev.lifeboat.internal.engine;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.CancelledException;
import dev.lifeboat.api.ClockSkewException;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.InternalException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceContext;
import dev.lifeboat.api.source.SourceResult;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.crypto.Recipients;
import dev.lifeboat.internal.Version;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.internal.crypto.CryptoPlan;
import dev.lifeboat.internal.crypto.ManifestSignatures;
import dev.lifeboat.internal.io.DigestingOutputStream;
import dev.lifeboat.internal.io.PipelinedOutputStream;
import dev.lifeboat.internal.io.StoreOutputStream;
import dev.lifeboat.internal.io.Trees;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Runs one backup: every source streamed (hashed on the way) to every store, each part committed atomically,
 * then the manifest written last. On any failure the parts already stored are deleted, nothing is published,
 * and the previous backups are untouched.
 */
public final class BackupEngine {
    private static final System.Logger LOG = System.getLogger(BackupEngine.class.getName());
    /** Appended to the file name of an encrypted part (DESIGN.md §4). */
    static final String ENCRYPTED_SUFFIX = ".age";

    private final Plan plan;

    public BackupEngine(Plan plan) {
        this.plan = plan;
    }

    /**
     * Runs a backup. Its id is {@code proposed}, unless a store already holds a backup that sorts after it (one made
     * in the same second by another process, or by a machine whose clock is ahead of this one's, within
     * {@link ClockSkewException#TOLERANCE}): then it is an id one second after that backup's, so that the backup
     * taken last is the latest. {@code settled} hears the id before anything is written under it.
     */
    public BackupResult run(BackupId proposed, java.util.function.Consumer<BackupId> settled) {
        Instant started = plan.clock().instant();
        List<Copy> copies = new ArrayList<>();
        for (Plan.NamedStore ns : plan.stores()) {
            copies.add(new Copy(ns));
        }
        BackupId id;
        try {
            id = sortingLast(proposed, prepareStores(started));
        } catch (Throwable t) {
            notify(() -> plan.listener().backupStarted(proposed));
            throw failed(t, proposed, copies);
        }
        settled.accept(id);
        return run(id, started, copies);
    }

    private BackupResult run(BackupId id, Instant started, List<Copy> copies) {
        LifeboatListener listener = plan.listener();
        notify(() -> listener.backupStarted(id));
        Path temp = null;
        try {
            removeStaleTemporaryFolders();
            try {
                temp = Files.createTempDirectory(plan.tempRoot(), "lifeboat-" + id + "-");
            } catch (IOException e) {
                throw new SourceException(ErrorCode.SOURCE_FAILED, "backup " + id + " cannot create its private temporary"
                        + " directory in " + plan.tempRoot() + " (" + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage()) + "); free space there or set another temp directory (lifeboat.temp-dir)", e);
            }
            SourceContext context = new Context(temp);
            for (Source s : plan.sources()) {
                s.preflight(context);
            }
            List<PartInfo> parts = new ArrayList<>();
            for (Source s : plan.sources()) {
                notify(() -> listener.partStarted(id, s.kind().prefix() + "-" + s.name()));
                PartInfo part = writePart(id, s, context, copies);
                parts.add(part);
                notify(() -> listener.partFinished(id, part));
                LOG.log(Level.INFO, "backup {0}: stored {1} ({2} bytes) in {3} ms", id, part.key(), part.size(), part.durationMillis());
            }
            checkStored(parts, copies);
            requireSomeCopy(copies, id);
            Instant finished = plan.clock().instant();
            Manifest manifest = publish(id, started, finished, parts, copies);
            requireSomeCopy(copies, id);
            for (Copy c : copies) {
                if (c.failure != null) {
                    removeWritten(id, c);
                    LOG.log(Level.WARNING, "backup {0}: no copy in store {1} ({2}): {3}", id, c.named.name(),
                            c.named.store().describe(), c.failure.getMessage());
                }
            }
            BackupResult result = new BackupResult(manifest);
            BackupStatus status = manifest.status();
            LOG.log(status == BackupStatus.SUCCESS ? Level.INFO : Level.WARNING, "backup {0} published: {1}, {2} parts, {3} bytes",
                    id, status, parts.size(), result.storedBytes());
            notify(() -> listener.backupFinished(result));
            return result;
        } catch (Throwable t) {
            throw failed(t, id, copies);
        } finally {
            Trees.deleteQuietly(temp);
        }
    }

    /**
     * After a failure: removes what the backup wrote, logs and reports it, and returns the exception to throw (an
     * {@link Error} is rethrown as it is).
     */
    private LifeboatException failed(Throwable t, BackupId id, List<Copy> copies) {
        LifeboatException failure = classify(t, id);
        // an interrupted backup still removes what it wrote: stores' clients (the AWS SDK) refuse to work on an
        // interrupted thread, so the flag is set aside for the clean-up and put back afterwards
        boolean interrupted = Thread.interrupted();
        try {
            for (Copy c : copies) {
                removeWritten(id, c);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.log(Level.ERROR, "backup {0} failed; nothing was published: {1}", id, failure.getMessage());
        notify(() -> plan.listener().backupFailed(id, failure));
        if (t instanceof Error err) {
            throw err;
        }
        return failure;
    }

    /** {@code proposed}, or an id one second after {@code newest} when {@code proposed} would not sort after it. */
    static BackupId sortingLast(BackupId proposed, Optional<Newest> newest) {
        if (newest.isEmpty() || proposed.compareTo(newest.get().id()) > 0) {
            return proposed;
        }
        BackupId after = BackupId.generate(newest.get().id().timestamp().plusSeconds(1));
        LOG.log(Level.INFO, "backup {0} would sort before {1} in {2}, made in the same second or by a machine whose"
                + " clock is ahead of this one''s; this backup is {3} instead, so that it is the latest", proposed,
                newest.get().id(), newest.get().store(), after);
        return after;
    }

    /** The newest backup found in the stores, and in which. */
    record Newest(BackupId id, String store) {}

    /**
     * Writes the manifest, last, to every store still holding the whole backup, and returns it. The manifest records
     * the outcome in each store, so when publishing fails in one store, the stores that already hold the manifest
     * would claim a copy that does not exist (and SUCCESS where a required store is missing): the manifest is then
     * made again with that store's failure and replaces theirs, until every remaining store holds the same, true
     * manifest. Each round drops one store, so this ends; with no store left the backup fails. A store that refuses
     * to delete its first manifest keeps it (its copy is whole; only its record of the other stores is stale).
     */
    private Manifest publish(BackupId id, Instant started, Instant finished, List<PartInfo> parts, List<Copy> copies) {
        CryptoPlan crypto = plan.crypto();
        boolean recordStores = plan.stores().size() > 1 || !plan.stores().get(0).name().equals(DEFAULT_SINGLE_STORE);
        while (true) {
            requireSomeCopy(copies, id);
            boolean requiredFailed = copies.stream().anyMatch(c -> c.failure != null && c.named.required());
            BackupStatus status = parts.stream().allMatch(PartInfo::isComplete) && !requiredFailed
                    ? BackupStatus.SUCCESS : BackupStatus.INCOMPLETE;
            List<StoreCopy> outcome = recordStores ? copies.stream().map(Copy::outcome).toList() : List.of();
            Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, id, plan.application(), status, started, finished,
                    Version.host(), Version.lifeboat(), parts,
                    crypto.signingKey() == null ? null : crypto.signingKey().fingerprint(), outcome);
            byte[] encoded = ManifestCodec.encode(manifest);
            byte[] signature = crypto.signingKey() == null ? null : ManifestSignatures.sign(crypto.signingKey(), encoded);
            boolean dropped = false;
            for (Copy c : copies) {
                if (c.failure != null || c.keepsFirstManifest || Arrays.equals(c.published, encoded)) {
                    continue;
                }
                Store store = c.named.store();
                if (c.published != null) {
                    // replace the manifest published in an earlier round: manifest first, then its signature
                    try {
                        storeCall(store, "replace the manifest of " + id, () -> {
                            store.delete(Layout.manifestKey(id));
                            return null;
                        });
                    } catch (LifeboatException e) {
                        // a store that refuses deletes (a writer credential without them, Object Lock) keeps a whole
                        // copy under the manifest it has; only its record of the other stores is out of date
                        c.keepsFirstManifest = true;
                        LOG.log(Level.WARNING, "backup {0}: store {1} keeps the manifest published first, which says"
                                + " every store succeeded, because it cannot be replaced ({2}); the backup''s result"
                                + " and the other stores'' manifests have the true outcome", id, c.named.name(), e.getMessage());
                        continue;
                    }
                }
                try {
                    if (c.published != null) {
                        storeCall(store, "replace the manifest of " + id, () -> {
                            store.delete(Layout.signatureKey(id));
                            return null;
                        });
                        c.published = null;
                    }
                    if (signature != null && !c.written.contains(Layout.signatureKey(id))) {
                        c.written.add(Layout.signatureKey(id));
                    }
                    if (!c.written.contains(Layout.manifestKey(id))) {
                        c.written.add(Layout.manifestKey(id));
                    }
                    new Catalog(store).publish(manifest, encoded, signature);
                    Manifest back = new Catalog(store, crypto.trusted()).manifest(id);
                    // compared as bytes: the same check as Manifest.equals, without bootstrapping the record
                    // equals of every nested record type (≈ 90 generated classes, a visible share of a short run)
                    if (!Arrays.equals(ManifestCodec.encode(back), encoded)) {
                        throw new IntegrityException("the manifest of backup " + id + " read back from " + store.describe()
                                + " differs from what was written");
                    }
                    c.published = encoded;
                } catch (LifeboatException e) {
                    c.fail(e);
                    LOG.log(Level.WARNING, "backup {0}: publishing to store {1} failed: {2}", id, c.named.name(), e.getMessage());
                    dropped = true;
                    break; // the manifest must now record this failure: make it again
                }
            }
            if (!dropped) {
                return manifest;
            }
        }
    }

    /** The name a Lifeboat gives its only store when none was given; such manifests record no per-store outcome. */
    public static final String DEFAULT_SINGLE_STORE = "store-1";

    /** At least one store must hold the whole backup; otherwise the first store failure is the backup's failure. */
    private static void requireSomeCopy(List<Copy> copies, BackupId id) {
        if (copies.stream().allMatch(c -> c.failure != null)) {
            LifeboatException first = copies.get(0).failure;
            if (copies.size() == 1) {
                throw first;
            }
            throw new StoreException("backup " + id + " could not be stored in any store: " + copies.stream()
                    .map(c -> c.named.name() + ": " + c.failure.getMessage()).collect(java.util.stream.Collectors.joining("; ")),
                    first instanceof StoreException se && se.isTransient(), first);
        }
    }

    private PartInfo writePart(BackupId id, Source s, SourceContext context, List<Copy> copies) throws IOException {
        Recipients recipients = plan.crypto().encrypts(s.kind()) ? plan.crypto().recipients() : null;
        String key = Layout.partKey(id, s.kind().prefix() + "-" + s.name() + s.extension()
                + (recipients != null ? ENCRYPTED_SUFFIX : ""));
        long t0 = System.nanoTime();
        List<Copy> live = new ArrayList<>();
        PipelinedOutputStream pipeline = null;
        try {
            for (Copy c : copies) {
                if (c.failure != null) {
                    continue; // a store that failed earlier gets no further parts
                }
                try {
                    c.writer = storeCall(c.named.store(), "start writing " + key, () -> c.named.store().write(key));
                    c.out = new StoreOutputStream(c.writer.stream(), key + " to " + c.named.store().describe());
                    live.add(c);
                } catch (StoreException e) {
                    c.fail(e);
                }
            }
            requireSomeCopy(copies, id);
            FanOut sink = new FanOut(live, id);
            // plain:     source → [another thread:] hash → every store
            // encrypted: source → plaintext hash → [another thread:] age → stored hash → every store
            // (the plaintext hash stays on the source's thread so that both threads have about as much to do)
            DigestingOutputStream stored = DigestingOutputStream.withCheckpoints(sink, false);
            OutputStream encrypting = recipients != null ? recipients.encrypt(stored) : null;
            // a thread of its own: the source (archiving and compressing, or reading a dump) and the stages behind it
            // then use two cores instead of taking turns on one
            pipeline = new PipelinedOutputStream(encrypting != null ? encrypting : stored, "lifeboat-store-" + s.name());
            DigestingOutputStream plain = encrypting != null ? new DigestingOutputStream(pipeline, false) : null;
            OutputStream progress = new ProgressOutputStream(plain != null ? plain : pipeline, id,
                    s.kind().prefix() + "-" + s.name(), plan.listener());
            SourceResult r = s.write(context, progress);
            progress.flush();
            pipeline.close(); // waits until the other thread has written everything
            if (encrypting != null) {
                encrypting.close(); // the final chunk; the stores' streams stay open until committed
            }
            stored.flush();
            long size = stored.count();
            String sha = stored.sha256();
            long plainSize = plain == null ? size : plain.count();
            String plainSha = plain == null ? sha : plain.sha256();
            for (Copy c : live) {
                if (c.failure != null) {
                    continue;
                }
                try {
                    // recorded before committing: a commit that stored the object but then failed (a lost answer)
                    // must still be removed with the rest of this store's copy; deleting a missing key is no error
                    c.written.add(key);
                    ObjectInfo info = storeCall(c.named.store(), "store " + key, c.writer::commit);
                    if (info.size() != size) {
                        throw new StoreException(c.named.store().describe() + " stored " + info.size() + " bytes of " + key
                                + " but " + size + " were written", false, null);
                    }
                } catch (StoreException e) {
                    c.fail(e);
                }
            }
            requireSomeCopy(copies, id);
            long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            return new PartInfo(s.name(), s.kind(), s.format(), key, size, sha, plainSize, plainSha, recipients != null, millis,
                    r.tools(), r.rowCounts(), r.tree(), r.issues(), recipients == null ? List.of() : recipients.fingerprints(),
                    stored.checkpoints());
        } finally {
            if (pipeline != null) {
                pipeline.abort(); // after a failure: the other thread ends before the stores' writes are aborted
            }
            for (Copy c : live) {
                c.writer.close(); // aborts whatever was not committed
                c.writer = null;
                c.out = null;
            }
        }
    }

    /**
     * Writes to every live store copy; a copy whose store fails is dropped (its write aborted) and the others
     * continue. Only when every copy failed does the write fail, with the first store's error.
     */
    private static final class FanOut extends OutputStream {
        private final List<Copy> targets;
        private final BackupId id;

        FanOut(List<Copy> targets, BackupId id) {
            this.targets = targets;
            this.id = id;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            boolean any = false;
            for (Copy c : targets) {
                if (c.failure == null) {
                    try {
                        c.out.write(b, off, len);
                        any = true;
                    } catch (StoreException e) {
                        c.fail(e);
                        c.writer.abort();
                    }
                }
            }
            if (!any) {
                requireSomeCopy(targets, id);
            }
        }

        @Override
        public void flush() {
            for (Copy c : targets) {
                if (c.failure == null) {
                    try {
                        c.out.flush();
                    } catch (StoreException e) {
                        c.fail(e);
                        c.writer.abort();
                    }
                }
            }
        }
    }

    /** One store's copy of the backup being written. */
    private static final class Copy {
        final Plan.NamedStore named;
        final List<String> written = new ArrayList<>();
        LifeboatException failure;
        ObjectWriter writer;
        StoreOutputStream out;
        /** The manifest published in this store, if any. */
        byte[] published;
        /** The store refused to replace its manifest: it keeps the first one published (see publish). */
        boolean keepsFirstManifest;

        Copy(Plan.NamedStore named) {
            this.named = named;
        }

        void fail(LifeboatException e) {
            if (failure == null) {
                failure = e;
            }
        }

        StoreCopy outcome() {
            return new StoreCopy(named.name(), named.store().describe(), failure == null, named.required(),
                    failure == null ? null : failure.getMessage());
        }
    }

    /** Before publishing: every part exists in every surviving store with its recorded size. */
    private void checkStored(List<PartInfo> parts, List<Copy> copies) {
        for (Copy c : copies) {
            if (c.failure != null) {
                continue;
            }
            Store store = c.named.store();
            try {
                for (PartInfo p : parts) {
                    Optional<ObjectInfo> info = storeCall(store, "check " + p.key(), () -> store.stat(p.key()));
                    if (info.isEmpty() || info.get().size() != p.size()) {
                        throw new StoreException(store.describe() + " does not hold " + p.key() + " with " + p.size()
                                + " bytes right after storing it", false, null);
                    }
                }
            } catch (StoreException e) {
                c.fail(e);
            }
        }
    }

    private interface StoreCall<T> {
        T call() throws IOException;
    }

    /** Runs a store operation; an IOException from it is the store's failure, never the source's. */
    private static <T> T storeCall(Store store, String what, StoreCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new StoreException("cannot " + what + " in " + store.describe() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), true, e);
        }
    }

    /**
     * Deletes the private temporary folders of backups that started longer ago than the garbage safety age: a
     * process killed outright (SIGKILL, the OOM killer) leaves its folder, and with it the database password file.
     */
    private void removeStaleTemporaryFolders() {
        Instant cutoff = plan.clock().instant().minus(plan.garbageSafetyAge());
        try {
            // lifeboat-<backup id>-<random>: a backup's, started before the cutoff
            for (Path p : Trees.removeAbandoned(plan.tempRoot(), "lifeboat-", (rest, a) -> {
                int dash = rest.lastIndexOf('-');
                String idPart = dash < 0 ? "" : rest.substring(0, dash);
                return BackupId.isValid(idPart) && BackupId.parse(idPart).timestamp().isBefore(cutoff);
            })) {
                LOG.log(Level.INFO, "removed the temporary folder {0} of a backup that did not end", p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot look for stale temporary folders in {0}: {1}", plan.tempRoot(), e.getMessage());
        }
    }

    /**
     * Before anything is written, in each store, from one listing of its backups: removes leftovers of unfinished
     * backups older than the garbage safety age; refuses to back up when the newest backup (one that
     * authenticates) is dated more than {@link ClockSkewException#TOLERANCE} after {@code now} (the new backup would
     * sort before it, and "latest" would still name the older data); warns when the store has less space free than
     * that backup took, before this one fills the disk. A store that cannot be listed is left to fail (or not) when
     * written. Returns the newest backup of all stores, which the new one must sort after.
     */
    private Optional<Newest> prepareStores(Instant now) {
        Instant limit = now.plus(ClockSkewException.TOLERANCE);
        Newest newestOfAll = null;
        for (Plan.NamedStore ns : plan.stores()) {
            Store store = ns.store();
            Catalog catalog = new Catalog(store, plan.crypto().trusted());
            catalog.cleanUpIncompleteWrites(plan.garbageSafetyAge());
            Optional<Manifest> newest;
            try {
                List<ObjectInfo> listing = catalog.listBackups();
                try {
                    catalog.collectLeftovers(plan.clock().instant(), plan.garbageSafetyAge(), null, listing);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot collect leftovers in {0}: {1}", store.describe(), e.getMessage());
                }
                newest = catalog.latest(listing);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot list the backups in {0}: {1}", store.describe(), e.getMessage());
                continue;
            }
            if (newest.isEmpty()) {
                continue;
            }
            BackupId latest = newest.get().backupId();
            if (latest.timestamp().isAfter(limit)) {
                throw new ClockSkewException(latest, store.describe(), Duration.between(now, latest.timestamp()));
            }
            if (newestOfAll == null || latest.compareTo(newestOfAll.id()) > 0) {
                newestOfAll = new Newest(latest, store.describe());
            }
            long took = newest.get().parts().stream().mapToLong(PartInfo::size).sum();
            try {
                java.util.OptionalLong free = store.usableSpace();
                if (free.isPresent() && free.getAsLong() < took) {
                    LOG.log(Level.WARNING, "{0} has {1} bytes free, and the latest backup ({2}) took {3}: this backup"
                            + " may fill the disk and fail; free some space or move the store", store.describe(),
                            String.valueOf(free.getAsLong()), latest, String.valueOf(took));
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "cannot tell the free space of {0}: {1}", store.describe(), e.getMessage());
            }
        }
        return Optional.ofNullable(newestOfAll);
    }

    private static void removeWritten(BackupId id, Copy c) {
        // the manifest first, so a half-removed backup is never visible; then its signature (a manifest left without
        // its signature would read as tampered, forever); then the parts
        List<String> ordered = new ArrayList<>(c.written);
        ordered.sort(java.util.Comparator.comparingInt(k -> k.equals(Layout.manifestKey(id)) ? 0
                : k.equals(Layout.signatureKey(id)) ? 1 : 2));
        for (String key : ordered) {
            try {
                c.named.store().delete(key);
            } catch (IOException | RuntimeException e) {
                if (key.equals(Layout.manifestKey(id))) {
                    // the manifest stays (a store that refuses deletes, a lost connection): so must everything it names
                    LOG.log(Level.WARNING, "backup {0}: cannot remove the manifest from {1} ({2}); the rest of that"
                            + " copy is kept with it, so the store holds a whole backup and not a broken one", id,
                            c.named.store().describe(), e.getMessage());
                    break;
                }
                LOG.log(Level.WARNING, "backup {0}: cannot remove {1} from {2} ({3}); it will be collected as a leftover",
                        id, key, c.named.store().describe(), e.getMessage());
            }
        }
        c.written.clear();
    }

    private static LifeboatException classify(Throwable t, BackupId id) {
        // an interrupt surfaces as whatever it broke (a killed dump, a closed channel, a pipeline hand-over): one code
        if (!(t instanceof Error) && (Thread.currentThread().isInterrupted() || causedByInterrupt(t))) {
            return new CancelledException("backup " + id + " was cancelled (its thread was interrupted) before it was"
                    + " published; what it wrote is removed, earlier backups are untouched", t);
        }
        if (t instanceof LifeboatException le) {
            return le;
        }
        if (t instanceof IOException io) {
            return new SourceException(ErrorCode.SOURCE_FAILED, "backup " + id + " failed while reading a source: "
                    + (io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage()), io);
        }
        return new InternalException("backup " + id + " failed unexpectedly: " + t, t);
    }

    /** Whether an interrupt is among the causes of {@code t} (a socket's timeout is no interrupt). */
    static boolean causedByInterrupt(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < 32; c = c.getCause(), depth++) {
            if (c instanceof InterruptedException || c instanceof ClosedByInterruptException
                    || c instanceof InterruptedIOException && !(c instanceof SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }

    private static void notify(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a LifeboatListener threw; ignored", e);
        }
    }

    private final class Context implements SourceContext {
        private final Path temp;

        Context(Path temp) {
            this.temp = temp;
        }

        @Override
        public Path tempDirectory() {
            return temp;
        }

        @Override
        public Duration timeout() {
            return plan.timeout();
        }

        @Override
        public int compressionLevel() {
            return plan.compressionLevel();
        }

        @Override
        public int compressionWorkers() {
            return plan.compressionWorkers();
        }
    }
}
