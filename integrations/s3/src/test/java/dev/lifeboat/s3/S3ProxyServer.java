package dev.lifeboat.s3;

import dev.lifeboat.api.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 protocol server in this JVM: S3Proxy 4.1.0 on a filesystem blob store, bound to 127.0.0.1 on a
 * random port, with SigV4 authentication. Tests get a fresh bucket each, and an admin client that talks to
 * it directly (never through a fault proxy) to check what really is stored.
 */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS_KEY = "lifeboat-test-access";
    /** A canary: it must never appear in an exception, a log line or a description. */
    static final String SECRET_KEY = "s3cr3t-CANARY-5f1e7a";
    static final long PART = 5L * 1024 * 1024;

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private final S3Proxy proxy;
    final URI endpoint;
    final S3Client admin;

    private S3ProxyServer(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.admin = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    static S3ProxyServer start(Path dir) throws Exception {
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("filesystem", p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        return new S3ProxyServer(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    int port() {
        return proxy.getPort();
    }

    /** Creates a new, empty bucket. */
    String newBucket() {
        String name = "bucket-" + BUCKETS.incrementAndGet();
        admin.createBucket(b -> b.bucket(name));
        return name;
    }

    /** A store on {@code bucket} through {@code endpoint}, with 5 MiB parts and quick retries. */
    static S3Store store(URI endpoint, String bucket) {
        return S3Store.bucket(bucket).endpoint(endpoint).pathStyle(true)
                .credentials(ACCESS_KEY, Secret.of(SECRET_KEY))
                .partSize(PART).parallelParts(2)
                .retry(4, Duration.ofMillis(10))
                .timeout(Duration.ofSeconds(20));
    }

    S3Store store(String bucket) {
        return store(endpoint, bucket);
    }

    /** The incomplete multipart uploads in {@code bucket}, as the server sees them. */
    List<MultipartUpload> uploads(String bucket) {
        return admin.listMultipartUploads(r -> r.bucket(bucket)).uploads();
    }

    /** Every object key in {@code bucket}, as the server sees them. */
    List<String> objects(String bucket) {
        return admin.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream()
                .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
    }

    @Override
    public void close() throws Exception {
        admin.close();
        proxy.stop();
    }

    /**
     * One server for a whole test class, on a directory of its own that is deleted afterwards:
     * {@code @RegisterExtension static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();}, then
     * {@code S3.server()} in the tests.
     */
    static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private Path dir;
        private S3ProxyServer server;

        S3ProxyServer server() {
            return server;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            dir = java.nio.file.Files.createTempDirectory("lifeboat-s3proxy-");
            server = start(dir);
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            try {
                server.close();
            } finally {
                dev.lifeboat.internal.io.Trees.deleteQuietly(dir);
            }
        }
    }
}
