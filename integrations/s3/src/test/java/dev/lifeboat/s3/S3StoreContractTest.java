package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.store.Store;
import dev.lifeboat.testing.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * S3Store against the store contract, on S3Proxy: a fresh bucket per test, a prefix (so every key is mapped
 * and stripped back), 5 MiB parts (so the contract's "large" objects are multipart uploads). After each test
 * no multipart upload may be left in the bucket.
 */
class S3StoreContractTest extends StoreContract {
    @RegisterExtension
    static final S3ProxyServer.PerClass S3 = new S3ProxyServer.PerClass();
    String bucket;

    @Override
    protected Store newStore() {
        bucket = S3.server().newBucket();
        // more attempts than the fault tests: with connections reused across 8 writers, the JDK client now and
        // then sends a PUT on a connection S3Proxy has just closed (a transient error the store retries)
        return S3.server().store(bucket).prefix("apps/shop/").retry(8, Duration.ofMillis(10));
    }

    @AfterEach
    void noIncompleteUploadsLeft() {
        assertThat(S3.server().uploads(bucket)).as("incomplete multipart uploads").isEmpty();
        assertThat(S3.server().objects(bucket)).allMatch(k -> k.startsWith("apps/shop/"));
    }
}
