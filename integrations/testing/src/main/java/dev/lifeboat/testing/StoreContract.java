package dev.lifeboat.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeboat.api.NotFoundException;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.WriteOption;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link Store} must have, as a JUnit 5 test class: extend it, implement
 * {@link #newStore()}, and the store runs the whole suite (restic's backend conformance tests, for Lifeboat).
 *
 * <pre>{@code
 * class MyStoreContractTest extends StoreContract {
 *     @Override
 *     protected Store newStore() {
 *         return MyStore.at(freshEmptyLocation());
 *     }
 * }
 * }</pre>
 *
 * Covered: atomic writes (nothing visible before commit; nothing left after abort, close without commit or a
 * producer's exception), content round trips (empty, one byte, several MiB, every byte value), stat, list by
 * prefix (partial segments, nested keys, more objects than one S3 list page), delete (idempotent), not-found
 * handling, write-once ({@link WriteOption#IF_ABSENT}) refusal including two racing writers, and concurrent
 * writers.
 */
public abstract class StoreContract {
    /** The store under test; a fresh one per test. */
    protected Store store;

    /** A new, empty store; called before each test and closed after it. */
    protected abstract Store newStore() throws Exception;

    /**
     * The size of a "large" object, several MiB. A store that switches strategy above some size (S3's
     * multipart upload above one part) should return a size above that threshold. (default: 7 MiB + 123)
     */
    protected int largeSize() {
        return 7 * 1024 * 1024 + 123;
    }

    /** How many objects the listing test writes; above 1,000 so S3 listings need more than one page. */
    protected int manyObjects() {
        return 1_201;
    }

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ------------------------------------------------------------------ atomicity

    @Test
    void anObjectIsInvisibleUntilCommitted() throws Exception {
        byte[] content = bytes(1, largeSize());
        try (ObjectWriter w = store.write("backups/b1/db.pgdump")) {
            w.stream().write(content);
            assertAbsent("backups/b1/db.pgdump");
            assertTrue(store.list("").isEmpty(), "nothing is listed before commit");
            ObjectInfo info = w.commit();
            assertEquals("backups/b1/db.pgdump", info.key());
            assertEquals(content.length, info.size());
        }
        assertArrayEquals(content, get("backups/b1/db.pgdump"));
        assertEquals(content.length, store.stat("backups/b1/db.pgdump").orElseThrow().size());
    }

    @Test
    void abortLeavesNothing() throws Exception {
        ObjectWriter w = store.write("backups/b1/db.pgdump");
        w.stream().write(bytes(2, largeSize()));
        w.abort();
        w.abort(); // idempotent
        assertThrows(Exception.class, w::commit, "commit after abort must fail");
        w.close();
        assertAbsent("backups/b1/db.pgdump");
        assertTrue(store.list("").isEmpty());
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws Exception {
        try (ObjectWriter w = store.write("backups/b1/small.json")) {
            w.stream().write(bytes(3, 100));
        }
        try (ObjectWriter w = store.write("backups/b1/large.bin")) {
            w.stream().write(bytes(4, largeSize()));
        }
        assertAbsent("backups/b1/small.json");
        assertAbsent("backups/b1/large.bin");
        assertTrue(store.list("").isEmpty());
    }

    @Test
    void aProducerFailureLeavesNothing() throws Exception {
        IOException failure = assertThrows(IOException.class, () -> {
            try (ObjectWriter w = store.write("backups/b1/db.pgdump")) {
                OutputStream out = w.stream();
                out.write(bytes(5, largeSize()));
                throw new IOException("pg_dump exited with 1");
            }
        });
        assertEquals("pg_dump exited with 1", failure.getMessage());
        assertAbsent("backups/b1/db.pgdump");
        assertTrue(store.list("").isEmpty());
    }

    @Test
    void anAbortedWriteDoesNotTouchTheExistingObject() throws Exception {
        byte[] original = bytes(6, 1000);
        put("k/object", original);
        try (ObjectWriter w = store.write("k/object")) {
            w.stream().write(bytes(7, largeSize()));
        }
        assertArrayEquals(original, get("k/object"));
    }

    // ------------------------------------------------------------------ content

    @Test
    void emptyObject() throws Exception {
        assertEquals(0, put("e/empty", new byte[0]).size());
        assertArrayEquals(new byte[0], get("e/empty"));
        assertEquals(0, store.stat("e/empty").orElseThrow().size());
        assertEquals(List.of("e/empty"), keys(store.list("e/")));
    }

    @Test
    void oneByte() throws Exception {
        put("one", new byte[] {42});
        assertArrayEquals(new byte[] {42}, get("one"));
        assertEquals(1, store.stat("one").orElseThrow().size());
    }

    @Test
    void severalMebibytesWrittenInOddChunks() throws Exception {
        byte[] content = bytes(8, largeSize());
        try (ObjectWriter w = store.write("big/object.bin")) {
            OutputStream out = w.stream();
            int i = 0;
            int chunk = 1;
            while (i < content.length) {
                int n = Math.min(chunk, content.length - i);
                if (n == 1) {
                    out.write(content[i]);
                } else {
                    out.write(content, i, n);
                }
                i += n;
                chunk = chunk * 3 % 1_000_003 + 1; // 1, 4, 13, ... jagged sizes across buffer boundaries
            }
            assertEquals(content.length, w.commit().size());
        }
        assertEquals(sha256(content), sha256(get("big/object.bin")));
        assertEquals(content.length, store.stat("big/object.bin").orElseThrow().size());
    }

    @Test
    void everyByteValue() throws Exception {
        byte[] content = new byte[256 * 64 + 17];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7);
        }
        put("bin/all-bytes", content);
        assertArrayEquals(content, get("bin/all-bytes"));
    }

    @Test
    void overwritingReplacesTheContent() throws Exception {
        put("k/v", bytes(9, 500));
        byte[] second = bytes(10, 300);
        put("k/v", second);
        assertArrayEquals(second, get("k/v"));
        assertEquals(300, store.stat("k/v").orElseThrow().size());
        assertEquals(1, store.list("k/").size());
    }

    @Test
    void aReaderMayStopEarly() throws Exception {
        byte[] content = bytes(11, largeSize());
        put("big/partial", content);
        byte[] head = store.read("big/partial", in -> in.readNBytes(10));
        assertArrayEquals(java.util.Arrays.copyOf(content, 10), head);
        assertArrayEquals(content, get("big/partial"), "the store still works after an abandoned read");
    }

    // ------------------------------------------------------------------ not found

    @Test
    void missingObjects() throws Exception {
        assertEquals(Optional.empty(), store.stat("no/such/object"));
        assertThrows(NotFoundException.class, () -> store.read("no/such/object", in -> in.readAllBytes()));
        put("no/such/other", new byte[] {1});
        assertEquals(Optional.empty(), store.stat("no/such/object"));
        assertThrows(NotFoundException.class, () -> store.read("no/such/object", in -> in.readAllBytes()));
    }

    // ------------------------------------------------------------------ list

    @Test
    void listByPrefix() throws Exception {
        List<String> all = List.of(
                "a/b/c/d/e/f.bin",
                "backups-old/x",
                "backups/20261126T021500Z-a/db-main.pgdump",
                "backups/20261126T021500Z-a/manifest.json",
                "backups/20261127T021500Z-b/manifest.json",
                "backupsfoo",
                "drills/d1.json");
        int i = 0;
        for (String k : all) {
            put(k, bytes(20 + i, 10 + i));
            i++;
        }
        List<ObjectInfo> everything = store.list("");
        assertEquals(all, keys(everything), "all objects, sorted by key");
        for (int j = 0; j < all.size(); j++) {
            assertEquals(10 + j, everything.get(j).size(), "size of " + all.get(j));
        }
        assertEquals(List.of("backups/20261126T021500Z-a/db-main.pgdump", "backups/20261126T021500Z-a/manifest.json",
                "backups/20261127T021500Z-b/manifest.json"), keys(store.list("backups/")));
        assertEquals(List.of("backups-old/x", "backups/20261126T021500Z-a/db-main.pgdump",
                "backups/20261126T021500Z-a/manifest.json", "backups/20261127T021500Z-b/manifest.json", "backupsfoo"),
                keys(store.list("backups")), "a prefix that is a partial segment");
        assertEquals(List.of("backups/20261126T021500Z-a/db-main.pgdump", "backups/20261126T021500Z-a/manifest.json"),
                keys(store.list("backups/20261126")), "a partial segment deeper down");
        assertEquals(List.of("backups/20261126T021500Z-a/manifest.json", "backups/20261127T021500Z-b/manifest.json"),
                keys(store.list("backups/").stream().filter(o -> o.key().endsWith("/manifest.json")).toList()));
        assertEquals(List.of("a/b/c/d/e/f.bin"), keys(store.list("a/b/c/")), "nested keys");
        assertEquals(List.of("a/b/c/d/e/f.bin"), keys(store.list("a/b/c/d/e/f.bin")), "a whole key as prefix");
        assertEquals(List.of("drills/d1.json"), keys(store.list("dr")));
        assertTrue(store.list("zzz").isEmpty());
        assertTrue(store.list("backups/2099").isEmpty());
        assertTrue(store.list("nothing/here/").isEmpty());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void listMoreObjectsThanOnePage() throws Exception {
        int n = manyObjects();
        List<String> expected = IntStream.range(0, n).mapToObj(i -> String.format("many/obj-%05d", i)).toList();
        runConcurrently(8, expected.stream().map(k -> (Callable<Void>) () -> {
            put(k, k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return null;
        }).toList());
        put("other/x", new byte[] {1});
        List<ObjectInfo> listed = store.list("many/");
        assertEquals(n, listed.size());
        assertEquals(expected, keys(listed));
        for (ObjectInfo o : listed) {
            assertEquals(o.key().length(), o.size(), o.key());
        }
        assertEquals(n + 1, store.list("").size());
        assertEquals(10, store.list("many/obj-0110").size(), "a prefix inside the second page");
    }

    // ------------------------------------------------------------------ delete

    @Test
    void deleteRemovesTheObject() throws Exception {
        put("d/a", bytes(30, 10));
        put("d/b", bytes(31, 10));
        store.delete("d/a");
        assertAbsent("d/a");
        assertEquals(List.of("d/b"), keys(store.list("")));
        assertArrayEquals(bytes(31, 10), get("d/b"));
    }

    @Test
    void deletingAMissingObjectIsNotAnError() throws Exception {
        store.delete("never/written");
        put("d/a", bytes(32, 10));
        store.delete("d/a");
        store.delete("d/a");
        assertAbsent("d/a");
        assertTrue(store.list("").isEmpty());
    }

    // ------------------------------------------------------------------ write once

    @Test
    void ifAbsentWritesANewObject() throws Exception {
        byte[] content = bytes(40, 2000);
        put("backups/b1/manifest.json", content, WriteOption.IF_ABSENT);
        assertArrayEquals(content, get("backups/b1/manifest.json"));
    }

    @Test
    void usableSpaceIsUnknownOrPositive() throws Exception {
        java.util.OptionalLong free = store.usableSpace();
        if (free.isPresent()) {
            assertTrue(free.getAsLong() > 0, "usable space " + free.getAsLong() + " on a machine running tests");
        }
    }

    @Test
    void ifAbsentRefusesAnExistingObject() throws Exception {
        byte[] original = bytes(41, 2000);
        put("backups/b1/manifest.json", original);
        StoreException e = assertThrows(StoreException.class,
                () -> put("backups/b1/manifest.json", bytes(42, 100), WriteOption.IF_ABSENT));
        assertFalse(e.isTransient(), "a refused write-once is permanent: " + e.getMessage());
        assertTrue(e.getMessage().contains("exists"), e.getMessage());
        assertArrayEquals(original, get("backups/b1/manifest.json"), "the existing object is untouched");
    }

    @Test
    void ifAbsentLetsOnlyOneOfTwoRacingWritersPublish() throws Exception {
        byte[] first = bytes(43, 3000);
        byte[] second = bytes(44, 4000);
        ObjectWriter a = store.write("backups/b1/manifest.json", WriteOption.IF_ABSENT);
        ObjectWriter b = store.write("backups/b1/manifest.json", WriteOption.IF_ABSENT);
        try (a; b) {
            a.stream().write(first);
            b.stream().write(second);
            a.commit();
            StoreException e = assertThrows(StoreException.class, b::commit);
            assertFalse(e.isTransient(), e.getMessage());
        }
        assertArrayEquals(first, get("backups/b1/manifest.json"));
        assertEquals(List.of("backups/b1/manifest.json"), keys(store.list("")));
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void concurrentWritersToDifferentKeys() throws Exception {
        int writers = 8;
        int size = Math.max(largeSize() / 2, 1024);
        CountDownLatch allStarted = new CountDownLatch(writers);
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int id = i;
            tasks.add(() -> {
                byte[] content = bytes(100 + id, size + id);
                try (ObjectWriter w = store.write("concurrent/w" + id)) {
                    OutputStream out = w.stream();
                    out.write(content, 0, content.length / 2);
                    allStarted.countDown();
                    allStarted.await(1, TimeUnit.MINUTES); // all writes are open at the same time
                    out.write(content, content.length / 2, content.length - content.length / 2);
                    w.commit();
                }
                return null;
            });
        }
        runConcurrently(writers, tasks);
        List<ObjectInfo> listed = store.list("concurrent/");
        assertEquals(IntStream.range(0, writers).mapToObj(i -> "concurrent/w" + i).collect(Collectors.toList()),
                keys(listed));
        for (int i = 0; i < writers; i++) {
            assertEquals(sha256(bytes(100 + i, size + i)), sha256(get("concurrent/w" + i)), "content of writer " + i);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Writes and commits {@code content} under {@code key}. */
    protected ObjectInfo put(String key, byte[] content, WriteOption... options) throws IOException {
        try (ObjectWriter w = store.write(key, options)) {
            w.stream().write(content);
            return w.commit();
        }
    }

    /** The whole content of {@code key}. */
    protected byte[] get(String key) throws IOException {
        return store.read(key, in -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        });
    }

    /** Asserts that {@code key} does not exist: no stat, no listing, NotFoundException on read. */
    protected void assertAbsent(String key) throws IOException {
        assertEquals(Optional.empty(), store.stat(key), key + " must not exist");
        assertFalse(keys(store.list("")).contains(key), key + " must not be listed");
        assertThrows(NotFoundException.class, () -> store.read(key, in -> in.readAllBytes()), key + " must not be readable");
    }

    /** Deterministic pseudo-random bytes. */
    protected static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    protected static List<String> keys(List<ObjectInfo> infos) {
        return infos.stream().map(ObjectInfo::key).toList();
    }

    protected static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void runConcurrently(int threads, List<Callable<Void>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> futures = pool.invokeAll(tasks);
            for (Future<Void> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw new UncheckedIOException(io);
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
