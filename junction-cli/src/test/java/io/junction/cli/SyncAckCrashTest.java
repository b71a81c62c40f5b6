package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import io.junction.client.Message;
import io.junction.client.Producer;
import io.junction.client.Receipt;
import io.junction.client.StationOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync acks over the wire through kill -9: a server in a child JVM ({@code junction server}) is killed with SIGKILL
 * while a consumer in this JVM sync-acks messages; after a restart on the same data directory, the group never
 * gets a message whose {@code ackSync()} returned, and gets every one it had not tried to ack (nothing is lost; an
 * ack sent but not confirmed before the kill may have gone either way).
 */
@SuppressWarnings("try") // the second consumer is opened in try-with-resources only to be closed
class SyncAckCrashTest {

    private static final int TOTAL = 300;

    @TempDir
    Path dir;

    @Test
    void shouldNeverRedeliverAMessageWhoseAckSyncReturnedAfterKillMinus9OfTheServer() throws Exception {
        String fixed = System.getProperty("syncackcrash.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("SyncAckCrashTest: seed=" + seed + " (replay with -Dsyncackcrash.seed=" + seed + ")");
        Random random = new Random(seed);
        Set<String> attempted = ConcurrentHashMap.newKeySet(); // ackSync called: acked or not, unknown
        Set<String> confirmed = ConcurrentHashMap.newKeySet(); // ackSync returned
        int killAfter = 20 + random.nextInt(TOTAL / 2);

        int port = freePort();
        Process child = startServer(port);
        try (JunctionClient client = connect(port)) {
            client.createStation("orders", StationOptions.defaults());
            try (Producer producer = client.producer("orders").linger(Duration.ofMillis(2)).build()) {
                List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
                for (int i = 0; i < TOTAL; i++) {
                    receipts.add(producer.send(Message.of("m" + i)));
                }
                for (CompletableFuture<Receipt> r : receipts) {
                    r.get(30, TimeUnit.SECONDS);
                }
            }
            Consumer consumer = client.consumer("orders", "g").prefetch(10).handler(m -> {
                try {
                    attempted.add(m.valueAsString());
                    m.ackSync();
                    confirmed.add(m.valueAsString());
                } catch (JunctionException e) {
                    // the server died before confirming: this ack's fate is unknown
                }
            }).build().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (confirmed.size() < killAfter && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(confirmed.size()).as("sync acks confirmed before the kill").isGreaterThanOrEqualTo(killAfter);
            child.destroyForcibly(); // SIGKILL, in the middle of the sync acks
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            consumer.close();
        } finally {
            child.destroyForcibly();
        }

        Set<String> confirmedBeforeKill = Set.copyOf(confirmed);
        port = freePort();
        child = startServer(port);
        try (JunctionClient client = connect(port)) {
            Set<String> again = ConcurrentHashMap.newKeySet();
            try (Consumer consumer = client.consumer("orders", "g").handler(m -> {
                again.add(m.valueAsString());
                m.ackSync();
            }).build().start()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (client.group("orders", "g").lag() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(client.group("orders", "g").lag()).as("seed %d: lag after the restart", seed).isZero();
            }
            assertThat(again).as("seed %d: delivered again although their ackSync returned", seed)
                    .doesNotContainAnyElementsOf(confirmedBeforeKill);
            for (int i = 0; i < TOTAL; i++) {
                String value = "m" + i;
                if (!attempted.contains(value)) { // never acked before the kill: it must come after the restart
                    assertThat(again).as("seed %d: lost", seed).contains(value);
                }
            }
            System.out.println("SyncAckCrashTest: " + confirmedBeforeKill.size() + " confirmed before the kill, "
                    + again.size() + " delivered after the restart");
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process startServer(int port) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "server",
                "--data", dir.toString(), "--port", Integer.toString(port), "--http-port", "0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** A client once the server answers (the child JVM takes a moment to start). */
    private static JunctionClient connect(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JunctionClient client = JunctionClient.builder().server("127.0.0.1:" + port)
                    .callTimeout(Duration.ofSeconds(5)).build();
            try {
                client.stations();
                return client;
            } catch (JunctionException e) {
                client.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
