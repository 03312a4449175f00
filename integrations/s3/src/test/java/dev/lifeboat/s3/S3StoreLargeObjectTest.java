package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A multi-GiB object streamed through S3Store in a child JVM with a 96 MiB heap: what was written and what
 * is read back hash the same, and the same as an independent computation of the generated stream here.
 */
class S3StoreLargeObjectTest {
    /** 2 GiB unless -Dlifeboat.s3.bigSize says otherwise. */
    static final long SIZE = Long.getLong("lifeboat.s3.bigSize", 2L * 1024 * 1024 * 1024);
    static final long PART = 8L * 1024 * 1024;
    static final int PARALLEL = 4;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aMultiGibStreamRoundTripsInASmallHeap(@TempDir Path dir) throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start(dir)) {
            String bucket = server.newBucket();
            CompletableFuture<String> expected = CompletableFuture.supplyAsync(() -> {
                try {
                    return BigRoundTrip.expectedSha256(SIZE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Path log = dir.resolve("child.log");
            Process child = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx96m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"),
                    BigRoundTrip.class.getName(),
                    server.endpoint.toString(), bucket, "backups/b1/db.pgdump",
                    Long.toString(SIZE), Long.toString(PART), Integer.toString(PARALLEL))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = child.waitFor(4, TimeUnit.MINUTES);
            if (!finished) {
                child.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(finished).as("child finished: %s", output).isTrue();
            assertThat(child.exitValue()).as("child exit code; output:%n%s", output).isZero();

            Map<String, String[]> lines = new HashMap<>();
            for (String line : output.split("\\R")) {
                String[] f = line.split(" ");
                lines.put(f[0], f);
            }
            String sha = expected.get(2, TimeUnit.MINUTES);
            assertThat(lines.get("COMMITTED")[1]).isEqualTo(Long.toString(SIZE));
            assertThat(lines.get("WROTE")).containsExactly("WROTE", Long.toString(SIZE), sha);
            assertThat(lines.get("READ")).containsExactly("READ", Long.toString(SIZE), sha);
            long maxHeap = Long.parseLong(lines.get("MAX_HEAP")[1]);
            assertThat(maxHeap).as("the child really ran with a small heap").isLessThan(100L * 1024 * 1024);
            long live = Long.parseLong(lines.get("LIVE_AFTER_GC")[1]);
            assertThat(live).as("heap held after a GC: the part buffers ((parallel + 1) × part size) and the SDK's own, whatever the size")
                    .isPositive().isLessThanOrEqualTo((PARALLEL + 1) * PART + 32L * 1024 * 1024);
            System.out.println("large object round trip: " + output.replace(File.separatorChar, '/'));

            HeadObjectResponse head = server.admin.headObject(r -> r.bucket(bucket).key("backups/b1/db.pgdump"));
            assertThat(head.contentLength()).isEqualTo(SIZE);
            long parts = (SIZE + PART - 1) / PART;
            assertThat(head.eTag()).as("a multipart object of %d parts", parts).endsWith("-" + parts + "\"");
            assertThat(server.uploads(bucket)).isEmpty();
            assertThat(server.objects(bucket)).isEqualTo(List.of("backups/b1/db.pgdump"));
        }
    }
}
