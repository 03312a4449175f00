package dev.lifeboat.internal.engine;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.InternalException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.api.LifeboatListener;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
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
import dev.lifeboat.internal.io.StoreOutputStream;
import dev.lifeboat.internal.io.TeeOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

    public BackupResult run(BackupId id) {
        LifeboatListener listener = plan.listener();
        Instant started = plan.clock().instant();
        notify(() -> listener.backupStarted(id));
        List<Written> written = new ArrayList<>();
        Path temp = null;
        try {
            temp = Files.createTempDirectory(plan.tempRoot(), "lifeboat-" + id + "-");
            collectGarbage();
            SourceContext context = new Context(temp);
            for (Source s : plan.sources()) {
                s.preflight(context);
            }
            List<PartInfo> parts = new ArrayList<>();
            for (Source s : plan.sources()) {
                notify(() -> listener.partStarted(id, s.kind().prefix() + "-" + s.name()));
                PartInfo part = writePart(id, s, context, written);
                parts.add(part);
                notify(() -> listener.partFinished(id, part));
                LOG.log(Level.INFO, "backup {0}: stored {1} ({2} bytes) in {3} ms", id, part.key(), part.size(), part.durationMillis());
            }
            checkStored(parts);
            BackupStatus status = parts.stream().allMatch(PartInfo::isComplete) ? BackupStatus.SUCCESS : BackupStatus.INCOMPLETE;
            CryptoPlan crypto = plan.crypto();
            Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, id, plan.application(), status, started,
                    plan.clock().instant(), Version.host(), Version.lifeboat(), parts,
                    crypto.signingKey() == null ? null : crypto.signingKey().fingerprint());
            byte[] encoded = ManifestCodec.encode(manifest);
            byte[] signature = crypto.signingKey() == null ? null : ManifestSignatures.sign(crypto.signingKey(), encoded);
            for (Store store : plan.stores()) {
                if (signature != null) {
                    written.add(new Written(store, Layout.signatureKey(id)));
                }
                written.add(new Written(store, Layout.manifestKey(id)));
                new Catalog(store).publish(manifest, encoded, signature);
                Manifest back = new Catalog(store, crypto.trusted()).manifest(id);
                if (!back.equals(manifest)) {
                    throw new IntegrityException("the manifest of backup " + id + " read back from " + store.describe()
                            + " differs from what was written");
                }
            }
            BackupResult result = new BackupResult(manifest);
            LOG.log(status == BackupStatus.SUCCESS ? Level.INFO : Level.WARNING, "backup {0} published: {1}, {2} parts, {3} bytes",
                    id, status, parts.size(), result.storedBytes());
            notify(() -> listener.backupFinished(result));
            return result;
        } catch (Throwable t) {
            LifeboatException failure = classify(t, id);
            removeWritten(id, written);
            LOG.log(Level.ERROR, "backup {0} failed; nothing was published: {1}", id, failure.getMessage());
            notify(() -> listener.backupFailed(id, failure));
            if (t instanceof Error err) {
                throw err;
            }
            throw failure;
        } finally {
            if (temp != null) {
                deleteTree(temp);
            }
        }
    }

    private PartInfo writePart(BackupId id, Source s, SourceContext context, List<Written> written) throws IOException {
        Recipients recipients = plan.crypto().encrypts(s.kind()) ? plan.crypto().recipients() : null;
        String key = Layout.partKey(id, s.kind().prefix() + "-" + s.name() + s.extension()
                + (recipients != null ? ENCRYPTED_SUFFIX : ""));
        long t0 = System.nanoTime();
        List<ObjectWriter> writers = new ArrayList<>();
        try {
            List<OutputStream> streams = new ArrayList<>();
            for (Store store : plan.stores()) {
                ObjectWriter w = storeCall(store, "start writing " + key, () -> store.write(key));
                writers.add(w);
                streams.add(new StoreOutputStream(w.stream(), key + " to " + store.describe()));
            }
            OutputStream sink = streams.size() == 1 ? streams.get(0) : new TeeOutputStream(streams);
            // source → plaintext hash → (age) → stored hash → every store
            DigestingOutputStream stored = new DigestingOutputStream(sink, false);
            OutputStream encrypting = recipients != null ? recipients.encrypt(stored) : null;
            DigestingOutputStream plain = encrypting != null ? new DigestingOutputStream(encrypting, false) : stored;
            SourceResult r = s.write(context, plain);
            plain.flush();
            if (encrypting != null) {
                encrypting.close(); // the final chunk; the stores' streams stay open until committed
            }
            stored.flush();
            long size = stored.count();
            String sha = stored.sha256();
            long plainSize = plain == stored ? size : plain.count();
            String plainSha = plain == stored ? sha : plain.sha256();
            for (int i = 0; i < writers.size(); i++) {
                Store store = plan.stores().get(i);
                ObjectWriter w = writers.get(i);
                ObjectInfo info = storeCall(store, "store " + key, w::commit);
                written.add(new Written(store, key));
                if (info.size() != size) {
                    throw new StoreException(store.describe() + " stored " + info.size() + " bytes of " + key + " but "
                            + size + " were written", false, null);
                }
            }
            long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            return new PartInfo(s.name(), s.kind(), s.format(), key, size, sha, plainSize, plainSha, recipients != null, millis,
                    r.tools(), r.rowCounts(), r.tree(), r.issues(), recipients == null ? List.of() : recipients.fingerprints());
        } finally {
            writers.forEach(ObjectWriter::close); // aborts whatever was not committed
        }
    }

    /** Before publishing: every part exists in every store with its recorded size. */
    private void checkStored(List<PartInfo> parts) {
        for (Store store : plan.stores()) {
            for (PartInfo p : parts) {
                Optional<ObjectInfo> info = storeCall(store, "check " + p.key(), () -> store.stat(p.key()));
                if (info.isEmpty() || info.get().size() != p.size()) {
                    throw new StoreException(store.describe() + " does not hold " + p.key() + " with " + p.size()
                            + " bytes right after storing it", false, null);
                }
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

    private void collectGarbage() {
        for (Store store : plan.stores()) {
            try {
                new Catalog(store).collectGarbage(plan.clock().instant(), plan.garbageSafetyAge());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot collect leftovers in {0}: {1}", store.describe(), e.getMessage());
            }
        }
    }

    private void removeWritten(BackupId id, List<Written> written) {
        // manifests first, so a half-removed backup is never visible
        List<Written> ordered = new ArrayList<>(written);
        ordered.sort((a, b) -> Boolean.compare(!a.key.endsWith(Layout.MANIFEST), !b.key.endsWith(Layout.MANIFEST)));
        for (Written w : ordered) {
            try {
                w.store.delete(w.key);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "backup {0}: cannot remove {1} from {2} ({3}); it will be collected as a leftover",
                        id, w.key, w.store.describe(), e.getMessage());
            }
        }
    }

    private static LifeboatException classify(Throwable t, BackupId id) {
        if (t instanceof LifeboatException le) {
            return le;
        }
        if (t instanceof IOException io) {
            return new SourceException(ErrorCode.SOURCE_FAILED, "backup " + id + " failed while reading a source: "
                    + (io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage()), io);
        }
        return new InternalException("backup " + id + " failed unexpectedly: " + t, t);
    }

    private static void notify(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a LifeboatListener threw; ignored", e);
        }
    }

    static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // best effort
        }
    }

    private record Written(Store store, String key) {}

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
