package dev.lifeboat.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.StoreException;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.s3.S3Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A service that accepts a request and then stops reading its body (a hung server, a zero TCP window): the socket
 * timeout covers reads only, so without a limit on each attempt the upload, and the backup, would wait forever.
 */
class StalledUploadTest {
    final List<Socket> held = new CopyOnWriteArrayList<>();
    ServerSocket server;

    @AfterEach
    void tearDown() throws IOException {
        S3Writer.minBytesPerSecond = 32 * 1024;
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without the limit it hangs: fail instead
    void anUploadToAServiceThatStopsReadingFailsWithinItsAttemptTimeouts() throws Exception {
        server = new ServerSocket();
        server.setReceiveBufferSize(4096);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    held.add(server.accept()); // never read from, never answered
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "stalled-service");
        acceptor.setDaemon(true);
        acceptor.start();
        // each attempt may take the 1 s timeout plus the body at 8 MiB/s: 20 MiB → 3.5 s; two attempts
        S3Writer.minBytesPerSecond = 8L << 20;
        S3Store store = S3Store.bucket("stalled").endpoint(URI.create("http://127.0.0.1:" + server.getLocalPort()))
                .pathStyle(true).credentials("AKIATEST", Secret.of("not-a-real-secret")).partSize(32L << 20)
                .timeout(Duration.ofSeconds(1)).retry(2, Duration.ofMillis(10));

        long t0 = System.nanoTime();
        Throwable failure;
        try (store; ObjectWriter w = store.write("db.pgdump")) {
            w.stream().write(new byte[20 << 20]); // below the part size: one PUT with a 20 MiB body
            failure = catchThrowable(w::commit);
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("store");
        assertThat(((StoreException) failure).isTransient()).as("a timeout may pass: transient").isTrue();
        assertThat(seconds).as("two attempts of ≈ 3.5 s, not forever").isLessThan(30);
        assertThat(held).as("each attempt on its own connection").hasSizeGreaterThanOrEqualTo(2);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
