package dev.lifeboat.s3;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A loopback HTTP/1.1 relay in front of S3Proxy that can break chosen requests: answer with an error (after
 * reading the body, as a server would), reset the connection in the middle of the request body or of the
 * answer's body, or delay before forwarding. Plain sockets, one request per connection ({@code Connection: close}), so the relay
 * needs to understand only request framing. It records every exchange: what the client sent (method, path,
 * query, headers, body size) and how it was answered.
 *
 * <p>The client signs its requests for the proxy's host:port; the relay forwards the Host header unchanged,
 * and S3Proxy verifies signatures against the Host header it receives, so signatures stay valid.
 */
final class FaultProxy implements AutoCloseable {
    /** What to do with one request. */
    sealed interface Fault permits Forward, Respond, ResetMidBody, Delay, LoseResponse, CutResponseBody, SlowBody {}

    /** Forward to S3Proxy unchanged. */
    record Forward() implements Fault {}

    /** Read the request body, then answer with this status and body instead of forwarding. */
    record Respond(int status, String body) implements Fault {}

    /**
     * Read the request body at most this fast (a slow link), then answer with this status and body. The exchange is
     * logged with the bytes read even when the client gives up sending (status -1 then).
     */
    record SlowBody(long bytesPerSecond, int status, String body) implements Fault {}

    /** Read this many bytes of the request body, then reset the connection (TCP RST). */
    record ResetMidBody(long afterBytes) implements Fault {}

    /** Wait, then forward. */
    record Delay(long millis) implements Fault {}

    /** Forward, let S3Proxy carry the request out, then reset the client's connection instead of answering. */
    record LoseResponse() implements Fault {}

    /** Forward, relay the answer's head and this many bytes of its body, then reset the connection. */
    record CutResponseBody(long afterBytes) implements Fault {}

    static final Fault FORWARD = new Forward();

    /** One request as the proxy saw it, and what it answered. */
    record Exchange(String method, String path, Map<String, String> query, Map<String, String> headers,
            Fault fault, int status, long bodyBytes) {
        boolean isUploadPart() {
            return method.equals("PUT") && query.containsKey("partNumber") && query.containsKey("uploadId");
        }

        int partNumber() {
            return Integer.parseInt(query.get("partNumber"));
        }

        boolean isCreateMultipart() {
            return method.equals("POST") && query.containsKey("uploads");
        }

        boolean isCompleteMultipart() {
            return method.equals("POST") && query.containsKey("uploadId");
        }

        boolean isAbortMultipart() {
            return method.equals("DELETE") && query.containsKey("uploadId");
        }

        /** ListObjectsV2 of the bucket (GET on the bucket itself with list-type=2). */
        boolean isListObjects() {
            return method.equals("GET") && "2".equals(query.get("list-type"));
        }

        boolean isPutObject() {
            return method.equals("PUT") && !query.containsKey("uploadId") && path.split("/").length > 2;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A request before it is answered, for fault rules. */
    record Request(String method, String path, Map<String, String> query, Map<String, String> headers) {
        Exchange asExchange() {
            return new Exchange(method, path, query, headers, FORWARD, 0, 0);
        }
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentLinkedQueue<Exchange> log = new ConcurrentLinkedQueue<>();
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Function<Request, Fault> rules = r -> FORWARD;

    FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::acceptLoop);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Sets the rule deciding each request's fault (called concurrently; keep it thread-safe). */
    void rules(Function<Request, Fault> rules) {
        this.rules = rules;
    }

    List<Exchange> exchanges() {
        return new ArrayList<>(log);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                threads.execute(() -> handle(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String target = requestLine[1];
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            Map<String, String> query = query(target);
            Request request = new Request(method, path, query, headers);
            Fault fault = rules.apply(request);
            boolean expectContinue = "100-continue".equalsIgnoreCase(headers.get("expect"));
            long length = headers.containsKey("content-length") ? Long.parseLong(headers.get("content-length")) : 0;
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));

            if (fault instanceof Respond r) {
                if (expectContinue) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                long read = chunked ? copyChunked(in, OutputStream.nullOutputStream()) : copy(in, OutputStream.nullOutputStream(), length);
                answer(out, r.status(), r.body());
                log.add(new Exchange(method, path, query, headers, fault, r.status(), read));
                return;
            }
            if (fault instanceof SlowBody slow) {
                if (expectContinue) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                long read = 0;
                byte[] buf = new byte[16 * 1024];
                long started = System.nanoTime();
                try {
                    while (read < length) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, length - read));
                        if (n < 0) {
                            break;
                        }
                        read += n;
                        long due = started + read * 1_000_000_000L / slow.bytesPerSecond();
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                } catch (IOException e) {
                    // the client stopped sending
                }
                if (read < length) {
                    log.add(new Exchange(method, path, query, headers, fault, -1, read));
                    return;
                }
                answer(out, slow.status(), slow.body());
                log.add(new Exchange(method, path, query, headers, fault, slow.status(), read));
                return;
            }
            if (fault instanceof ResetMidBody reset) {
                if (expectContinue) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                long read = copy(in, OutputStream.nullOutputStream(), Math.min(reset.afterBytes(), length));
                client.setSoLinger(true, 0); // close() now sends RST
                log.add(new Exchange(method, path, query, headers, fault, -1, read));
                return;
            }
            if (fault instanceof Delay d) {
                Thread.sleep(d.millis());
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                open.add(upstream);
                upstream.setSoTimeout(60_000);
                OutputStream up = upstream.getOutputStream();
                StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
                for (int i = 1; i < lines.length; i++) {
                    String name = lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT);
                    if (!name.equals("connection") && !name.equals("expect") && !name.equals("keep-alive")) {
                        forwarded.append(lines[i]).append("\r\n");
                    }
                }
                forwarded.append("Connection: close\r\n\r\n");
                up.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (expectContinue) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                long sent = chunked ? copyChunked(in, up) : copy(in, up, length);
                up.flush();
                InputStream upIn = new BufferedInputStream(upstream.getInputStream());
                String responseHead = readHead(upIn);
                if (responseHead == null) {
                    log.add(new Exchange(method, path, query, headers, fault, -1, sent));
                    return;
                }
                int status = Integer.parseInt(responseHead.split(" ")[1]);
                if (fault instanceof LoseResponse) {
                    // logged first: the server's answer is known from its head, and draining the rest may end in a
                    // reset (the server closing its side), which must not lose the record of the exchange
                    log.add(new Exchange(method, path, query, headers, fault, status, sent));
                    client.setSoLinger(true, 0);
                    upIn.transferTo(OutputStream.nullOutputStream());
                    return;
                }
                out.write((responseHead + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                if (fault instanceof CutResponseBody cut) {
                    copy(upIn, out, cut.afterBytes());
                    out.flush();
                    client.setSoLinger(true, 0);
                    log.add(new Exchange(method, path, query, headers, fault, status, sent));
                    return;
                }
                upIn.transferTo(out);
                out.flush();
                log.add(new Exchange(method, path, query, headers, fault, status, sent));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the client went away or the upstream failed: the connection just closes
        } finally {
            open.remove(client);
        }
    }

    /** Answers with {@code status} and an XML {@code body} in place of the service. */
    private static void answer(OutputStream out, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " Fault\r\nContent-Type: application/xml\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /** Reads up to the blank line; returns the head without it, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            buf.write(b);
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1, 3 -> b == '\n' ? state + 1 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
        }
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
    }

    private static long copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long done = 0;
        while (done < length) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
            if (n < 0) {
                throw new IOException("request body ended early");
            }
            out.write(buf, 0, n);
            done += n;
        }
        return done;
    }

    private static long copyChunked(InputStream in, OutputStream out) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                String trailer;
                while (!(trailer = readLine(in)).isEmpty()) {
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                return total;
            }
            total += copy(in, out, size);
            readLine(in);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    private static Map<String, String> query(String target) {
        Map<String, String> q = new LinkedHashMap<>();
        int i = target.indexOf('?');
        if (i < 0) {
            return q;
        }
        for (String pair : target.substring(i + 1).split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
        for (Socket s : open) {
            s.close(); // handlers blocked in reads of abandoned connections end now
        }
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String s3Error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>fault-proxy</RequestId></Error>";
    }

}
