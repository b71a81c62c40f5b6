package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.log.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Key compaction against a model (issue #7, points 2, 4 and 7): random workloads of keyed values, tombstones and
 * keyless messages with the clock moving on, compacted with a random lag, tombstone retention and retention
 * age; then a new group reading from earliest must get exactly what the model says survives, in offset order,
 * byte for byte — before and after more produce, a second pass and a restart. 25 workloads
 * ({@code -Dcompaction.tries=N} for more); the seed is printed, {@code -Dcompaction.seed=N} replays every workload,
 * and a failure names the seed and the workload.
 *
 * <p>The model, from the issue: a message survives compaction when it is in the active segment (never
 * compacted), or younger than the horizon (the lag, or the dedup window when longer), or it is its key's latest
 * message and not a tombstone older than the tombstone retention, or it is keyless and younger than the
 * retention age.
 */
class KeyCompactionTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final Duration DEDUP = Duration.ofSeconds(1);

    /** What the test produced: the model's input. */
    private record Sent(int partition, long offset, long timestampMs, String key, String value) {
        boolean tombstone() {
            return value == null;
        }
    }

    @Test
    void aNewGroupGetsTheLatestOfEveryKeyPlusTheHistoryWindow() throws Exception {
        String fixed = System.getProperty("compaction.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int tries = Integer.getInteger("compaction.tries", 25);
        System.out.println("KeyCompactionTest: seed=" + seed + " tries=" + tries + " (replay with -Dcompaction.seed="
                + seed + ")");
        Random random = new Random(seed);
        for (int t = 0; t < tries; t++) {
            // Each workload draws from its own stream: its inputs depend only on the seed and its number.
            Random workload = new Random(random.nextLong());
            String context = "seed " + seed + " try " + t;
            try {
                workload(workload, context);
            } catch (Exception e) {
                throw new AssertionError(context + ": " + e, e);
            }
        }
    }

    private void workload(Random random, String context) throws Exception {
        Path dir = Files.createTempDirectory("compaction");
        IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();
        Duration lag = List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(60)).get(random.nextInt(3));
        Duration tombstoneRetention = List.of(Duration.ZERO, Duration.ofSeconds(10), Duration.ofDays(1))
                .get(random.nextInt(3));
        Duration age = random.nextBoolean() ? null : Duration.ofSeconds(30);
        int partitions = 1 + random.nextInt(2);
        StationConfig config = new StationConfig(partitions, age, 0, 0, Duration.ofSeconds(30), 5, Ordering.KEY, DEDUP)
                .withSegmentBytes(1024).withCompaction(new StationConfig.Compaction(true, lag, tombstoneRetention));
        List<Sent> sent = new ArrayList<>();
        try {
            Broker broker = open(dir, clock);
            try {
                broker.createStation(T, "s", config);
                for (int round = 0; round < 2; round++) {
                    produce(broker, random, clock, sent, 100 + random.nextInt(250));
                    clock.advance(Duration.ofMillis(random.nextInt(120_000)));
                    long before = broker.stationInfo(T, "s").messages();
                    CompactionResult result = broker.runCompaction(T, "s");
                    List<Sent> expected = model(sent, config, clock.millis(), dir, partitions);
                    String at = context + " round " + round + " (lag " + lag + ", tombstones " + tombstoneRetention
                            + ", age " + age + ", partitions " + partitions + ")";
                    assertThat(readAll(broker, "audit-" + round, at)).as("%s: what a new group gets", at)
                            .containsExactlyElementsOf(expected);
                    assertThat(broker.stationInfo(T, "s").messages()).as("%s: messages", at)
                            .isEqualTo(expected.size());
                    assertThat(result.messagesRemoved()).as("%s: messages removed", at)
                            .isEqualTo(before - expected.size());
                }
                broker.close();
                broker = open(dir, clock);
                List<Sent> expected = model(sent, config, clock.millis(), dir, partitions);
                String at = context + " after a restart";
                assertThat(readAll(broker, "after-restart", at)).as("%s: what a new group gets", at)
                        .containsExactlyElementsOf(expected);
            } finally {
                broker.close();
            }
        } finally {
            FileTrees.deleteTree(dir);
        }
    }

    private static Broker open(Path dir, IdempotentProduceTest.MovableClock clock) {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), clock, 1L << 30, 0));
    }

    private static void produce(Broker broker, Random random, IdempotentProduceTest.MovableClock clock,
            List<Sent> sent, int count) {
        int keys = 1 + random.nextInt(20);
        for (int i = 0; i < count; ) {
            List<OutgoingMessage> request = new ArrayList<>();
            for (int n = 1 + random.nextInt(4); n > 0 && i < count; n--, i++) {
                int kind = random.nextInt(10);
                String key = kind == 0 ? null : "k" + random.nextInt(keys);
                String value = kind == 1 ? null : "v" + sent.size() + request.size() + "-" + "x".repeat(
                        random.nextInt(150));
                request.add(value == null ? OutgoingMessage.tombstone(bytes(key))
                        : OutgoingMessage.of(bytes(key), bytes(value)));
            }
            long now = clock.millis();
            List<Receipt> receipts = broker.produce(T, "s", request).join();
            for (int m = 0; m < request.size(); m++) {
                OutgoingMessage o = request.get(m);
                sent.add(new Sent(receipts.get(m).partition(), receipts.get(m).offset(), now,
                        o.key() == null ? null : new String(o.key(), StandardCharsets.UTF_8),
                        o.value() == null ? null : new String(o.value(), StandardCharsets.UTF_8)));
            }
            clock.advance(Duration.ofMillis(random.nextInt(1500)));
        }
    }

    /** What survives, by the rules in the class comment, in (partition, offset) order. */
    private static List<Sent> model(List<Sent> sent, StationConfig config, long nowMs, Path dir, int partitions)
            throws IOException {
        long horizon = nowMs - Math.max(config.compaction().lag().toMillis(), config.dedupWindow().toMillis());
        Map<String, Sent> latest = new HashMap<>();
        for (Sent s : sent) {
            if (s.key() != null) {
                latest.merge(s.partition() + "/" + s.key(), s, (a, b) -> b.offset() > a.offset() ? b : a);
            }
        }
        long[] activeBase = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            activeBase[p] = activeSegmentBase(dir, p);
        }
        List<Sent> kept = new ArrayList<>();
        for (Sent s : sent) {
            boolean survives;
            if (s.offset() >= activeBase[s.partition()] || s.timestampMs() > horizon) {
                survives = true;
            } else if (s.key() == null) {
                survives = config.retentionAge() == null || s.timestampMs() >= nowMs - config.retentionAge().toMillis();
            } else {
                survives = latest.get(s.partition() + "/" + s.key()) == s && (!s.tombstone()
                        || s.timestampMs() > nowMs - config.compaction().tombstoneRetention().toMillis());
            }
            if (survives) {
                kept.add(s);
            }
        }
        kept.sort(Comparator.comparingInt(Sent::partition).thenComparingLong(Sent::offset));
        return kept;
    }

    private static long activeSegmentBase(Path dir, int partition) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("tenants/default/stations/s/partitions/" + partition))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElse(0);
        }
    }

    /**
     * Everything a new group gets from earliest, in (partition, offset) order; checks that each partition's
     * messages came in offset order.
     */
    private static List<Sent> readAll(Broker broker, String group, String context) throws InterruptedException {
        List<Sent> got = new ArrayList<>();
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (Delivery d : GroupDrain.readAll(broker, "s", group)) {
            Long last = lastOffset.put(d.partition(), d.offset());
            assertThat(last == null || last < d.offset()).as("%s: offset order in partition %d: %d after %d",
                    context, d.partition(), d.offset(), last).isTrue();
            got.add(new Sent(d.partition(), d.offset(), d.timestampMs(),
                    d.key() == null ? null : new String(d.key(), StandardCharsets.UTF_8),
                    d.tombstone() ? null : new String(d.value(), StandardCharsets.UTF_8)));
        }
        got.sort(Comparator.comparingInt(Sent::partition).thenComparingLong(Sent::offset));
        return got;
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
