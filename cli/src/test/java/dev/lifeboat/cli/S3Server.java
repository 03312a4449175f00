package dev.lifeboat.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/** S3Proxy on 127.0.0.1 (random port) over a filesystem blob store: the offsite store of the CLI tests. */
final class S3Server implements AutoCloseable {
    static final String ACCESS_KEY = "cli-access";
    static final String SECRET_KEY = "cli-s3-SECRET-canary-9d2c";

    private final S3Proxy proxy;

    private S3Server(S3Proxy proxy) {
        this.proxy = proxy;
    }

    static S3Server start(Path dir, String... buckets) throws Exception {
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        for (String b : buckets) {
            java.nio.file.Files.createDirectories(dir.resolve(b));
        }
        S3Proxy proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0")).ignoreUnknownHeaders(true).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        return new S3Server(proxy);
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** Store settings for {@code lifeboat.stores.<name>.*}. */
    String storeProperties(String name, String bucket, String prefix) {
        String k = "lifeboat.stores." + name + ".";
        return k + "type=s3\n" + k + "bucket=" + bucket + "\n" + k + "prefix=" + prefix + "\n" + k + "endpoint=" + endpoint()
                + "\n" + k + "path-style=true\n" + k + "region=us-east-1\n" + k + "access-key=" + ACCESS_KEY + "\n"
                + k + "secret-key=${OFFSITE_SECRET}\n";
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
