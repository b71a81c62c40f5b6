package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction through kill -9 (issue #7, point 3): a child JVM ({@link CompactionCrashChild}) produces keyed
 * values while compacting its station in a loop, and is killed with SIGKILL at a random moment — mid-rewrite,
 * mid-swap or between passes — several times on one directory. After each kill, the recovery pass must leave no
 * {@code .cleaned} or {@code .swap} file, and a new group reading from earliest must find, for every key, a value
 * at least as new as the last one acknowledged, every value at most once, and each key's values in the order they
 * were produced. Seed printed; {@code -Dcompactioncrash.seed=N} replays the kill moments.
 */
class CompactionCrashTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    @Test
    void shouldKeepTheLatestValueOfEveryKeyAndNothingTwiceThroughKillMinus9DuringCompaction() throws Exception {
        String fixed = System.getProperty("compactioncrash.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int rounds = Integer.getInteger("compactioncrash.rounds", 6);
        System.out.println("CompactionCrashTest: seed=" + seed + " rounds=" + rounds
                + " (replay with -Dcompactioncrash.seed=" + seed + ")");
        Random random = new Random(seed);
        Map<String, Long> lastAcked = new HashMap<>();
        long next = 0;
        long compactedAway = 0;
        for (int round = 0; round < rounds; round++) {
            Map<String, Long> ackedThisRound = new ConcurrentHashMap<>();
            AtomicLong highest = new AtomicLong(next);
            ChildJvm child = ChildJvm.start(CompactionCrashChild.class, line -> {
                String[] f = line.split(" ");
                if (f[0].equals("ACK") && f.length == 3) {
                    long n = Long.parseLong(f[2]);
                    ackedThisRound.merge(f[1], n, Math::max);
                    highest.accumulateAndGet(n, Math::max);
                }
            }, dir.toString(), Long.toString(next));
            assertThat(child.awaitReady()).as("child ready").isTrue();
            Thread.sleep(1500 + random.nextInt(2500)); // past the 1 s horizon: compaction has work
            child.kill();
            ackedThisRound.forEach((k, n) -> lastAcked.merge(k, n, Math::max));
            next = highest.get() + 1000; // past anything the child may have stored unacknowledged

            try (Broker broker = Broker.open(BrokerConfig.defaults(dir))) {
                assertThat(leftovers()).as("seed %d round %d: recovery finished or discarded every rewrite", seed,
                        round).isEmpty();
                Map<String, List<Long>> values = readAll(broker, "check-" + round);
                Set<Long> seen = new HashSet<>();
                for (Map.Entry<String, List<Long>> e : values.entrySet()) {
                    List<Long> ns = e.getValue();
                    for (int i = 0; i < ns.size(); i++) {
                        assertThat(seen.add(ns.get(i))).as("seed %d round %d: value %s:%d stored once", seed, round,
                                e.getKey(), ns.get(i)).isTrue();
                        if (i > 0) {
                            assertThat(ns.get(i)).as("seed %d round %d: key %s in produce order", seed, round,
                                    e.getKey()).isGreaterThan(ns.get(i - 1));
                        }
                    }
                }
                for (Map.Entry<String, Long> e : lastAcked.entrySet()) {
                    List<Long> ns = values.get(e.getKey());
                    assertThat(ns).as("seed %d round %d: key %s is still there", seed, round, e.getKey())
                            .isNotNull();
                    assertThat(ns.get(ns.size() - 1)).as("seed %d round %d: key %s's latest value", seed, round,
                            e.getKey()).isGreaterThanOrEqualTo(e.getValue());
                }
                StationInfo info = broker.stationInfo(T, "s");
                compactedAway = info.partitions().stream().mapToLong(p -> p.nextOffset() - p.earliestOffset())
                        .sum() - info.messages();
            }
        }
        assertThat(compactedAway).as("compaction did remove messages (the test exercised it)").isPositive();
        System.out.println("CompactionCrashTest: " + rounds + " kills during compaction; " + compactedAway
                + " superseded messages removed in the end");
    }

    private List<Path> leftovers() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".cleaned") || f.toString().endsWith(".swap")).toList();
        }
    }

    /** Key -> the numbers of its values, in offset order, as a new group reads them. */
    private static Map<String, List<Long>> readAll(Broker broker, String group) throws InterruptedException {
        Map<String, List<Long>> values = new HashMap<>();
        for (Delivery d : GroupDrain.readAll(broker, "s", group)) {
            String[] f = new String(d.value(), StandardCharsets.UTF_8).split(":");
            values.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Long.parseLong(f[1]));
        }
        return values;
    }
}
