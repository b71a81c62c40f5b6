package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.junction.testing.ChildJvm;

/**
 * What the REST gateway answered holds across kill -9 of the broker: a produce answered with receipts is stored
 * (each receipt's partition and offset hold the value sent), an ack answered "settled" is never delivered again,
 * and every stored message that was not acked (nor in an ack whose answer the kill cut off: its fate is unknown)
 * is delivered again. Producers and a fetch-and-ack consumer run over REST until a SIGKILL at a random moment (the
 * seed is printed; {@code -Drestcrash.seed=N} replays the choices).
 */
class RestCrashTest {

    @TempDir
    Path dir;

    private record Ports(int grpc, int http) {
    }

    private ChildJvm start(AtomicReference<Ports> ports) throws Exception {
        ChildJvm child = ChildJvm.start(RestServerChild.class, line -> {
            if (line.startsWith("PORTS ")) {
                String[] f = line.split(" ");
                ports.set(new Ports(Integer.parseInt(f[1]), Integer.parseInt(f[2])));
            }
        }, dir.resolve("data").toString());
        assertThat(child.awaitReady()).as("the server started").isTrue();
        return child;
    }

    /** Whether every stored message is delivered or was in an ack sent before the kill (acked or not). */
    private static boolean everyUnackedDelivered(RestClient rest, Set<String> delivered, Set<String> ackSent) {
        for (JsonNode p : rest.get("/api/v1/stations/orders").json().path("partitions")) {
            for (long o = p.path("earliest_offset").asLong(); o < p.path("latest_offset").asLong(); o++) {
                String at = p.path("partition").asInt() + "-" + o;
                if (!delivered.contains(at) && !ackSent.contains(at)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void whatRestAnsweredSurvivesAKill() throws Exception {
        long seed = Long.getLong("restcrash.seed", System.nanoTime());
        System.out.println("RestCrashTest seed: " + seed + " (replay: -Drestcrash.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        AtomicReference<Ports> ports = new AtomicReference<>();
        ChildJvm child = start(ports);
        RestClient before = new RestClient(ports.get().http(), null);
        assertThat(before.post("/api/v1/stations", Map.of("name", "orders", "partitions", 2)).status()).isEqualTo(201);

        Map<String, String> stored = new ConcurrentHashMap<>(); // "partition-offset" → value, from receipts
        Set<String> acked = ConcurrentHashMap.newKeySet(); // "partition-offset" acked with "settled"
        Set<String> ackSent = ConcurrentHashMap.newKeySet(); // ... or in an ack sent (its answer may be lost)
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int batch = 0; !stop.get(); batch++) {
                    List<Map<String, Object>> messages = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        messages.add(Map.of("key", "k" + (i % 7), "value", "p" + producer + "-b" + batch + "-" + i));
                    }
                    RestClient.Answer answer;
                    try {
                        answer = before.post("/api/v1/stations/orders/messages", Map.of("messages", messages));
                    } catch (RuntimeException e) {
                        return; // the broker died: this batch's fate is unknown, it is not counted
                    }
                    if (answer.status() == 201) {
                        JsonNode receipts = answer.json().path("receipts");
                        for (int i = 0; i < receipts.size(); i++) {
                            stored.put(receipts.get(i).path("partition").asInt() + "-" + receipts.get(i)
                                    .path("offset").asLong(), (String) messages.get(i).get("value"));
                        }
                    }
                }
            }));
        }
        threads.add(Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    JsonNode got = before.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 50,
                            "wait_ms", 200)).json().path("messages");
                    List<String> ids = got.findValuesAsText("delivery_id");
                    if (ids.isEmpty()) {
                        continue;
                    }
                    for (String id : ids) {
                        String[] f = id.split("-");
                        ackSent.add(f[0] + "-" + f[1]);
                    }
                    JsonNode settled = before.post("/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids",
                            ids)).json();
                    Set<String> stale = new HashSet<>();
                    settled.path("stale").forEach(s -> stale.add(s.asText()));
                    for (String id : ids) {
                        if (!stale.contains(id)) {
                            String[] f = id.split("-");
                            acked.add(f[0] + "-" + f[1]);
                        }
                    }
                } catch (RuntimeException e) {
                    return;
                }
            }
        }));
        long until = System.nanoTime() + 500_000_000L + random.nextLong(2_500_000_000L);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        child.kill();
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
        Map<String, String> storedSnapshot = new HashMap<>(stored);
        Set<String> ackedSnapshot = new HashSet<>(acked);
        System.out.println("RestCrashTest: " + storedSnapshot.size() + " messages answered stored, "
                + ackedSnapshot.size() + " answered acked before the kill");
        assertThat(storedSnapshot).as("the producers got receipts before the kill").isNotEmpty();

        child = start(ports);
        try {
            RestClient rest = new RestClient(ports.get().http(), null);
            // Every answered produce is there, as sent.
            for (int p = 0; p < 2; p++) {
                long from = 0;
                while (true) {
                    JsonNode page = rest.get("/api/v1/stations/orders/messages?partition=" + p + "&from=" + from
                            + "&limit=1000").json();
                    for (JsonNode m : page.path("messages")) {
                        String at = p + "-" + m.path("offset").asLong();
                        if (storedSnapshot.containsKey(at)) {
                            assertThat(m.path("value").asText()).as(at).isEqualTo(storedSnapshot.get(at));
                            storedSnapshot.remove(at);
                        }
                    }
                    if (page.path("end_reached").asBoolean()) {
                        break;
                    }
                    from = page.path("next_offset").asLong();
                }
            }
            assertThat(storedSnapshot).as("answered stored, missing after the kill").isEmpty();

            // Every message acked is never delivered again; every other one is.
            long total = rest.get("/api/v1/stations/orders").json().path("messages").asLong();
            Set<String> delivered = new HashSet<>();
            // Until every stored message is acked or delivered; a message leased before the kill may wait for its
            // ack timeout (30 s) before it comes again, so the bound is two of them.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (delivered.size() + ackedSnapshot.size() < total && System.nanoTime() < deadline
                    && !everyUnackedDelivered(rest, delivered, ackSent)) {
                JsonNode got = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 1000, "wait_ms",
                        1000)).json().path("messages");
                List<String> ids = new ArrayList<>();
                for (JsonNode m : got) {
                    String at = m.path("partition").asInt() + "-" + m.path("offset").asLong();
                    assertThat(ackedSnapshot).as("acked before the kill, delivered again: " + at).doesNotContain(at);
                    delivered.add(at);
                    ids.add(m.path("delivery_id").asText());
                }
                rest.post("/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids", ids));
            }
            Set<String> missing = new java.util.TreeSet<>();
            JsonNode station = rest.get("/api/v1/stations/orders").json();
            for (JsonNode p : station.path("partitions")) {
                for (long o = p.path("earliest_offset").asLong(); o < p.path("latest_offset").asLong(); o++) {
                    String at = p.path("partition").asInt() + "-" + o;
                    if (!delivered.contains(at) && !ackedSnapshot.contains(at) && !ackSent.contains(at)) {
                        missing.add(at);
                    }
                }
            }
            long offsets = 0;
            for (JsonNode p : station.path("partitions")) {
                offsets += p.path("latest_offset").asLong() - p.path("earliest_offset").asLong();
            }
            System.out.println("RestCrashTest: " + delivered.size() + " delivered after the restart; the station "
                    + "counts " + station.path("messages").asLong() + " messages, its offsets " + offsets);
            assertThat(offsets).as("the station's offsets (nothing compacted: as many as it counts)")
                    .isEqualTo(station.path("messages").asLong()).isPositive();
            assertThat(missing).as("stored, never acked (nor in an ack sent), not delivered again within 60 s")
                    .isEmpty();
        } finally {
            child.kill();
        }
    }
}
