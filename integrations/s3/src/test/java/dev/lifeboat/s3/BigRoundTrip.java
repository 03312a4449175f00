package dev.lifeboat.s3;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.store.ObjectInfo;
import dev.lifeboat.api.store.ObjectWriter;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link S3StoreLargeObjectTest}: streams a generated object of a given size through
 * S3Store (never a file, never the whole object in memory), reads it back, and prints both SHA-256 hashes and
 * the peak heap use. Run with a small -Xmx to prove that memory does not grow with the object.
 */
public final class BigRoundTrip {
    private BigRoundTrip() {}

    /** args: endpoint bucket key size partSize parallelParts */
    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        String bucket = args[1];
        String key = args[2];
        long size = Long.parseLong(args[3]);
        long partSize = Long.parseLong(args[4]);
        int parallel = Integer.parseInt(args[5]);
        AtomicLong liveAfterGc = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (true) {
                liveAfterGc.accumulateAndGet(liveHeapAfterGc(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try (S3Store store = S3Store.bucket(bucket).endpoint(endpoint).pathStyle(true)
                .credentials(S3ProxyServer.ACCESS_KEY, Secret.of(S3ProxyServer.SECRET_KEY))
                .partSize(partSize).parallelParts(parallel)) {
            long t0 = System.nanoTime();
            MessageDigest written = MessageDigest.getInstance("SHA-256");
            ObjectInfo info;
            try (ObjectWriter w = store.write(key)) {
                OutputStream out = w.stream();
                Generator g = new Generator();
                byte[] chunk = new byte[64 * 1024];
                for (long left = size; left > 0; ) {
                    int n = (int) Math.min(chunk.length, left);
                    g.fill(chunk, n);
                    written.update(chunk, 0, n);
                    out.write(chunk, 0, n);
                    left -= n;
                }
                info = w.commit();
            }
            long t1 = System.nanoTime();
            MessageDigest read = MessageDigest.getInstance("SHA-256");
            long readBytes = store.read(key, in -> {
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    read.update(buf, 0, n);
                    total += n;
                }
                return total;
            });
            long t2 = System.nanoTime();
            System.out.println("COMMITTED " + info.size());
            System.out.println("WROTE " + size + " " + HexFormat.of().formatHex(written.digest()));
            System.out.println("READ " + readBytes + " " + HexFormat.of().formatHex(read.digest()));
            System.out.println("PEAK_HEAP " + peakHeap());
            System.out.println("LIVE_AFTER_GC " + Math.max(liveAfterGc.get(), liveHeapAfterGc()));
            System.out.println("MAX_HEAP " + Runtime.getRuntime().maxMemory());
            System.out.println("SECONDS " + (t1 - t0) / 1e9 + " " + (t2 - t1) / 1e9);
        }
    }

    /** Heap in use right after the latest collections: what the program holds, not garbage waiting for a GC. */
    private static long liveHeapAfterGc() {
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                live += pool.getCollectionUsage().getUsed();
            }
        }
        return live;
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** Deterministic pseudo-random bytes (xorshift64*), fast enough not to be the bottleneck. */
    static final class Generator {
        private long state = 0x9E3779B97F4A7C15L;

        void fill(byte[] b, int n) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                bb.putLong(i, next());
            }
            if (i < n) {
                long last = next();
                for (; i < n; i++) {
                    b[i] = (byte) last;
                    last >>>= 8;
                }
            }
        }

        private long next() {
            long x = state;
            x ^= x >>> 12;
            x ^= x << 25;
            x ^= x >>> 27;
            state = x;
            return x * 0x2545F4914F6CDD1DL;
        }
    }

    /** The SHA-256 of the first {@code size} generated bytes, chunked exactly like main. */
    static String expectedSha256(long size) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Generator g = new Generator();
        byte[] chunk = new byte[64 * 1024];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            g.fill(chunk, n);
            md.update(chunk, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
