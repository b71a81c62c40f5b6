package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import io.junction.log.PartitionLog;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiered storage against a real S3 API (S3Proxy in-process, filesystem backend, through the AWS SDK): sealed
 * segments uploaded, local ones trimmed, everything read back by new groups in key order, across a restart; the
 * full history behind compaction; encryption at rest and a tampered object refused; an object store that fails
 * (503s through a fault-injecting proxy) loses nothing and is caught up with once it answers.
 */
class TieredStorageTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path root;

    private S3ProxyServer s3;
    private FaultyHttpProxy proxy;
    private Path data;
    private Path keyFile;
    private Broker broker;
    /** The broker's and the tier's clock: moved past the dedup window (what always stays local) and compaction lag. */
    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();

    @BeforeEach
    void startS3() throws IOException {
        s3 = S3ProxyServer.start(root.resolve("s3"));
        proxy = FaultyHttpProxy.start(s3.endpoint());
        data = root.resolve("data");
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        proxy.close();
        s3.close();
    }

    private S3Settings settings() {
        return s3.settings("junction/").withEndpoint(proxy.endpoint()).withRequestTimeout(Duration.ofSeconds(5));
    }

    /** A broker whose tier works only when told ({@link Broker#runTiering()}): the worker's interval is an hour. */
    private Broker open(boolean encrypted) throws IOException {
        return open(encrypted, 64L << 20, System::nanoTime);
    }

    /** As {@link #open(boolean)}, with a tier cache of {@code cacheBytes} and ack deadlines on {@code nanoTime}. */
    private Broker open(boolean encrypted, long cacheBytes, LongSupplier nanoTime) throws IOException {
        return open(encrypted, cacheBytes, nanoTime, BrokerConfig.ConsumerLimits.DEFAULTS);
    }

    private Broker open(boolean encrypted, long cacheBytes, LongSupplier nanoTime, BrokerConfig.ConsumerLimits limits)
            throws IOException {
        S3ObjectStore store = S3ObjectStore.open(settings());
        TierSettings tier = new TierSettings(settings(), 0, cacheBytes, encrypted ? keyFile() : null,
                Duration.ofHours(1));
        Tiering tiering = Tiering.start(tier, store, clock, data);
        broker = Broker.open(new BrokerConfig(data, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), clock, 1L << 30, 0, limits), nanoTime, PartitionLog::open, tiering);
        return broker;
    }

    private Path keyFile() throws IOException {
        if (keyFile == null) {
            byte[] key = new byte[32];
            new Random(7).nextBytes(key);
            keyFile = Files.writeString(root.resolve("tier.keys"), "k1:" + Base64.getEncoder().encodeToString(key)
                    + "\n");
        }
        return keyFile;
    }

    private void restart(boolean encrypted) throws IOException {
        broker.close();
        broker = null;
        open(encrypted);
    }

    private static StationConfig station(int partitions, StationConfig.Tiering tiering) {
        return new StationConfig(partitions, null, 0, 0, Duration.ofSeconds(30), 5, Ordering.KEY)
                .withSegmentBytes(1024).withTiering(tiering);
    }

    /**
     * A station of one partition with tiering on (1 KiB segments, 1 KiB kept locally) holding {@code count} messages
     * ({@link #produce}), uploaded and trimmed locally: the clock moved past the dedup window (which always stays
     * local), one tier round run. What was produced.
     */
    private Map<Integer, List<String>> uploaded(String stationName, int count, int keys, String tag)
            throws InterruptedException {
        broker.createStation(T, stationName, station(1, new StationConfig.Tiering(true, null, 1024)));
        Map<Integer, List<String>> sent = produce(stationName, count, keys, tag);
        clock.advance(Duration.ofMinutes(3));
        broker.runTiering();
        return sent;
    }

    /** The local manifest file of {@code stationName}'s partition 0. */
    private Path manifestFile(String stationName) {
        return data.resolve("tenants").resolve(T).resolve("stations").resolve(stationName).resolve("partitions")
                .resolve("0").resolve("tier-manifest.json");
    }

    /** What was produced: per partition, in offset order, "key=value". */
    private Map<Integer, List<String>> produce(String stationName, int count, int keys, String tag) {
        Map<Integer, List<String>> sent = new HashMap<>();
        for (int i = 0; i < count; i += 4) {
            List<OutgoingMessage> batch = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + 4); j++) {
                batch.add(OutgoingMessage.of(bytes("k" + j % keys), bytes(tag + "-" + j + "-" + "x".repeat(40))));
            }
            List<Receipt> receipts = broker.produce(T, stationName, batch).join();
            for (int m = 0; m < batch.size(); m++) {
                sent.computeIfAbsent(receipts.get(m).partition(), p -> new ArrayList<>())
                        .add(text(batch.get(m).key()) + "=" + text(batch.get(m).value()));
            }
        }
        return sent;
    }

    /**
     * A new group in KEY ordering reads the station to its end, acking as it goes (each message acked after the
     * next one of another key arrived, so several keys are in flight): per partition, what it got in offset order.
     */
    private Map<Integer, List<String>> readAll(String stationName, String group, History history)
            throws InterruptedException {
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, stationName, group, StartPosition.earliest(), Ordering.KEY, null,
                history, "reader", 1000, box);
        Map<Integer, List<Delivery>> got = new HashMap<>();
        Map<String, Long> lastOffsetOfKey = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Delivery d = box.received.poll(20, TimeUnit.MILLISECONDS);
            if (d == null) {
                if (broker.groupInfo(T, stationName, group).lag() == 0) {
                    break;
                }
                continue;
            }
            String key = d.partition() + "/" + text(d.key());
            Long before = lastOffsetOfKey.put(key, d.offset());
            assertThat(before == null || before < d.offset()).as("key %s in order", key).isTrue();
            got.computeIfAbsent(d.partition(), p -> new ArrayList<>()).add(d);
            member.ack(List.of(d.ref()));
        }
        member.leave();
        assertThat(broker.groupInfo(T, stationName, group).lag()).as("group %s read everything", group).isZero();
        Map<Integer, List<String>> out = new HashMap<>();
        got.forEach((p, list) -> out.put(p, list.stream().sorted((a, b) -> Long.compare(a.offset(), b.offset()))
                .map(d -> text(d.key()) + "=" + (d.value() == null ? "<tombstone>" : text(d.value()))).toList()));
        return out;
    }

    @Test
    void shouldUploadSealedSegmentsTrimTheLocalDiskAndReadEverythingBackInKeyOrder() throws Exception {
        open(false);
        broker.createStation(T, "orders", station(2, new StationConfig.Tiering(true, null, 2048)));
        Map<Integer, List<String>> sent = produce("orders", 600, 25, "a");

        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        List<TierStatus> status = broker.tierStatus(T, "orders");
        assertThat(status).hasSize(2);
        for (TierStatus s : status) {
            assertThat(s.remoteSegments()).as("partition %d uploaded", s.partition()).isPositive();
            assertThat(s.pendingSegments()).as("nothing sealed left to upload").isZero();
            assertThat(s.localFirstOffset()).as("local segments past the local retention are gone").isPositive();
            assertThat(s.localBytes()).as("local bytes kept near the local retention").isLessThanOrEqualTo(
                    2048 + 1024 + 1024);
            assertThat(s.remoteFirstOffset()).isZero();
            assertThat(s.failures()).isZero();
        }
        StationInfo info = broker.stationInfo(T, "orders");
        for (StationInfo.PartitionInfo p : info.partitions()) {
            assertThat(p.earliestOffset()).as("the partition still starts at 0").isZero();
            assertThat(p.localEarliestOffset()).isPositive();
            assertThat(p.remoteEndOffset()).isGreaterThanOrEqualTo(p.localEarliestOffset());
        }
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            List<String> keys = store.list(T + "/orders/0/");
            assertThat(keys).contains(T + "/orders/0/manifest.json");
            assertThat(keys.stream().filter(k -> k.endsWith(".segment")).count())
                    .isEqualTo(status.get(0).remoteSegments());
        }

        assertThat(readAll("orders", "new-reader", null)).isEqualTo(sent);
        restart(false);
        assertThat(readAll("orders", "after-restart", null)).as("read back after a restart (cache emptied)")
                .isEqualTo(sent);
        // the station's browse reads below the local start too
        BrowseResult browsed = broker.browse(T, "orders", 0, new StartPosition.AtOffset(0), 5, null);
        assertThat(browsed.messages()).hasSize(5);
        assertThat(browsed.messages().get(0).offset()).isZero();
    }

    /**
     * A start at a timestamp that falls inside a remote segment starts at the first record at or after it, as on
     * local disk — not at the start of a segment the manifest's bound points to (with producer timestamps older
     * than the append times, as here, that bound is the append time: the first remote segment): a new group, a
     * full-history group, a browse and a group reset, with the cache empty after a restart (segments downloaded).
     */
    @Test
    void shouldStartAtATimestampInsideARemoteSegmentAtTheExactRecord() throws Exception {
        open(false);
        broker.createStation(T, "dated", station(1, new StationConfig.Tiering(true, null, 1024)));
        long base = 1_700_000_000_000L;
        for (int i = 0; i < 400; i += 4) {
            List<OutgoingMessage> batch = new ArrayList<>();
            for (int j = i; j < i + 4; j++) {
                batch.add(new OutgoingMessage(bytes("k" + j % 7), bytes("m" + j + "-" + "x".repeat(40)), List.of(),
                        base + j * 1000L, null, null));
            }
            broker.produce(T, "dated", batch).join();
        }
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        long localFirst = broker.tierStatus(T, "dated").get(0).localFirstOffset();
        List<Long> bases = new ArrayList<>();
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            for (String key : store.list(T + "/dated/0/")) {
                String name = key.substring(key.lastIndexOf('/') + 1);
                if (name.endsWith(".segment")) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                }
            }
        }
        bases.sort(null);
        assertThat(bases).as("several remote segments").hasSizeGreaterThan(3);
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            // the manifest bounds each segment by its records' timestamps (the last one's here), not by the later
            // append time: a lookup downloads only the segment that holds its answer
            com.fasterxml.jackson.databind.JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(store.get(T + "/dated/0/manifest.json"));
            for (com.fasterxml.jackson.databind.JsonNode e : manifest.get("segments")) {
                assertThat(e.get("maxTimestamp").asLong()).as("bound of %s", e.get("key").asText())
                        .isEqualTo(base + (e.get("endOffset").asLong() - 1) * 1000);
            }
        }
        long target = (bases.get(1) + bases.get(2)) / 2; // inside the second remote segment, not at its start
        assertThat(target).isGreaterThan(bases.get(1)).isLessThan(localFirst);
        StartPosition at = new StartPosition.AtTimestamp(base + target * 1000 - 500);
        restart(false); // the cache is empty: the lookup downloads the segment

        assertThat(firstDelivered("dated", "from-t", at, History.COMPACTED)).isEqualTo(target);
        assertThat(firstDelivered("dated", "from-t-full", at, History.FULL)).isEqualTo(target);
        BrowseResult browsed = broker.browse(T, "dated", 0, at, 3, null);
        assertThat(browsed.messages().get(0).offset()).isEqualTo(target);
        assertThat(text(browsed.messages().get(0).value())).startsWith("m" + target + "-");

        assertThat(firstDelivered("dated", "reset", StartPosition.earliest(), History.COMPACTED)).isZero();
        broker.resetGroup(T, "dated", "reset", at, null);
        assertThat(firstDelivered("dated", "reset", null, History.COMPACTED)).isEqualTo(target);
        // before every record: the first one; after every record: the end
        assertThat(firstDelivered("dated", "from-before", new StartPosition.AtTimestamp(base - 1), History.COMPACTED))
                .isZero();
        broker.subscribe(T, "dated", "from-after", new StartPosition.AtTimestamp(base + 10_000_000), null, null,
                null, "r", 10, new BrokerTest.Mailbox()).leave();
        assertThat(broker.groupInfo(T, "dated", "from-after").lag()).isZero();
    }

    /** The offset of the first message a member of {@code group} (created at {@code start}) is handed. */
    private long firstDelivered(String stationName, String group, StartPosition start, History history)
            throws InterruptedException {
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, stationName, group, start, null, null, history, "first", 1, box);
        try {
            Delivery d = box.received.poll(30, TimeUnit.SECONDS);
            assertThat(d).as("group %s is handed a message", group).isNotNull();
            return d.offset();
        } finally {
            member.leave();
        }
    }

    /**
     * A group created at a time inside a remote segment while the store is slow downloads that segment without
     * holding the station's lock: another admin call on the station (a reset of another group) is answered while
     * the creation still waits for the store.
     */
    @Test
    void shouldNotHoldTheStationWhileAStartAtATimeDownloadsASegment() throws Exception {
        open(false);
        long at = clock.millis(); // every message is dated by the broker's clock, which stands still meanwhile
        uploaded("slow", 300, 10, "s");
        restart(false); // the cache is empty
        broker.createGroup(T, "slow", "other", StartPosition.earliest());
        int before = proxy.requestsSeen();
        proxy.delay(Duration.ofSeconds(3));
        java.util.concurrent.CompletableFuture<GroupInfo> creating = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> broker.createGroup(T, "slow", "dated", new StartPosition.AtTimestamp(at)));
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                proxy.requestsSeen() == before && System.nanoTime() < deadline; ) {
            Thread.sleep(5);
        }
        assertThat(proxy.requestsSeen()).as("the creation asked the store for its segment").isGreaterThan(before);
        broker.resetGroup(T, "slow", "other", StartPosition.latest(), null);
        assertThat(creating).as("another call on the station answered while the download is held").isNotDone();
        assertThat(creating.get(30, TimeUnit.SECONDS).partitions().get(0).ackFloor()).isZero();
        proxy.delay(Duration.ZERO);
    }

    /**
     * With the object store failing, a start at a time inside the store's part and a browse of it are refused with
     * STORAGE_ERROR (retriable, saying why), not INTERNAL, and the refused group is not created.
     */
    @Test
    void shouldRefuseReadsOfTheStoresPartWithAStorageErrorWhileItFails() throws Exception {
        open(false);
        long at = clock.millis();
        uploaded("down", 300, 10, "d");
        restart(false); // the cache is empty
        proxy.failAll(503);
        assertThatThrownBy(() -> broker.createGroup(T, "down", "dated", new StartPosition.AtTimestamp(at)))
                .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.STORAGE_ERROR)).hasMessageContaining("partition 0 cannot be read now");
        assertThatThrownBy(() -> broker.browse(T, "down", 0, new StartPosition.AtOffset(0), 5, null))
                .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.STORAGE_ERROR));
        proxy.heal();
        assertThatThrownBy(() -> broker.groupInfo(T, "down", "dated")).isInstanceOf(BrokerException.class);
        assertThat(broker.createGroup(T, "down", "dated", new StartPosition.AtTimestamp(at)).partitions().get(0)
                .ackFloor()).isZero();
    }

    /**
     * Group semantics on messages read back from S3: a nack brings the message again, with its exact content (read
     * again from the store); a dead letter goes to the dead-letter station with it and comes back on resend.
     */
    @Test
    void shouldRedeliverAndDeadLetterMessagesReadBackFromTheStore() throws Exception {
        open(false);
        Map<Integer, List<String>> sent = uploaded("jobs", 120, 6, "j");
        assertThat(broker.tierStatus(T, "jobs").get(0).localFirstOffset()).isGreaterThan(20);
        restart(false); // an empty cache: offsets 0.. are read from S3

        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "jobs", "workers", StartPosition.earliest(), Ordering.KEY, null,
                null, "w", 1, box);
        Delivery first = box.next();
        assertThat(first.offset()).isZero();
        member.nack(List.of(first.ref()), Duration.ZERO);
        member.addCredits(1);
        Delivery again = box.next();
        assertThat(again.offset()).as("the nacked message first again (key order)").isZero();
        assertThat(again.deliveries()).isEqualTo(2);
        assertThat(text(again.key()) + "=" + text(again.value())).isEqualTo(sent.get(0).get(0));
        member.deadLetter(List.of(again.ref()), "cannot process");
        member.addCredits(1);
        Delivery next = box.next();
        assertThat(next.offset()).isEqualTo(1);
        member.ack(List.of(next.ref()));
        member.leave();
        // the dead letter is stored on its own (the group goes on meanwhile): wait for it, a minute at most
        List<DeadLetter> letters = broker.listDeadLetters(T, "jobs", "workers", -1, 10);
        for (long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                letters.isEmpty() && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            letters = broker.listDeadLetters(T, "jobs", "workers", -1, 10);
        }
        assertThat(letters).singleElement().satisfies(d -> assertThat(d.offset()).isZero());
        assertThat(broker.resendDeadLetters(T, "jobs", List.of(letters.get(0).id()), false, null)).isEqualTo(1);
        BrokerTest.Mailbox box2 = new BrokerTest.Mailbox();
        GroupMember member2 = broker.subscribe(T, "jobs", "workers", null, null, null, null, "w2", 10, box2);
        Delivery resent = box2.next();
        assertThat(resent.offset()).as("the resent dead letter, from the store's copy").isZero();
        assertThat(text(resent.key()) + "=" + text(resent.value())).isEqualTo(sent.get(0).get(0));
        member2.leave();
    }

    /**
     * A redelivery whose remote segment left the cache, due while the object store fails: the group's thread does
     * not wait for the store, the group goes on with the messages it can read, and the message comes again, whole,
     * once the store answers — it is neither lost until a restart nor does it fail the group's commands.
     */
    @Test
    void shouldRedeliverAMessageWhoseSegmentLeftTheCacheOnceTheStoreAnswersAgain() throws Exception {
        AtomicLong nanos = new AtomicLong(System.nanoTime()); // the group's clock: redelivery delays
        open(false, 3 * 1024, nanos::get); // a cache of about three segments
        Map<Integer, List<String>> sent = uploaded("evicted", 200, 200, "e");
        long localFirst = broker.tierStatus(T, "evicted").get(0).localFirstOffset();
        assertThat(localFirst).as("most of the partition is remote").isGreaterThan(60);
        broker.close();
        open(false, 3 * 1024, nanos::get); // the cache starts empty

        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "evicted", "g", StartPosition.earliest(), Ordering.NONE, null,
                null, "w", 1, box);
        Delivery first = box.next();
        assertThat(first.offset()).isZero();
        member.nack(List.of(first.ref()), Duration.ofMinutes(1));
        for (long expected = 1; expected < localFirst; expected++) { // the rest of the remote part: the cache
            member.addCredits(1); // moves on, offset 0's segment leaves it
            Delivery d = box.next();
            assertThat(d.offset()).isEqualTo(expected);
            member.ack(List.of(d.ref()));
        }
        proxy.failAll(503);
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(2)); // offset 0 is due again: its segment cannot be fetched
        member.addCredits(1);
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                proxy.requestsFailed() == 0 && System.nanoTime() < deadline; ) {
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(300)); // the redelivery tries again
            Thread.sleep(25);
        }
        assertThat(proxy.requestsFailed()).as("the redelivery asked the store for its segment").isPositive();
        for (long expected = localFirst; expected < 200; expected++) { // the group goes on with the local part
            Delivery d = box.next();
            assertThat(d.offset()).as("local messages while offset 0 waits for the store").isEqualTo(expected);
            member.ack(List.of(d.ref()));
            member.addCredits(1);
        }

        proxy.heal(); // the member has one credit left
        Delivery again = null;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                again == null && System.nanoTime() < deadline; ) {
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
            again = box.received.poll(25, TimeUnit.MILLISECONDS);
        }
        assertThat(again).as("offset 0 delivered again once the store answers").isNotNull();
        assertThat(again.offset()).isZero();
        assertThat(again.deliveries()).isEqualTo(2);
        assertThat(text(again.key()) + "=" + text(again.value())).isEqualTo(sent.get(0).get(0));
        member.ack(List.of(again.ref()));
        member.leave();
        assertThat(broker.groupInfo(T, "evicted", "g").lag()).isZero();
    }

    /**
     * KEY ordering with no contents kept for waiting messages (a held-bytes budget of 0: they wait as offsets): a
     * message freed for its key whose remote segment left the cache while the store fails waits first in line,
     * keeping its key, and is handed out whole once the store answers — not lost with its key stuck.
     */
    @Test
    void shouldHandAMessageFreedForItsKeyOnceItsRemoteSegmentCanBeFetchedAgain() throws Exception {
        open(false);
        Map<Integer, List<String>> sent = uploaded("keyed", 200, 2, "k");
        assertThat(broker.tierStatus(T, "keyed").get(0).localFirstOffset()).isGreaterThan(60);
        broker.close();
        open(false, 1, System::nanoTime, new BrokerConfig.ConsumerLimits(1000, 32L << 20,
                Duration.ofSeconds(30), 0));

        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "keyed", "g", StartPosition.earliest(), Ordering.KEY, null, null,
                "w", 10, box);
        Delivery first = box.next();
        Delivery second = box.next();
        assertThat(List.of(first.offset(), second.offset())).containsExactlyInAnyOrder(0L, 1L);
        // another group reads the partition through: the cache moves on, offsets 2 and 3's segment leaves it
        assertThat(readAll("keyed", "other", null)).isEqualTo(sent);
        proxy.failAll(503);
        member.ack(List.of(first.ref(), second.ref())); // keys freed for offsets 2 and 3, which cannot be read now
        // one download of their segment fails whole (the client's three attempts), and the group asks again later
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                proxy.requestsFailed() < 4 && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        assertThat(proxy.requestsFailed()).as("the freed messages' segment asked for again after a failed download")
                .isGreaterThanOrEqualTo(4);
        proxy.heal();
        Delivery third = box.received.poll(30, TimeUnit.SECONDS);
        Delivery fourth = box.received.poll(30, TimeUnit.SECONDS);
        assertThat(third).as("a freed message handed out once the store answers").isNotNull();
        assertThat(fourth).as("the other one").isNotNull();
        assertThat(List.of(third.offset(), fourth.offset())).containsExactlyInAnyOrder(2L, 3L);
        for (Delivery d : List.of(third, fourth)) {
            assertThat(text(d.key()) + "=" + text(d.value())).isEqualTo(sent.get(0).get((int) d.offset()));
        }
        member.leave();
    }

    /**
     * A tiered partition's local manifest lost (deleted), then corrupt: on each restart the partition adopts the
     * manifest's mirror in the store and a new group reads the whole history back; not one object is deleted for
     * want of an entry naming it, and the corrupt file is kept aside, never read as a manifest.
     */
    @Test
    void shouldRestoreALostOrCorruptManifestFromItsMirrorAndDeleteNothingFromTheStore() throws Exception {
        open(false);
        Map<Integer, List<String>> sent = uploaded("kept", 300, 10, "k");
        TierStatus before = broker.tierStatus(T, "kept").get(0);
        assertThat(before.localFirstOffset()).as("most of it only in the store").isGreaterThan(100);
        List<Path> objects = objectFiles();
        Path manifest = manifestFile("kept");

        broker.close();
        broker = null;
        TierManifestFiles.delete(manifest.getParent()); // the snapshot and its journal lost
        open(false);
        broker.runTiering(); // the first round sweeps the store for objects no entry names
        assertThat(objectFiles()).as("nothing deleted from the store").isEqualTo(objects);
        TierStatus restored = broker.tierStatus(T, "kept").get(0);
        assertThat(restored.remoteSegments()).isEqualTo(before.remoteSegments());
        assertThat(restored.remoteFirstOffset()).isZero();
        assertThat(manifest).as("written again").exists();
        assertThat(readAll("kept", "after-loss", null)).isEqualTo(sent);

        broker.close();
        broker = null;
        Files.writeString(manifest, "{\"format\": 2, \"segments\": [ {\"key\": "); // cut short
        open(false);
        broker.runTiering();
        assertThat(objectFiles()).isEqualTo(objects);
        assertThat(readAll("kept", "after-corruption", null)).isEqualTo(sent);
        try (Stream<Path> files = Files.list(manifest.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).as("the corrupt file kept aside")
                    .anyMatch(n -> n.startsWith("tier-manifest.json.corrupt-"));
        }
    }

    /**
     * The local manifest lost and its mirror stale (it predates the last uploads, as after a crash between an upload
     * and the round's mirror): the objects the mirror does not name hold offsets the local log no longer has, so
     * they stay in the store for an operator; what the mirror names is read back.
     */
    @Test
    void shouldKeepObjectsAStaleMirrorDoesNotNameWhenTheLocalLogNoLongerHoldsThem() throws Exception {
        open(false);
        uploaded("stale", 150, 10, "a");
        byte[] oldMirror;
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            oldMirror = store.get(T + "/stale/0/manifest.json");
        }
        int namedByOldMirror = broker.tierStatus(T, "stale").get(0).remoteSegments();
        produce("stale", 150, 10, "b");
        clock.advance(Duration.ofMinutes(3));
        broker.runTiering();
        List<Path> objects = objectFiles();
        assertThat(objects.size()).as("uploaded since the old mirror").isGreaterThan(namedByOldMirror);
        Path manifest = manifestFile("stale");
        broker.close();
        broker = null;
        TierManifestFiles.delete(manifest.getParent());
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            store.put(T + "/stale/0/manifest.json", oldMirror);
        }
        open(false);
        broker.runTiering();
        assertThat(objectFiles()).as("nothing deleted from the store").isEqualTo(objects);
        TierStatus restored = broker.tierStatus(T, "stale").get(0);
        assertThat(restored.remoteSegments()).as("what the old mirror named").isEqualTo(namedByOldMirror);
        assertThat(restored.remoteFirstOffset()).isZero();
    }

    /**
     * A station deleted while the store failed (its objects and mirror left behind), then created again under the
     * same name and restarted before its first upload: the new partition has no manifest, but it holds every offset
     * from 0, so the old mirror is not adopted — the new messages are uploaded and read back, never the old ones.
     */
    @Test
    void shouldNotAdoptTheMirrorOfADeletedStationOfTheSameName() throws Exception {
        open(false);
        uploaded("reborn", 300, 10, "old");
        proxy.failAll(503);
        broker.deleteStation(T, "reborn"); // its objects could not be deleted: left in the store (with a warning)
        proxy.heal();
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            assertThat(store.list(T + "/reborn/0/")).as("the old objects and mirror left behind")
                    .contains(T + "/reborn/0/manifest.json");
        }
        broker.createStation(T, "reborn", station(1, new StationConfig.Tiering(true, null, 1024)));
        Map<Integer, List<String>> sent = produce("reborn", 400, 10, "new");
        restart(false); // before any tier round of the new station
        clock.advance(Duration.ofMinutes(3));
        broker.runTiering();
        assertThat(broker.tierStatus(T, "reborn").get(0).localFirstOffset()).as("uploaded and trimmed").isPositive();
        assertThat(readAll("reborn", "reader", null)).as("the new station's messages, none of the old")
                .isEqualTo(sent);
    }

    @Test
    void shouldDeleteRemoteSegmentsPastTheStationsRetention() throws Exception {
        open(false);
        StationConfig config = new StationConfig(1, null, 0, 300, Duration.ofSeconds(30), 5, Ordering.KEY)
                .withSegmentBytes(1024).withTiering(new StationConfig.Tiering(true, null, 1024));
        broker.createStation(T, "capped", config);
        produce("capped", 800, 10, "r");
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        int before = broker.tierStatus(T, "capped").get(0).remoteSegments();
        RetentionResult retained = broker.runRetention(T, "capped");
        TierStatus after = broker.tierStatus(T, "capped").get(0);
        assertThat(retained.segments()).isPositive();
        assertThat(after.remoteSegments()).isLessThan(before);
        long first = broker.stationInfo(T, "capped").partitions().get(0).earliestOffset();
        assertThat(800 - first).as("the retention (300 messages) bounds local and remote together")
                .isBetween(300L, 300L + 60);
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            assertThat(store.list(T + "/capped/0/").stream().filter(k -> k.endsWith(".segment")).count())
                    .as("deleted objects are gone from the store").isEqualTo(after.remoteSegments());
        }
    }

    @Test
    void shouldReadTheFullHistoryBehindCompactionWhileTheDefaultViewIsCompacted() throws Exception {
        open(false);
        StationConfig config = station(1, new StationConfig.Tiering(true, null, 0))
                .withCompaction(new StationConfig.Compaction(true, Duration.ZERO, Duration.ofDays(1)));
        broker.createStation(T, "people", config);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String key = "p" + i % 7;
            OutgoingMessage m = i % 50 == 49 ? OutgoingMessage.tombstone(bytes(key))
                    : OutgoingMessage.of(bytes(key), bytes("v" + i + "-" + "y".repeat(30)));
            broker.produce(T, "people", List.of(m)).join();
            all.add(key + "=" + (m.value() == null ? "<tombstone>" : text(m.value())));
        }
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering(); // uploads every sealed segment before compaction may rewrite it
        CompactionResult compacted = broker.runCompaction(T, "people");
        assertThat(compacted.messagesRemoved()).as("compaction ran on the uploaded segments").isPositive();

        Map<Integer, List<String>> full = readAll("people", "auditor", History.FULL);
        assertThat(full.get(0)).as("the full history: every record as appended").isEqualTo(all);
        Map<Integer, List<String>> latest = readAll("people", "state", null);
        assertThat(latest.get(0)).as("the default view is compacted").hasSizeLessThan(all.size());
        Map<String, String> lastOfKey = new LinkedHashMap<>();
        all.forEach(r -> lastOfKey.put(r.substring(0, r.indexOf('=')), r));
        assertThat(latest.get(0)).containsAll(lastOfKey.values().stream()
                .filter(r -> !r.endsWith("<tombstone>")).toList());
        assertThat(broker.groupInfo(T, "people", "auditor").history()).isEqualTo(History.FULL);

        restart(false);
        assertThat(readAll("people", "auditor-2", History.FULL).get(0)).as("after a restart").isEqualTo(all);

        broker.createStation(T, "plain", station(1, StationConfig.Tiering.OFF));
        assertThatThrownBy(() -> broker.createGroup(T, "plain", "g", StartPosition.earliest(), null, null,
                History.FULL)).isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shouldEncryptUploadsAndNeverServeATamperedObject() throws Exception {
        open(true);
        Map<Integer, List<String>> sent = uploaded("hr", 200, 5, "salary");
        List<Path> objects = objectFiles();
        assertThat(objects).isNotEmpty();
        for (Path object : objects) {
            assertThat(new String(Files.readAllBytes(object), StandardCharsets.ISO_8859_1)).as("%s", object)
                    .doesNotContain("salary");
        }
        assertThat(readAll("hr", "payroll", null)).isEqualTo(sent);

        // one bit flipped in the middle of the first object: after a restart (cache emptied) it is never served;
        // the manifest's CRC32C of the object refuses it first
        Path first = objects.get(0);
        byte[] bytes = Files.readAllBytes(first);
        String before = crc32c(bytes);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(first, bytes);
        restart(true);
        assertThatThrownBy(() -> broker.browse(T, "hr", 0, new StartPosition.AtOffset(0), 5, null))
                .hasMessageContaining("does not match its checksum");
        // a CRC is no defence against someone who means it (a change can keep it): as if the tampering had kept
        // the CRC32C, the manifest now names the tampered object's; authenticated decryption refuses it
        broker.close();
        broker = null;
        Path manifest = data.resolve("tenants").resolve(T).resolve("stations").resolve("hr")
                .resolve("partitions").resolve("0").resolve("tier-manifest.json");
        String text = TierManifestFiles.read(manifest.getParent());
        assertThat(text).contains("\"crc32c\" : \"" + before + "\"");
        TierManifestFiles.write(manifest.getParent(), text.replace("\"crc32c\" : \"" + before + "\"",
                "\"crc32c\" : \"" + crc32c(bytes) + "\""));
        open(true);
        assertThatThrownBy(() -> broker.browse(T, "hr", 0, new StartPosition.AtOffset(0), 5, null))
                .hasMessageContaining("failed authenticated decryption");
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "hr", "late", StartPosition.earliest(), Ordering.KEY, null, null,
                "reader", 100, box);
        assertThat(box.received.poll(2, TimeUnit.SECONDS)).as("nothing from a refused object").isNull();
        member.leave();
    }

    @Test
    void shouldKeepEverythingLocalWhileTheStoreFailsAndCatchUpWhenItAnswers() throws Exception {
        open(false);
        broker.createStation(T, "events", station(1, new StationConfig.Tiering(true, null, 1024)));
        proxy.failAll(503);
        Map<Integer, List<String>> sent = produce("events", 300, 9, "e");
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        TierStatus failing = broker.tierStatus(T, "events").get(0);
        assertThat(failing.failures()).isPositive();
        assertThat(failing.lastError()).isNotBlank();
        assertThat(failing.remoteSegments()).isZero();
        assertThat(failing.pendingSegments()).isPositive();
        assertThat(failing.localFirstOffset()).as("nothing local removed while not uploaded").isZero();
        assertThat(readAll("events", "during", null)).isEqualTo(sent);

        proxy.heal();
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        TierStatus healed = broker.tierStatus(T, "events").get(0);
        assertThat(healed.failures()).isZero();
        assertThat(healed.lastError()).isNull();
        assertThat(healed.pendingSegments()).isZero();
        assertThat(healed.localFirstOffset()).isPositive();
        restart(false);
        assertThat(readAll("events", "after", null)).isEqualTo(sent);
    }

    @Test
    void shouldRemoveWhatACrashLeftInTheStoreOnRestart() throws Exception {
        open(false);
        Map<Integer, List<String>> sent = uploaded("crashy", 200, 4, "c");
        broker.close();
        broker = null;
        // as a crash mid-upload leaves it: an object written, its manifest entry still "copy started"; and a
        // stray object no entry names
        Path manifest = manifestFile("crashy");
        String text = TierManifestFiles.read(manifest.getParent());
        String half = T + "/crashy/0/99999999999999999990-99999999999999999999-half.segment";
        text = text.replace("\"segments\" : [", "\"segments\" : [ {\n  \"key\" : \"" + half + "\",\n"
                + "  \"baseOffset\" : 999999990,\n  \"endOffset\" : 999999999,\n  \"sizeInBytes\" : 1,\n"
                + "  \"objectBytes\" : 0,\n  \"records\" : 9,\n  \"lastAppendTimeMs\" : 0,\n  \"maxTimestamp\" : 0,\n"
                + "  \"sha256\" : \"00\",\n  \"state\" : \"COPY_STARTED\"\n}, ");
        TierManifestFiles.write(manifest.getParent(), text);
        String stray = T + "/crashy/0/stray.segment";
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            store.put(half, new byte[] {1, 2, 3});
            store.put(stray, new byte[] {4});
        }
        open(false);
        clock.advance(Duration.ofMinutes(3)); // past the dedup window, which always stays local
        broker.runTiering();
        try (ObjectStore store = S3ObjectStore.open(s3.settings("junction/"))) {
            List<String> keys = store.list(T + "/crashy/0/");
            assertThat(keys).doesNotContain(half, stray);
            assertThat(TierManifestFiles.read(manifest.getParent())).doesNotContain("half.segment");
            assertThat(keys.stream().filter(k -> k.endsWith(".segment")).count())
                    .isEqualTo(broker.tierStatus(T, "crashy").get(0).remoteSegments());
        }
        assertThat(readAll("crashy", "after", null)).isEqualTo(sent);
    }

    @Test
    void shouldRefuseTieringOnABrokerWithoutAnObjectStore() {
        broker = Broker.open(new BrokerConfig(root.resolve("plain"), BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES,
                Durability.FSYNC, Duration.ofMillis(50), Clock.systemUTC(), 1L << 30, 0));
        assertThatThrownBy(() -> broker.createStation(T, "s", station(1, StationConfig.Tiering.on())))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
                    assertThat(e.getMessage()).contains("--s3-bucket");
                });
        assertThat(broker.tierStatus(T, "s".equals("s") ? createPlain() : "x")).isEmpty();
    }

    private String createPlain() {
        broker.createStation(T, "p", station(1, StationConfig.Tiering.OFF));
        return "p";
    }

    private List<Path> objectFiles() throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("s3"))) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".segment"))
                    .sorted().toList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String crc32c(byte[] bytes) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }
}
