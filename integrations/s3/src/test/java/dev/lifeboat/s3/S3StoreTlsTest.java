package dev.lifeboat.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.StoreException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint whose TLS certificate the JVM does not trust (here: self-signed, made by keytool) fails every
 * request at once, as a permanent error that says what to fix: retrying would meet the same certificate.
 */
class S3StoreTlsTest {
    @TempDir
    Path dir;

    @Test
    void anUntrustedCertificateIsAPermanentErrorNamedAsSuch() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "s3", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        AtomicInteger handshakes = new AtomicInteger();
        try (SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (SSLSocket s = (SSLSocket) server.accept()) {
                        handshakes.incrementAndGet();
                        s.startHandshake(); // the client refuses the certificate
                    } catch (Exception e) {
                        // expected: the client aborts the handshake; or the server socket closed
                    }
                }
            }, "tls-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();

            URI endpoint = URI.create("https://127.0.0.1:" + server.getLocalPort());
            try (S3Store store = S3Store.bucket("backups").endpoint(endpoint).pathStyle(true)
                    .credentials("AKIAEXAMPLE", Secret.of("tls-test-secret-CANARY"))
                    .retry(5, Duration.ofMillis(10)).timeout(Duration.ofSeconds(10))) {
                List<Throwable> failures = List.of(
                        catchThrowable(() -> store.list("")),
                        catchThrowable(() -> store.stat("a")));
                for (Throwable t : failures) {
                    assertThat(t).isInstanceOf(StoreException.class);
                    StoreException e = (StoreException) t;
                    assertThat(e.isTransient()).as(e.getMessage()).isFalse();
                    assertThat(e.getMessage()).contains("s3://backups/", "TLS certificate is not accepted",
                            "trust store").doesNotContain("tls-test-secret");
                }
            }
            // one handshake per request: nothing was retried
            assertThat(handshakes.get()).isEqualTo(2);
        }
    }
}
