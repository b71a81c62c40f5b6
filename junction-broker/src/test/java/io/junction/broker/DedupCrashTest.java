package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.internal.station.Deduplicator;
import io.junction.log.FetchResult;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.Record;
import io.junction.testing.ChildJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Msg-id deduplication through kill -9, at the broker level: a child JVM ({@link DedupCrashChild}) produces
 * msg-id requests under load and is killed with SIGKILL at a random moment, several times on one directory —
 * often between a batch's write and its fsync, and around segment rolls. After each kill, in this JVM:
 * <ul>
 *   <li>every acknowledged msg-id is in the log where its receipt said, and no msg-id is stored twice;</li>
 *   <li>the reopened broker remembers every msg-id the log holds: resending every request the child had sent
 *       (acknowledged or not, as a client does after a reconnect) stores exactly the ones the log lacks, and
 *       answers the others with their original place, marked duplicate.</li>
 * </ul>
 * Seed printed; {@code -Ddedupcrash.seed=N} replays the kill moments.
 */
class DedupCrashTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    @Test
    void shouldRememberEveryStoredMsgIdAfterKillMinus9() throws Exception {
        String fixed = System.getProperty("dedupcrash.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int rounds = Integer.getInteger("dedupcrash.rounds", 5);
        System.out.println("DedupCrashTest: seed=" + seed + " rounds=" + rounds + " (replay with -Ddedupcrash.seed="
                + seed + ")");
        Random random = new Random(seed);
        long resentStored = 0;
        long resentDuplicate = 0;
        for (int round = 0; round < rounds; round++) {
            Set<String> sent = ConcurrentHashMap.newKeySet();
            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            ChildJvm child = ChildJvm.start(DedupCrashChild.class, line -> {
                String[] f = line.split(" ");
                if (f[0].equals("SENT") && f.length == 2) {
                    sent.add(f[1]);
                } else if (f[0].equals("STORED") && f.length == 4) {
                    acknowledged.put(f[1], f[2] + "@" + f[3]);
                }
            }, dir.toString(), "r" + round);
            assertThat(child.awaitReady()).as("child ready").isTrue();
            Thread.sleep(200 + random.nextInt(800));
            child.kill();

            Map<String, String> inLog = scan(seed, round);
            for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                assertThat(inLog.get(e.getKey())).as("seed %d round %d: acknowledged %s", seed, round, e.getKey())
                        .isEqualTo(e.getValue());
            }
            try (Broker broker = Broker.open(BrokerConfig.defaults(dir))) {
                long before = broker.stationInfo(T, "s").messages();
                List<String> ids = new ArrayList<>(sent);
                List<OutgoingMessage> resend = ids.stream().map(id -> new OutgoingMessage(null, new byte[1],
                        List.of(), 0, id, null)).toList();
                List<Receipt> receipts = broker.produce(T, "s", resend).join();
                long stored = 0;
                for (int i = 0; i < ids.size(); i++) {
                    String place = inLog.get(ids.get(i));
                    Receipt r = receipts.get(i);
                    if (place != null) {
                        assertThat(r.partition() + "@" + r.offset() + (r.duplicate() ? " duplicate" : ""))
                                .as("seed %d round %d: %s is in the log; resent, it must be recognised", seed, round,
                                        ids.get(i))
                                .isEqualTo(place + " duplicate");
                    } else {
                        assertThat(r.duplicate()).as("seed %d round %d: %s was never stored", seed, round,
                                ids.get(i)).isFalse();
                        stored++;
                    }
                }
                assertThat(broker.stationInfo(T, "s").messages()).isEqualTo(before + stored);
                resentStored += stored;
                resentDuplicate += ids.size() - stored;
            }
            scan(seed, round); // and still no msg-id twice
        }
        System.out.println("DedupCrashTest: " + rounds + " kills; resent after them: " + resentDuplicate
                + " recognised as stored, " + resentStored + " stored then (the kill had come first)");
    }

    /** Every msg-id in the station's partitions and where it is; fails on a msg-id stored twice. */
    private Map<String, String> scan(long seed, int round) {
        Map<String, String> places = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            Path partitionDir = dir.resolve("tenants").resolve(T).resolve("stations").resolve("s")
                    .resolve("partitions").resolve(Integer.toString(p));
            try (PartitionLog log = PartitionLog.open(partitionDir, LogConfig.defaults())) {
                for (long offset = log.firstOffset(); offset < log.nextOffset(); ) {
                    FetchResult result = log.read(offset, 1 << 20);
                    for (Record r : result.records()) {
                        String id = Deduplicator.msgIdOf(r);
                        String earlier = places.put(id, p + "@" + r.offset());
                        assertThat(earlier).as("seed %d round %d: %s stored twice (also at %s)", seed, round, id,
                                p + "@" + r.offset()).isNull();
                    }
                    offset = result.nextOffset();
                }
            }
        }
        return places;
    }
}
