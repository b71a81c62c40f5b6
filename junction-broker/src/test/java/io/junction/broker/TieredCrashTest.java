package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.testing.ChildJvm;
import io.junction.tier.FaultyHttpProxy;
import io.junction.tier.ObjectStore;
import io.junction.tier.S3ObjectStore;
import io.junction.tier.S3ProxyServer;
import io.junction.tier.S3Settings;
import io.junction.tier.TierManifestFiles;
import io.junction.tier.TierSettings;
import io.junction.tier.TierStatus;
import io.junction.tier.Tiering;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiered storage through kill -9 (issue #18, point 6): a child JVM ({@link TieredCrashChild}) produces to a
 * tiered station while its tier worker uploads and trims on its own and retention deletes remote segments, and is
 * killed with SIGKILL at a random moment, round after round on one data directory and one S3 server (S3Proxy in
 * this JVM, which outlives the kills). Rounds vary the speed of the store so kills land mid-upload and
 * mid-deletion: plain, uploads throttled to a few KiB/s, or every request held by a proxy. After each kill a
 * broker in this JVM opens the directory, runs one tier round (recovery) and retention, and checks:
 * <ol>
 *   <li>nothing acknowledged is lost: a new group reads every acknowledged message at or past the partition's
 *       first offset, with the key and value acknowledged for that offset, each offset once (no segment read
 *       twice), each key in offset order; the retention's cut never exceeds what it may remove;</li>
 *   <li>no object is orphaned: the {@code .segment} objects under each partition's prefix are exactly those of
 *       the manifest's COPY_FINISHED entries, no entry is left COPY_STARTED or DELETE_STARTED, and the entries
 *       cover contiguous, non-overlapping offset ranges;</li>
 *   <li>local and remote ranges meet: the remote range starts at the partition's first offset and ends at or past
 *       the local log's first offset.</li>
 * </ol>
 * Seed printed; {@code -Dtieredcrash.seed=N} replays the kill moments and modes, {@code -Dtieredcrash.rounds=N}
 * (default 20) sets the number of kills.
 */
class TieredCrashTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final String S = TieredCrashChild.STATION;
    private static final String PREFIX = "junction/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The child lives a second or two: C1 only and the serial collector start it faster. */
    private static final List<String> CHILD_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /** How long the proxy holds each request of the child in {@link Mode#SLOW_STORE} rounds. */
    private static final Duration SLOW_STORE_DELAY = Duration.ofMillis(250);

    /** How the store behaves for the child in a round: the window a kill is likely to land in. */
    enum Mode { PLAIN, SLOW_UPLOADS, SLOW_STORE }

    @TempDir
    Path root;

    @Test
    void shouldLoseNothingOrphanNothingAndReadNothingTwiceThroughKillMinus9DuringUploadAndDeletion()
            throws Exception {
        String fixed = System.getProperty("tieredcrash.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int rounds = Integer.getInteger("tieredcrash.rounds", 20);
        System.out.println("TieredCrashTest: seed=" + seed + " rounds=" + rounds
                + " (replay with -Dtieredcrash.seed=" + seed + ")");
        Random random = new Random(seed);
        Path data = root.resolve("data");
        Map<Integer, TreeMap<Long, String>> acked = new HashMap<>();
        int midUpload = 0;
        int midDelete = 0;
        long next = 0;
        long started = System.nanoTime();
        try (S3ProxyServer s3 = S3ProxyServer.start(root.resolve("s3"));
                FaultyHttpProxy proxy = FaultyHttpProxy.start(s3.endpoint())) {
            for (int round = 0; round < rounds; round++) {
                Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
                long life = 800 + random.nextInt(1400);
                proxy.heal();
                if (mode == Mode.SLOW_STORE) {
                    proxy.delay(SLOW_STORE_DELAY);
                }
                Map<Integer, Map<Long, String>> ackedThisRound = new ConcurrentHashMap<>();
                AtomicLong highest = new AtomicLong(next);
                ChildJvm child = ChildJvm.start(CHILD_JVM_OPTIONS, TieredCrashChild.class, line -> {
                    String[] f = line.split(" ");
                    if (f[0].equals("ACK") && f.length == 5) {
                        ackedThisRound.computeIfAbsent(Integer.parseInt(f[1]), p -> new ConcurrentHashMap<>())
                                .put(Long.parseLong(f[2]), f[3] + "=" + f[4]);
                        highest.accumulateAndGet(Long.parseLong(f[4].substring(1, f[4].indexOf('-'))),
                                Math::max);
                    }
                }, data.toString(), proxy.endpoint().toString(), s3.credentialsFile().toString(), s3.bucket(),
                        PREFIX, Long.toString(mode == Mode.SLOW_UPLOADS ? 3000 : 0), Long.toString(next));
                assertThat(child.awaitReady()).as("child ready").isTrue();
                Thread.sleep(life);
                child.kill();
                proxy.heal();
                if (mode == Mode.SLOW_STORE) {
                    // a request the proxy held when the child died reaches the store now or never
                    Thread.sleep(2 * SLOW_STORE_DELAY.toMillis());
                }
                ackedThisRound.forEach((p, m) -> acked.computeIfAbsent(p, x -> new TreeMap<>()).putAll(m));
                next = highest.get() + 1000;

                String states = manifestStates(data);
                midUpload += states.contains("COPY_STARTED") ? 1 : 0;
                midDelete += states.contains("DELETE_STARTED") ? 1 : 0;
                String where = "seed " + seed + " round " + round + " (" + mode + ", " + life + " ms, left "
                        + (states.isEmpty() ? "no step half done" : states) + ")";
                System.out.println("TieredCrashTest: round " + round + ": " + mode + ", killed after " + life
                        + " ms; " + ackedThisRound.values().stream().mapToInt(Map::size).sum()
                        + " acknowledged; manifest left " + (states.isEmpty() ? "-" : states));
                verify(s3, data, acked, where, "check-" + round);
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.println("TieredCrashTest: " + rounds + " kills in " + seconds + " s; " + midUpload
                + " landed mid-upload (an entry COPY_STARTED), " + midDelete
                + " mid-deletion (an entry DELETE_STARTED)");
        assertThat(midUpload + midDelete).as("seed %d: kills landed while an upload or deletion was half done",
                seed).isGreaterThanOrEqualTo(Math.max(1, rounds / 5));
    }

    /** "COPY_STARTED"/"DELETE_STARTED" entries the manifests hold now (as the kill left them), one word each. */
    private static String manifestStates(Path data) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int p = 0; p < TieredCrashChild.PARTITIONS; p++) {
            String manifest = TierManifestFiles.read(manifestFile(data, p).getParent());
            if (manifest == null) {
                continue;
            }
            for (JsonNode e : JSON.readTree(manifest).path("segments")) {
                String state = e.path("state").asText();
                if (!state.equals("COPY_FINISHED")) {
                    out.append(out.isEmpty() ? "" : " ").append(state).append("@").append(p);
                }
            }
        }
        return out.toString();
    }

    private static Path manifestFile(Path data, int partition) {
        return data.resolve("tenants").resolve(T).resolve("stations").resolve(S).resolve("partitions")
                .resolve(Integer.toString(partition)).resolve("tier-manifest.json");
    }

    /** Opens the directory with tiering (straight to S3, no proxy), recovers, and checks the three properties. */
    private static void verify(S3ProxyServer s3, Path data, Map<Integer, TreeMap<Long, String>> acked, String where,
            String group) throws Exception {
        S3Settings settings = s3.settings(PREFIX).withRequestTimeout(Duration.ofSeconds(10));
        try (S3ObjectStore store = S3ObjectStore.open(settings)) {
            Tiering tiering = Tiering.start(new TierSettings(settings, 0, 64L << 20, null, Duration.ofHours(1)),
                    store, Clock.systemUTC(), data);
            try (Broker broker = Broker.open(new BrokerConfig(data, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES,
                    Durability.FSYNC, Duration.ofMillis(50), Clock.systemUTC(), 1L << 30, 0), tiering)) {
                broker.runTiering(); // recovery: unfinished uploads dropped, interrupted deletions finished
                broker.runRetention(T, S); // so that the background retention has nothing to cut while we read
                checkStore(store, data, where);
                StationInfo info = broker.stationInfo(T, S);
                List<TierStatus> tier = broker.tierStatus(T, S);
                for (StationInfo.PartitionInfo p : info.partitions()) {
                    checkRanges(p, tier.get(p.partition()), where);
                }
                checkRead(broker, info, acked, where, group);
                broker.deleteGroup(T, S, group, true);
            }
        }
    }

    /** No orphan: the segment objects are exactly the finished entries, nothing half done, ranges contiguous. */
    private static void checkStore(ObjectStore store, Path data, String where) throws IOException {
        for (int p = 0; p < TieredCrashChild.PARTITIONS; p++) {
            Set<String> finished = new HashSet<>();
            String manifest = TierManifestFiles.read(manifestFile(data, p).getParent());
            if (manifest != null) {
                long end = -1;
                for (JsonNode e : JSON.readTree(manifest).path("segments")) {
                    String key = e.path("key").asText();
                    assertThat(e.path("state").asText()).as("%s: partition %d: %s resolved by recovery", where, p,
                            key).isEqualTo("COPY_FINISHED");
                    long base = e.path("baseOffset").asLong();
                    assertThat(end < 0 || base == end).as("%s: partition %d: %s starts where the previous entry "
                            + "ends (%d): no gap, no overlap", where, p, key, end).isTrue();
                    end = e.path("endOffset").asLong();
                    finished.add(key);
                }
            }
            Set<String> objects = new HashSet<>();
            for (String key : store.list(T + "/" + S + "/" + p + "/")) {
                if (key.endsWith(".segment")) {
                    objects.add(key);
                }
            }
            assertThat(objects).as("%s: partition %d: the objects in the store are exactly the manifest's", where,
                    p).isEqualTo(finished);
        }
    }

    /** Local and remote meet; the retention kept what it must keep. */
    private static void checkRanges(StationInfo.PartitionInfo p, TierStatus tier, String where) {
        if (p.remoteEndOffset() >= 0) {
            assertThat(p.remoteEndOffset()).as("%s: partition %d: the remote range reaches the local one", where,
                    p.partition()).isGreaterThanOrEqualTo(p.localEarliestOffset());
            assertThat(p.remoteEarliestOffset()).as("%s: partition %d: the partition starts in the store", where,
                    p.partition()).isEqualTo(p.earliestOffset());
        } else {
            assertThat(p.earliestOffset()).as("%s: partition %d: nothing remote: it starts locally", where,
                    p.partition()).isEqualTo(p.localEarliestOffset());
        }
        assertThat(tier.failures()).as("%s: partition %d: the store answered (%s)", where, p.partition(),
                tier.lastError()).isZero();
        assertThat(p.nextOffset() - p.earliestOffset()).as("%s: partition %d: retention keeps at least %d messages",
                where, p.partition(), TieredCrashChild.RETENTION_MESSAGES)
                .isGreaterThanOrEqualTo(Math.min(p.nextOffset(), TieredCrashChild.RETENTION_MESSAGES));
    }

    /**
     * A new group (KEY ordering, default history) reads from earliest: every acknowledged offset not removed by
     * retention, with what was acknowledged for it; no offset twice; each key in offset order.
     */
    private static void checkRead(Broker broker, StationInfo info, Map<Integer, TreeMap<Long, String>> acked,
            String where, String group) throws InterruptedException {
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, S, group, StartPosition.earliest(), Ordering.KEY, null, null,
                "verifier", 1000, box);
        Map<Integer, TreeMap<Long, String>> got = new HashMap<>();
        Map<String, Long> lastOffsetOfKey = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Delivery d = box.received.poll(20, TimeUnit.MILLISECONDS);
            if (d == null) {
                if (broker.groupInfo(T, S, group).lag() == 0) {
                    break;
                }
                continue;
            }
            String record = text(d.key()) + "=" + text(d.value());
            String before = got.computeIfAbsent(d.partition(), p -> new TreeMap<>()).put(d.offset(), record);
            assertThat(before).as("%s: partition %d offset %d read once", where, d.partition(), d.offset()).isNull();
            Long previous = lastOffsetOfKey.put(d.partition() + "/" + text(d.key()), d.offset());
            assertThat(previous == null || previous < d.offset()).as("%s: key %s in offset order", where,
                    text(d.key())).isTrue();
            member.ack(List.of(d.ref()));
        }
        member.leave();
        assertThat(broker.groupInfo(T, S, group).lag()).as("%s: the group read everything (group %s; tier %s; "
                + "read %s)", where, broker.groupInfo(T, S, group), broker.tierStatus(T, S), summary(got)).isZero();
        for (StationInfo.PartitionInfo p : info.partitions()) {
            TreeMap<Long, String> read = got.getOrDefault(p.partition(), new TreeMap<>());
            if (!read.isEmpty()) {
                assertThat(read.firstKey()).as("%s: partition %d read from its first offset", where, p.partition())
                        .isGreaterThanOrEqualTo(p.earliestOffset());
                assertThat(read.lastKey()).isLessThan(p.nextOffset());
            }
            TreeMap<Long, String> mustHave = acked.getOrDefault(p.partition(), new TreeMap<>());
            mustHave.headMap(p.earliestOffset()).clear(); // removed by retention
            List<String> missing = new ArrayList<>();
            for (Map.Entry<Long, String> a : mustHave.entrySet()) {
                String r = read.get(a.getKey());
                if (!a.getValue().equals(r)) {
                    missing.add(a.getKey() + ": acked " + a.getValue() + ", read " + r);
                }
            }
            assertThat(missing).as("%s: partition %d (first offset %d, local first %d, remote %d-%d): every "
                    + "acknowledged message read as acknowledged", where, p.partition(), p.earliestOffset(),
                    p.localEarliestOffset(), p.remoteEarliestOffset(), p.remoteEndOffset()).isEmpty();
        }
    }

    /** Per partition: how many offsets were read, the first and the last. */
    private static String summary(Map<Integer, TreeMap<Long, String>> got) {
        StringBuilder out = new StringBuilder();
        got.forEach((p, m) -> out.append(p).append(": ").append(m.size()).append(" offsets ")
                .append(m.isEmpty() ? "" : m.firstKey() + ".." + m.lastKey()).append("; "));
        return out.toString();
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
