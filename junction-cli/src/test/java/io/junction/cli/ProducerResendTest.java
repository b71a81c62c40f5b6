package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Producer;
import io.junction.client.Receipt;
import io.junction.client.StationOptions;
import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client's automatic resends (issue #4, point 3): the network loses the broker's answers, then breaks;
 * the producer reconnects and sends again what was not acknowledged — which the broker had stored. With the
 * idempotent producer (the default) each message is stored once; without it, the same run stores duplicates
 * (which shows that the run does provoke resends of stored batches).
 */
@SuppressWarnings("try") // the consumer is opened in try-with-resources only to be closed
class ProducerResendTest {

    private static final int MESSAGES = 4000;

    @TempDir
    Path dir;

    private JunctionServer server;
    private CuttingProxy proxy;
    private JunctionClient client;

    @BeforeEach
    void start() throws Exception {
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0)
                .build());
        proxy = new CuttingProxy(server.grpcPort());
        client = JunctionClient.builder().server("127.0.0.1:" + proxy.port()).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        proxy.close();
        server.close();
    }

    @Test
    void shouldStoreEveryMessageOnceThroughResendsWhenIdempotent() throws Exception {
        Map<String, Integer> copies = run("safe", true);
        assertThat(copies).hasSize(MESSAGES);
        assertThat(copies.values()).as("each message stored once").containsOnly(1);
    }

    @Test
    void shouldStoreDuplicatesThroughTheSameResendsWhenNotIdempotent() throws Exception {
        Map<String, Integer> copies = run("unsafe", false);
        assertThat(copies).hasSize(MESSAGES);
        assertThat(copies.values()).as("the run resends stored batches").anyMatch(n -> n > 1);
    }

    /** Sends MESSAGES messages (half keyed) while the proxy loses answers and cuts 4 times; counts the copies. */
    private Map<String, Integer> run(String station, boolean idempotent) throws Exception {
        client.createStation(station, StationOptions.builder().partitions(3).build());
        List<CompletableFuture<Receipt>> sends = new ArrayList<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread cutter = new Thread(() -> {
            try {
                for (int i = 0; i < 4 && sending.get(); i++) {
                    Thread.sleep(150);
                    proxy.loseAnswersThenCut(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Producer producer = client.producer(station).linger(Duration.ofMillis(1)).batchMessages(50)
                .idempotent(idempotent).build()) {
            cutter.start();
            for (int i = 0; i < MESSAGES; i++) {
                Message.Builder m = Message.builder().value("v-" + i);
                sends.add(producer.send(i % 2 == 0 ? m.key("k-" + i % 7).build() : m.build()));
                if (i % 10 == 0) {
                    Thread.sleep(1); // spread the sends over the cuts
                }
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            sending.set(false);
            cutter.join();
        }
        long stored = client.station(station).messages();
        Map<String, Integer> copies = new ConcurrentHashMap<>();
        try (Consumer all = client.consumer(station, "audit").prefetch(1000).handler(m -> {
            copies.merge(m.valueAsString(), 1, Integer::sum);
            m.ack();
        }).build().start()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (copies.values().stream().mapToInt(Integer::intValue).sum() < stored
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        return copies;
    }
}
