package io.junction.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A measuring instrument, not an object store: an HTTP endpoint on loopback that speaks just enough of the S3 API
 * for the broker's uploads to succeed, and keeps almost nothing. It reads every request body to the end (so the
 * broker sends every byte, as to S3) and drops bodies over 64 KiB; small objects (the broker's start-up probe and
 * its mirrored manifests) are kept so that they can be read back. It checks no signature and costs this machine
 * little CPU: with it, a produce benchmark shows what uploading costs the <em>broker</em>, as with an S3 on
 * another machine, where S3Proxy on the same two cores shows that plus the server's own work.
 *
 * <p>Never use it for anything but {@code junction-bench/run tier --store discard}: nothing uploaded to it can
 * be read back.
 */
final class DiscardS3 implements AutoCloseable {

    /** Its threads' names start with this (the benchmark measures their CPU). */
    static final String THREAD_PREFIX = "discard-s3-";

    private static final int KEEP_AT_MOST = 64 << 10;

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4,
            Thread.ofPlatform().name(THREAD_PREFIX, 0).daemon().factory());
    private final Map<String, byte[]> small = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();

    private DiscardS3(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    static DiscardS3 start() throws IOException {
        return new DiscardS3(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64));
    }

    /**
     * The same endpoint over TLS, as S3 itself is reached: a self-signed certificate for 127.0.0.1 made in
     * {@code dir} with the JDK's keytool, and this JVM told to trust it ({@code javax.net.ssl.trustStore}: the
     * broker's S3 client takes its trust from there). Over HTTPS the AWS SDK signs no payload; over plain HTTP it
     * hashes every body with SHA-256 to sign it, a cost S3 over HTTPS does not have (TLS has its own).
     */
    static DiscardS3 startHttps(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        Path keys = dir.resolve("discard-s3-keys.p12");
        Path cert = dir.resolve("discard-s3.pem");
        Path trust = dir.resolve("discard-s3-trust.p12");
        for (Path p : List.of(keys, cert, trust)) {
            Files.deleteIfExists(p);
        }
        keytool("-genkeypair", "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                keys.toString(), "-storepass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "s3", "-keystore", keys.toString(), "-storepass", STORE_PASSWORD,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "s3", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trust.toString(), "-storepass", STORE_PASSWORD);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keys)) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, STORE_PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        System.setProperty("javax.net.ssl.trustStore", trust.toAbsolutePath().toString());
        System.setProperty("javax.net.ssl.trustStorePassword", STORE_PASSWORD);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new DiscardS3(server);
    }

    private static final String STORE_PASSWORD = "discard-s3";

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + out);
        }
    }

    URI endpoint() {
        return URI.create((server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort());
    }

    /** Body bytes read so far. */
    long receivedBytes() {
        return received.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            switch (exchange.getRequestMethod()) {
                case "PUT" -> {
                    byte[] body = readBody(exchange.getRequestBody());
                    if (body != null) {
                        small.put(path, body);
                    } else {
                        small.remove(path);
                    }
                    exchange.getResponseHeaders().add("ETag", "\"0\"");
                    exchange.sendResponseHeaders(200, -1);
                }
                case "GET" -> {
                    if (query != null && query.contains("list-type=2")) {
                        // the broker lists a partition's objects once, to find orphans: there are none to keep
                        send(exchange, 200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>"
                                + "<IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>");
                        return;
                    }
                    byte[] kept = small.get(path);
                    if (kept == null) {
                        send(exchange, 404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                                + "<Message>discarded or never written</Message></Error>");
                        return;
                    }
                    exchange.sendResponseHeaders(200, kept.length);
                    exchange.getResponseBody().write(kept);
                }
                case "DELETE" -> {
                    small.remove(path);
                    exchange.sendResponseHeaders(204, -1);
                }
                default -> exchange.sendResponseHeaders(200, -1); // HEAD of the bucket and the like
            }
        }
    }

    /** Reads the body to its end; returns it when small enough to keep, null otherwise. */
    private byte[] readBody(InputStream in) throws IOException {
        byte[] buffer = new byte[KEEP_AT_MOST + 1];
        int n = in.readNBytes(buffer, 0, buffer.length);
        long total = n;
        if (n <= KEEP_AT_MOST) {
            received.addAndGet(total);
            return java.util.Arrays.copyOf(buffer, n);
        }
        for (int r; (r = in.read(buffer)) > 0; ) {
            total += r;
        }
        received.addAndGet(total);
        return null;
    }

    private static void send(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
