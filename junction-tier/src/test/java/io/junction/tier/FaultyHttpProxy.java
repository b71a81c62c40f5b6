package io.junction.tier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP/1.1 forwarding proxy on loopback, put between an S3 client and a server
 * ({@link S3ProxyServer}) by pointing the client's endpoint at {@link #endpoint()}.
 *
 * <p>Design note: one request per client connection. The request head is read and parsed, the body (by
 * Content-Length or chunked) relayed, and the request forwarded with {@code Connection: close}; the upstream's
 * answer is relayed byte for byte until it closes (it says {@code Connection: close} itself, so the client does
 * not reuse the connection). That keeps framing simple and correct. {@code Expect: 100-continue} is answered here.
 *
 * <p>Switches, effective for requests that arrive after the call: {@link #failNext} / {@link #failAll} answer with
 * a status and an S3-style XML error without forwarding; {@link #delay} holds each request before handling it;
 * {@link #refuse} closes each connection at once; {@link #heal} clears them all.
 *
 * <p>Threads: an accept thread and a virtual thread per connection; the switches and counters are thread-safe.
 */
public final class FaultyHttpProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("connection", "keep-alive", "proxy-connection", "expect");

    private final InetSocketAddress upstream;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus;
    private volatile boolean failAll;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean refuse;

    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger forwarded = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    private FaultyHttpProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("faulty-proxy-" + server.getLocalPort())
                .start(this::acceptLoop);
    }

    /** A proxy on a free loopback port forwarding to {@code upstream} (an {@code http://host:port} URI). */
    public static FaultyHttpProxy start(URI upstream) throws IOException {
        return new FaultyHttpProxy(new InetSocketAddress(upstream.getHost(), upstream.getPort()));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The next {@code n} requests are answered with {@code status} (and an S3 XML error), not forwarded. */
    public void failNext(int n, int status) {
        failStatus = status;
        failNext.set(n);
    }

    /** Every request is answered with {@code status} until {@link #heal()}. */
    public void failAll(int status) {
        failStatus = status;
        failAll = true;
    }

    /** Holds each request this long before handling it (for timeouts). */
    public void delay(Duration hold) {
        delay = hold;
    }

    /** Closes each new connection at once, reading nothing. */
    public void refuse(boolean on) {
        refuse = on;
    }

    /** Clears every fault: requests are forwarded again. */
    public void heal() {
        failAll = false;
        failNext.set(0);
        delay = Duration.ZERO;
        refuse = false;
    }

    /** Requests whose head was read (failed, forwarded or given up by the client). */
    public int requestsSeen() {
        return requests.get();
    }

    public int requestsForwarded() {
        return forwarded.get();
    }

    public int requestsFailed() {
        return failed.get();
    }

    public int connectionsRefused() {
        return refused.get();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        acceptor.interrupt();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refuse) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            open.add(client);
            Thread.ofVirtual().start(() -> {
                try {
                    serve(client);
                } catch (IOException | InterruptedException e) {
                    // the client or upstream went away, or the proxy closed: that connection ends
                } finally {
                    open.remove(client);
                    closeQuietly(client);
                }
            });
        }
    }

    private void serve(Socket client) throws IOException, InterruptedException {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        Head head = Head.read(in);
        if (head == null) {
            return;
        }
        requests.incrementAndGet();
        Duration hold = delay;
        if (!hold.isZero()) {
            Thread.sleep(hold);
        }
        if (failAll || failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            failed.incrementAndGet();
            if (!head.expectsContinue()) {
                copyBody(head, in, OutputStream.nullOutputStream()); // read it all, so closing sends no reset
            }
            out.write(errorResponse(failStatus));
            out.flush();
            return;
        }
        try (Socket up = new Socket(upstream.getAddress(), upstream.getPort())) {
            open.add(up);
            OutputStream upOut = up.getOutputStream();
            upOut.write(head.forwarded());
            if (head.expectsContinue()) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            copyBody(head, in, upOut);
            upOut.flush();
            forwarded.incrementAndGet();
            up.getInputStream().transferTo(out); // the upstream closes after its answer
            out.flush();
        } finally {
            open.removeIf(Socket::isClosed);
        }
    }

    private static byte[] errorResponse(int status) {
        String code = switch (status) {
            case 500 -> "InternalError";
            case 503 -> "SlowDown";
            case 403 -> "AccessDenied";
            case 404 -> "NoSuchKey";
            default -> "InjectedFault";
        };
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + "injected by FaultyHttpProxy</Message><RequestId>faulty-proxy</RequestId></Error>";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " Injected\r\nContent-Type: application/xml\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    /** Relays a request body framed by Content-Length or chunked transfer coding, framing included. */
    private static void copyBody(Head head, InputStream in, OutputStream out) throws IOException {
        if (head.chunked()) {
            while (true) {
                String sizeLine = requireLine(in);
                out.write((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (size == 0) {
                    String trailer;
                    do {
                        trailer = requireLine(in);
                        out.write((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    } while (!trailer.isEmpty());
                    return;
                }
                copyExactly(in, out, size);
                out.write((requireLine(in) + "\r\n").getBytes(StandardCharsets.US_ASCII)); // the CRLF after the data
            }
        }
        copyExactly(in, out, head.contentLength());
    }

    private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (r < 0) {
                throw new IOException("the client closed mid-body, " + left + " bytes short");
            }
            out.write(buffer, 0, r);
            left -= r;
        }
    }

    /** A line ending in CRLF (or LF), without it; null at end of stream before any byte. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static String requireLine(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            throw new IOException("the client closed mid-body");
        }
        return line;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** A request line and its headers, in order. */
    private record Head(String requestLine, List<String[]> headers) {

        static Head read(InputStream in) throws IOException {
            String requestLine = readLine(in);
            if (requestLine == null || requestLine.isEmpty()) {
                return null;
            }
            List<String[]> headers = new ArrayList<>();
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {line.substring(0, colon).strip(), line.substring(colon + 1).strip()});
                }
            }
            return new Head(requestLine, headers);
        }

        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        boolean chunked() {
            String te = header("Transfer-Encoding");
            return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
        }

        long contentLength() {
            String cl = header("Content-Length");
            return cl == null ? 0 : Long.parseLong(cl);
        }

        boolean expectsContinue() {
            String expect = header("Expect");
            return expect != null && expect.equalsIgnoreCase("100-continue");
        }

        /** The head to send upstream: hop-by-hop headers dropped, {@code Connection: close} added. */
        byte[] forwarded() {
            StringBuilder s = new StringBuilder(requestLine).append("\r\n");
            for (String[] h : headers) {
                if (!HOP_HEADERS.contains(h[0].toLowerCase(Locale.ROOT))) {
                    s.append(h[0]).append(": ").append(h[1]).append("\r\n");
                }
            }
            s.append("Connection: close\r\n\r\n");
            return s.toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
