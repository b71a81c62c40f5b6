package io.junction.connect.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The endpoint of a test: a JDK HTTP server on 127.0.0.1 that records every request (headers, body, the answer it
 * decided on, when) and answers as the test's {@link Responder} says. Tracks requests in progress, overall and per
 * message key, to check the sink's concurrency and per-key order. Thread-safe.
 */
final class Receiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received, and the answer given; {@code concurrentForKey}: its key's requests in progress. */
    record Request(Map<String, String> headers, byte[] body, JsonNode json, int status, long receivedNanos,
            int concurrent, int concurrentForKey) {

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        String key() {
            return json.path("key").asText(null);
        }
    }

    /** The answer to a request: status, body, extra headers, and how long to wait before answering. */
    record Answer(int status, String body, Map<String, String> headers, long delayMs) {

        static Answer of(int status) {
            return new Answer(status, "", Map.of(), 0);
        }
    }

    /** Decides the answer to a request (its number from 0 and its parsed body); called concurrently. */
    interface Responder {
        Answer answer(int index, JsonNode body);
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(64);
    private final List<Request> requests = new ArrayList<>(); // guarded by itself
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicInteger maxInProgress = new AtomicInteger();
    private final Map<String, AtomicInteger> inProgressByKey = new ConcurrentHashMap<>();
    private volatile Responder responder = (i, body) -> Answer.of(200);

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    void respond(Responder r) {
        responder = r;
    }

    /**
     * Counts the request in progress from its arrival until its answer is about to be sent (not until the exchange
     * ends: the sink may already have the answer and send the next request before this thread gets further).
     */
    private void handle(HttpExchange exchange) throws IOException {
        int now = inProgress.incrementAndGet();
        maxInProgress.accumulateAndGet(now, Math::max);
        AtomicInteger forKey = null;
        boolean counted = true;
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            JsonNode json = JSON.readTree(body);
            String key = json.path("key").asText("");
            forKey = inProgressByKey.computeIfAbsent(key, k -> new AtomicInteger());
            int keyNow = forKey.incrementAndGet();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT),
                    String.join(",", v)));
            Answer answer;
            // The answer is decided, and recorded, on arrival: the order the receiver acts in.
            synchronized (requests) {
                answer = responder.answer(requests.size(), json);
                requests.add(new Request(headers, body, json, answer.status(), System.nanoTime(), now, keyNow));
            }
            if (answer.delayMs() > 0) {
                try {
                    Thread.sleep(answer.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = answer.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            counted = false;
            forKey.decrementAndGet();
            inProgress.decrementAndGet();
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(out);
                }
            }
        } catch (IOException e) {
            // the sink gave up on the request (timeout, stop): nothing to answer
        } finally {
            if (counted) {
                if (forKey != null) {
                    forKey.decrementAndGet();
                }
                inProgress.decrementAndGet();
            }
        }
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    int count() {
        synchronized (requests) {
            return requests.size();
        }
    }

    int inProgress() {
        return inProgress.get();
    }

    int maxInProgress() {
        return maxInProgress.get();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
