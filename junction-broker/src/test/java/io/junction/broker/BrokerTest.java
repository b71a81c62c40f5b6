package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.internal.station.Murmur3;
import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private Broker broker;

    /** The broker under test, on files; {@link MemoryStoreBrokerTest} runs every test here on memory stores. */
    Broker openBroker(Path dir) {
        return Broker.open(BrokerConfig.defaults(dir));
    }

    @BeforeEach
    void open() {
        broker = openBroker(dir);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void reopen() {
        broker.close();
        broker = openBroker(dir);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private List<Receipt> produce(String station, List<OutgoingMessage> messages) {
        return broker.produce(T, station, messages).join();
    }

    private List<Receipt> produceValues(String station, int count) {
        List<OutgoingMessage> messages = IntStream.range(0, count)
                .mapToObj(i -> OutgoingMessage.of(bytes("k" + (i % 7)), bytes("v" + i))).toList();
        return produce(station, messages);
    }

    /** Settings without ordering, so that these tests see every message at once (KeyOrderingTest covers KEY). */
    private static StationConfig config(int partitions, Duration ackTimeout) {
        return new StationConfig(partitions, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, ackTimeout, 5,
                Ordering.NONE);
    }

    /** A member's mailbox. */
    static class Mailbox implements DeliverySink {
        final BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        volatile BrokerException closedWith;

        @Override
        public void deliver(Delivery delivery) {
            received.add(delivery);
        }

        @Override
        public void closed(BrokerException reason) {
            closedWith = reason;
        }

        Delivery next() throws InterruptedException {
            Delivery d = received.poll(10, TimeUnit.SECONDS);
            assertThat(d).as("a delivery within 10 s").isNotNull();
            return d;
        }

        List<Delivery> take(int n) throws InterruptedException {
            List<Delivery> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(next());
            }
            return out;
        }
    }

    // ----- stations ----------------------------------------------------------------------------------------------

    @Test
    void shouldCreateListDescribeUpdateAndDeleteStationsDurably() {
        broker.createStation(T, "orders", config(3, Duration.ofSeconds(30)));
        broker.createStation(T, "emp.changes-v1", StationConfig.defaults());
        assertThat(broker.listStations(T)).extracting(StationInfo::name).containsExactly("emp.changes-v1", "orders");
        StationInfo info = broker.stationInfo(T, "orders");
        assertThat(info.partitions()).hasSize(3);
        assertThat(info.config().ackTimeout()).isEqualTo(Duration.ofSeconds(30));

        broker.updateStation(T, "orders", new StationConfig(3, Duration.ofDays(1), 1000, 0, Duration.ofSeconds(5), 9,
                Ordering.KEY));
        reopen();
        StationInfo after = broker.stationInfo(T, "orders");
        assertThat(after.config().retentionAge()).isEqualTo(Duration.ofDays(1));
        assertThat(after.config().maxDeliveries()).isEqualTo(9);
        assertThat(after.createdAtMs()).isEqualTo(info.createdAtMs());

        broker.deleteStation(T, "orders");
        reopen();
        assertThat(broker.listStations(T)).extracting(StationInfo::name).containsExactly("emp.changes-v1");
        broker.createStation(T, "orders", StationConfig.defaults());
        assertThat(broker.stationInfo(T, "orders").messages()).isZero();
    }

    @Test
    void shouldRefuseBadStationRequestsWithTheirCodes() {
        broker.createStation(T, "orders", StationConfig.defaults());
        assertCode(() -> broker.createStation(T, "orders", StationConfig.defaults()), ErrorCode.STATION_EXISTS);
        assertCode(() -> broker.createStation(T, "Orders", StationConfig.defaults()), ErrorCode.INVALID_NAME);
        assertCode(() -> broker.createStation(T, "$internal", StationConfig.defaults()), ErrorCode.INVALID_NAME);
        assertCode(() -> broker.createStation(T, "a".repeat(129), StationConfig.defaults()), ErrorCode.INVALID_NAME);
        assertCode(() -> broker.createStation(T, "x", config(0, Duration.ofSeconds(1))), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.createStation(T, "x", config(1, Duration.ofMillis(1))), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.stationInfo(T, "nope"), ErrorCode.UNKNOWN_STATION);
        assertCode(() -> broker.stationInfo("acme", "orders"), ErrorCode.UNKNOWN_TENANT);
        assertCode(() -> broker.updateStation(T, "orders", config(2, Duration.ofSeconds(1))), ErrorCode.INVALID_CONFIG);
        // Compaction keeps latest values: no retention by bytes, messages or acks with it.
        StationConfig compacted = StationConfig.defaults().withCompaction(StationConfig.Compaction.on(Duration.ZERO));
        assertCode(() -> broker.createStation(T, "x", new StationConfig(1, null, 1000, 0, Duration.ofSeconds(30), 5)
                .withCompaction(compacted.compaction())), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.createStation(T, "x", compacted.withRetentionAck(true)), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.createStation(T, "x", compacted.withCompaction(new StationConfig.Compaction(true,
                Duration.ofSeconds(-1), Duration.ZERO))), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.createStation(T, "x", compacted.withSegmentBytes(100)), ErrorCode.INVALID_CONFIG);
        assertCode(() -> broker.updateStation(T, "orders", StationConfig.defaults().withSegmentBytes(4096)),
                ErrorCode.INVALID_CONFIG); // fixed at creation
        assertCode(() -> broker.produce(T, "orders", List.of(new OutgoingMessage(null, null, List.of(), 0, null,
                null))), ErrorCode.INVALID_ARGUMENT); // a tombstone needs a key
        assertThat(broker.listStations(T)).hasSize(1);
        assertThat(broker.stationInfo(T, "orders").messages()).isZero();
    }

    private static void assertCode(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOf(BrokerException.class)
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(code));
    }

    // ----- produce -----------------------------------------------------------------------------------------------

    @Test
    void shouldRouteByKeyRoundRobinOrExplicitPartition() {
        broker.createStation(T, "orders", config(4, Duration.ofSeconds(30)));
        List<Receipt> keyed = produce("orders", List.of(OutgoingMessage.of(bytes("emp-1"), bytes("a")),
                OutgoingMessage.of(bytes("emp-1"), bytes("b")), OutgoingMessage.of(bytes("emp-1"), bytes("c"))));
        assertThat(keyed).extracting(Receipt::partition).containsOnly(Murmur3.partitionOf(bytes("emp-1"), 4));
        assertThat(keyed).extracting(Receipt::offset).containsExactly(0L, 1L, 2L);

        List<Receipt> keyless = produce("orders", IntStream.range(0, 8)
                .mapToObj(i -> OutgoingMessage.of(null, bytes("x" + i))).toList());
        assertThat(keyless).extracting(Receipt::partition).containsOnly(0, 1, 2, 3);
        assertThat(keyless.stream().filter(r -> r.partition() == 2).count()).isEqualTo(2);

        Receipt explicit = produce("orders", List.of(new OutgoingMessage(bytes("emp-1"), bytes("z"), List.of(), 0,
                null, 3))).get(0);
        assertThat(explicit.partition()).isEqualTo(3);
        assertThat(broker.stationInfo(T, "orders").messages()).isEqualTo(12);
    }

    @Test
    void shouldRefuseBadMessagesAndStoreNothingOfTheRequest() {
        broker.createStation(T, "orders", config(2, Duration.ofSeconds(30)));
        OutgoingMessage good = OutgoingMessage.of(null, bytes("fine"));
        assertCode(() -> broker.produce(T, "nope", List.of(good)), ErrorCode.UNKNOWN_STATION);
        assertCode(() -> broker.produce(T, "orders", List.of(good,
                OutgoingMessage.of(null, new byte[(1 << 20) + 1]))), ErrorCode.MESSAGE_TOO_LARGE);
        assertCode(() -> broker.produce(T, "orders", List.of(good,
                new OutgoingMessage(null, bytes("x"), List.of(), 0, null, 2))), ErrorCode.INVALID_PARTITION);
        assertCode(() -> broker.produce(T, "orders", List.of(good,
                new OutgoingMessage(null, bytes("x"), List.of(new Header("", bytes("v"))), 0, null, null))),
                ErrorCode.INVALID_HEADER);
        assertCode(() -> broker.produce(T, "orders", List.of(good,
                new OutgoingMessage(null, bytes("x"), List.of(new Header("junction-x", null)), 0, null, null))),
                ErrorCode.INVALID_HEADER);
        assertThat(broker.stationInfo(T, "orders").messages()).isZero();
    }

    @Test
    void shouldHashKeysWithMurmur3() {
        // Reference values of MurmurHash3_x86_32 with seed 0.
        assertThat(Murmur3.hash32(new byte[0])).isZero();
        assertThat(Murmur3.hash32(bytes("hello"))).isEqualTo(0x248bfa47);
        assertThat(Murmur3.hash32(bytes("The quick brown fox jumps over the lazy dog"))).isEqualTo(0x2e4ff723);
    }

    // ----- groups ------------------------------------------------------------------------------------------------

    @Test
    void shouldGiveEveryGroupEveryMessageWithKeysAndHeaders() throws Exception {
        broker.createStation(T, "orders", config(2, Duration.ofSeconds(30)));
        produce("orders", List.of(new OutgoingMessage(bytes("emp-1"), bytes("renamed"),
                List.of(new Header("type", bytes("rename"))), 1234, null, null)));
        produceValues("orders", 9);
        for (String group : List.of("billing", "payroll")) {
            Mailbox box = new Mailbox();
            GroupMember member = broker.subscribe(T, "orders", group, StartPosition.earliest(), "m", 100, box);
            List<Delivery> all = box.take(10);
            assertThat(all).extracting(d -> text(d.value())).contains("renamed", "v0", "v8");
            Delivery renamed = all.stream().filter(d -> text(d.value()).equals("renamed")).findFirst().orElseThrow();
            assertThat(text(renamed.key())).isEqualTo("emp-1");
            assertThat(renamed.headers()).containsExactly(new Header("type", bytes("rename")));
            assertThat(renamed.timestampMs()).isEqualTo(1234);
            assertThat(renamed.deliveries()).isEqualTo(1);
            member.ackSync(all.stream().map(Delivery::ref).toList());
            assertThat(broker.groupInfo(T, "orders", group).lag()).isZero();
        }
        assertThat(broker.listGroups(T, "orders")).extracting(GroupInfo::name).containsExactly("billing", "payroll");
    }

    @Test
    void shouldShareMessagesAmongMembersWithNoneLostOrDuplicated() throws Exception {
        broker.createStation(T, "orders", config(3, Duration.ofSeconds(30)));
        Mailbox[] boxes = {new Mailbox(), new Mailbox(), new Mailbox()};
        GroupMember[] members = new GroupMember[3];
        for (int i = 0; i < 3; i++) {
            members[i] = broker.subscribe(T, "orders", "workers", StartPosition.earliest(), "m" + i, 10, boxes[i]);
        }
        produceValues("orders", 300);
        Set<String> seen = new HashSet<>();
        int[] perMember = new int[3];
        int received = 0;
        while (received < 300) {
            for (int i = 0; i < 3; i++) {
                Delivery d = boxes[i].received.poll(5, TimeUnit.MILLISECONDS);
                if (d != null) {
                    assertThat(seen.add(d.partition() + "/" + d.offset())).as("no duplicate").isTrue();
                    members[i].ack(List.of(d.ref()));
                    members[i].addCredits(1);
                    perMember[i]++;
                    received++;
                }
            }
        }
        assertThat(seen).hasSize(300);
        assertThat(perMember).doesNotContain(0);
        for (Mailbox box : boxes) {
            assertThat(box.received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void shouldRedeliverAfterTheAckTimeoutWithARisingDeliveryCount() throws Exception {
        broker.createStation(T, "orders", config(1, Duration.ofMillis(200)));
        produceValues("orders", 1);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "slow", StartPosition.earliest(), "m", 10, box);
        Delivery first = box.next();
        Delivery second = box.next(); // not acked: comes back after the ack timeout
        Delivery third = box.next();
        assertThat(List.of(first.offset(), second.offset(), third.offset())).containsOnly(0L);
        assertThat(List.of(first.deliveries(), second.deliveries(), third.deliveries())).containsExactly(1, 2, 3);
        member.ackSync(List.of(third.ref()));
        assertThat(box.received.poll(600, TimeUnit.MILLISECONDS)).as("acked: not delivered again").isNull();
    }

    @Test
    void firstDeliveriesCarryTheStoredBatchTheyWereReadInAndRedeliveriesDoNot() throws Exception {
        broker.createStation(T, "orders", config(1, Duration.ofSeconds(30)));
        produceValues("orders", 3); // one produce call: one stored batch
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 10, box);
        List<Delivery> first = box.take(3);
        java.nio.ByteBuffer batch = first.get(0).storedBatch();
        assertThat(batch).isNotNull();
        assertThat(first).allSatisfy(d -> assertThat(d.storedBatch()).as("one view, shared").isSameAs(batch));
        assertThat(batch.getLong(batch.position())).as("its base offset").isZero();
        assertThat(batch.getInt(batch.position() + 52)).as("its record count").isEqualTo(3);
        assertThat(batch.isReadOnly()).isTrue();

        member.nack(List.of(first.get(1).ref()), Duration.ZERO);
        Delivery again = box.next();
        assertThat(again.offset()).isEqualTo(1);
        assertThat(again.storedBatch()).as("read again alone: sent as itself").isNull();
    }

    @Test
    void shouldRedeliverAtOnceAfterANackAndLaterAfterANackWithDelay() throws Exception {
        broker.createStation(T, "orders", StationConfig.defaults());
        produceValues("orders", 2);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 10, box);
        List<Delivery> firstRound = box.take(2);
        member.nack(List.of(firstRound.get(0).ref()), Duration.ZERO);
        Delivery again = box.next();
        assertThat(again.offset()).isEqualTo(firstRound.get(0).offset());
        assertThat(again.deliveries()).isEqualTo(2);

        long nackedAt = System.nanoTime();
        member.nack(List.of(again.ref()), Duration.ofMillis(300));
        Delivery later = box.next();
        assertThat(later.deliveries()).isEqualTo(3);
        assertThat(System.nanoTime() - nackedAt).as("not before the delay").isGreaterThanOrEqualTo(
                TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void shouldExtendTheDeadlineOnInProgress() throws Exception {
        broker.createStation(T, "orders", config(1, Duration.ofMillis(300)));
        produceValues("orders", 1);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 10, box);
        Delivery d = box.next();
        long start = System.nanoTime();
        // Keep saying "in progress" for well over the ack timeout: no redelivery meanwhile.
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(900)) {
            member.inProgress(List.of(d.ref()));
            assertThat(box.received.poll(100, TimeUnit.MILLISECONDS)).isNull();
        }
        member.ackSync(List.of(d.ref()));
        assertThat(broker.groupInfo(T, "orders", "g").lag()).isZero();
    }

    @Test
    void shouldRedeliverAMembersMessagesAtOnceWhenItLeaves() throws Exception {
        broker.createStation(T, "orders", StationConfig.defaults()); // ack timeout 30 s: not what brings them back
        produceValues("orders", 3);
        Mailbox a = new Mailbox();
        GroupMember first = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "a", 3, a);
        List<Delivery> taken = a.take(3);
        Mailbox b = new Mailbox();
        broker.subscribe(T, "orders", "g", StartPosition.earliest(), "b", 10, b);
        first.leave();
        List<Delivery> redelivered = b.take(3);
        assertThat(redelivered).extracting(Delivery::offset)
                .containsExactlyInAnyOrderElementsOf(taken.stream().map(Delivery::offset).toList());
        assertThat(redelivered).extracting(Delivery::deliveries).containsOnly(2);
    }

    @Test
    void shouldNeverSendAMemberMoreThanItsCredits() throws Exception {
        broker.createStation(T, "orders", StationConfig.defaults());
        produceValues("orders", 50);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 2, box);
        box.take(2);
        assertThat(box.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(broker.groupInfo(T, "orders", "g").inFlight()).isEqualTo(2);
        member.addCredits(3);
        box.take(3);
        assertThat(box.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(broker.groupInfo(T, "orders", "g").members()).singleElement()
                .satisfies(m -> assertThat(m.credits()).isZero());
    }

    @Test
    void shouldResumeAfterARestartWithoutRedeliveringWhatWasAcked() throws Exception {
        broker.createStation(T, "orders", config(2, Duration.ofSeconds(30)));
        produceValues("orders", 20);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 12, box);
        List<Delivery> got = box.take(12);
        member.ack(got.subList(0, 10).stream().map(Delivery::ref).toList()); // plain acks: a clean close keeps them
        assertThat(broker.groupInfo(T, "orders", "g").lag()).isEqualTo(10);
        reopen();
        assertThat(broker.groupInfo(T, "orders", "g").lag()).isEqualTo(10);
        Mailbox after = new Mailbox();
        broker.subscribe(T, "orders", "g", null, "m2", 100, after);
        List<Delivery> rest = after.take(10);
        assertThat(after.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        Set<String> acked = new HashSet<>();
        got.subList(0, 10).forEach(d -> acked.add(d.partition() + "/" + d.offset()));
        assertThat(rest).noneMatch(d -> acked.contains(d.partition() + "/" + d.offset()));
        // the two delivered-but-unacked ones come back with their count continued
        assertThat(rest.stream().filter(d -> d.deliveries() == 2).count()).isEqualTo(2);
    }

    @Test
    void syncAcksIssuedWithoutWaitingAreConfirmedInOrderOnceDurable() throws Exception {
        broker.createStation(T, "orders", config(2, Duration.ofSeconds(30)));
        produceValues("orders", 30);
        Mailbox box = new Mailbox();
        GroupMember member = broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 30, box);
        List<Delivery> got = box.take(30);
        List<Integer> confirmedOrder = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<java.util.concurrent.CompletableFuture<List<DeliveryRef>>> confirmations = new java.util.ArrayList<>();
        for (int i = 0; i < got.size(); i++) { // none waits for the one before: they share the journal's fsyncs
            int n = i;
            confirmations.add(member.ackSyncAsync(List.of(got.get(i).ref()))
                    .whenComplete((stale, e) -> confirmedOrder.add(n)));
        }
        for (var c : confirmations) {
            assertThat(c.get(30, TimeUnit.SECONDS)).as("nothing stale").isEmpty();
        }
        assertThat(confirmedOrder).as("confirmed in the order the acks were made").isSorted().hasSize(30);
        // A stale one (acked already) is confirmed as stale, changing nothing.
        assertThat(member.ackSyncAsync(List.of(got.get(0).ref())).get(30, TimeUnit.SECONDS))
                .containsExactly(got.get(0).ref());
        reopen();
        assertThat(broker.groupInfo(T, "orders", "g").lag()).as("every confirmed ack kept").isZero();
    }

    @Test
    void shouldStartNewGroupsWhereAsked() throws Exception {
        broker.createStation(T, "orders", StationConfig.defaults());
        produceValues("orders", 10);
        assertThat(broker.createGroup(T, "orders", "late", StartPosition.latest()).lag()).isZero();
        assertThat(broker.createGroup(T, "orders", "tail", new StartPosition.LastN(3)).lag()).isEqualTo(3);
        assertThat(broker.createGroup(T, "orders", "from7", new StartPosition.AtOffset(7)).lag()).isEqualTo(3);
        assertThat(broker.createGroup(T, "orders", "all", StartPosition.earliest()).lag()).isEqualTo(10);
        assertThat(broker.createGroup(T, "orders", "future", new StartPosition.AtTimestamp(Long.MAX_VALUE)).lag())
                .isZero();
        Mailbox box = new Mailbox();
        broker.subscribe(T, "orders", "tail", null, "m", 10, box);
        assertThat(box.take(3)).extracting(d -> text(d.value())).containsExactly("v7", "v8", "v9");
        assertCode(() -> broker.groupInfo(T, "orders", "nope"), ErrorCode.UNKNOWN_GROUP);
        assertCode(() -> broker.createGroup(T, "orders", "Bad Name", null), ErrorCode.INVALID_NAME);
    }

    @Test
    void shouldTellMembersWhenTheBrokerShutsDown() throws Exception {
        broker.createStation(T, "orders", StationConfig.defaults());
        Mailbox box = new Mailbox();
        broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 1, box);
        broker.close();
        assertThat(box.closedWith).isNotNull();
        assertThat(box.closedWith.code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
        assertCode(() -> broker.listStations(T), ErrorCode.SHUTTING_DOWN);
    }
}
