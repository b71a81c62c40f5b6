package io.junction.connect.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StationConfig;
import io.junction.connect.Connector;

/**
 * Deliveries per second of http-sink against a local endpoint that answers 204 at once: not a unit test (it asserts
 * nothing and runs only when asked):
 *
 * <pre>
 * ./mvnw -B -ntp -o -q -pl junction-connect -am test -Dtest=HttpSinkBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djunction.bench=true [-Dbench.messages=50000] [-Dbench.keys=1000] [-Dbench.concurrency=16,64]
 * </pre>
 *
 * The messages (100-byte JSON values, {@code bench.keys} keys, 4 partitions) are produced first; the clock runs from
 * {@link Connector#start()} until the group's lag is 0 (every ack applied). The endpoint (a JDK HttpServer that
 * reads the body and answers 204) shares the machine; a bare JDK client posting as many requests with the same
 * concurrency, without the broker, is measured after each run as the baseline.
 */
@EnabledIfSystemProperty(named = "junction.bench", matches = "true")
class HttpSinkBenchmark {

    @TempDir
    Path dir;

    @Test
    void deliveriesPerSecond() throws Exception {
        int messages = Integer.getInteger("bench.messages", 50_000);
        int keys = Integer.getInteger("bench.keys", 1000);
        String[] concurrencies = System.getProperty("bench.concurrency", "16,64").split(",");
        HttpServer server = noOpEndpoint();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        try (Broker broker = Broker.open(BrokerConfig.defaults(dir.resolve("data")))) {
            broker.createStation(Broker.DEFAULT_TENANT, "bench", new StationConfig(4,
                    StationConfig.DEFAULT_RETENTION_AGE, 0, 0, StationConfig.DEFAULT_ACK_TIMEOUT, 5));
            String value = "{\"id\": 1234567, \"name\": \"Ada Lovelace\", \"team\": \"engines\", \"pad\": \""
                    + "x".repeat(30) + "\"}";
            List<OutgoingMessage> batch = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                batch.add(OutgoingMessage.of(("emp-" + i % keys).getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8)));
                if (batch.size() == 500) {
                    broker.produce(Broker.DEFAULT_TENANT, "bench", batch).join();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                broker.produce(Broker.DEFAULT_TENANT, "bench", batch).join();
            }
            for (int run = 0; run < concurrencies.length; run++) {
                String c = concurrencies[run];
                String group = "g" + run + "-" + c.strip();
                TestContext context = new TestContext(broker, "bench-" + group, Map.of("station", "bench", "group",
                        group, "url", url.toString(), "max-concurrency", c.strip()), Map.of(),
                        dir.resolve("state"));
                Connector sink = new HttpSinkType().create(context);
                long t0 = System.nanoTime();
                sink.start();
                while (lag(broker, group) != 0) {
                    Thread.sleep(2);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                sink.stop();
                System.out.printf("http-sink: %d messages, %d keys, max-concurrency %s: %.2f s, %.0f deliveries/s%n",
                        messages, keys, c.strip(), seconds, messages / seconds);
                rawClient(url, messages, Integer.parseInt(c.strip()), value.getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    /** An endpoint that reads the body and answers 204: the least an endpoint can do. */
    private static HttpServer noOpEndpoint() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        return server;
    }

    /** The baseline: the same number of POSTs by a bare JDK client with the same concurrency, no broker. */
    private static void rawClient(URI url, int messages, int concurrency, byte[] body) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Semaphore slots = new Semaphore(concurrency);
            HttpRequest request = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("Content-Type", "application/json").build();
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                slots.acquire();
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> slots.release());
            }
            slots.acquire(concurrency);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("bare JDK HttpClient: %d POSTs, concurrency %d: %.2f s, %.0f requests/s%n", messages,
                    concurrency, seconds, messages / seconds);
        }
    }

    private static long lag(Broker broker, String group) {
        return broker.listGroups(Broker.DEFAULT_TENANT, "bench").stream().filter(g -> g.name().equals(group))
                .mapToLong(g -> g.lag()).findFirst().orElse(-1);
    }
}
