package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import io.junction.schema.SchemaType;
import io.junction.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The message browser ({@link Broker#browse}: a partition read without a group, from a position, limited, searched,
 * bounded) and the reset of a group's position ({@link Broker#resetGroup}: earliest, latest, offset, time; refused
 * with members; durable through a restart and a kill -9; open dead letters untouched).
 */
class BrowseAndResetTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void reopen() {
        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static StationConfig config(int partitions) {
        return new StationConfig(partitions, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, Duration.ofSeconds(30), 5,
                Ordering.NONE);
    }

    /** Messages v0..v(n-1) with keys k0..k(n-1), timestamps 1000, 2000, ... all on partition {@code partition}. */
    private void produce(String station, int n, int partition) {
        broker.produce(T, station, IntStream.range(0, n).mapToObj(i -> new OutgoingMessage(bytes("k" + i),
                bytes("v" + i), List.of(), 1000L * (i + 1), null, partition)).toList()).join();
    }

    private static List<Long> offsets(BrowseResult r) {
        return r.messages().stream().map(StoredMessage::offset).toList();
    }

    private static void assertCode(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
    }

    // ----- browse ------------------------------------------------------------------------------------------------

    @Test
    void shouldBrowseFromTheStartAnOffsetATimeOrTheLastNWithinTheLimit() {
        broker.createStation(T, "s", config(2));
        produce("s", 10, 1);
        broker.createGroup(T, "s", "g", StartPosition.earliest());

        BrowseResult first = broker.browse(T, "s", 1, null, 3, null);
        assertThat(offsets(first)).containsExactly(0L, 1L, 2L);
        assertThat(first.nextOffset()).isEqualTo(3);
        assertThat(first.endReached()).isFalse();
        StoredMessage m = first.messages().get(0);
        assertThat(text(m.key())).isEqualTo("k0");
        assertThat(text(m.value())).isEqualTo("v0");
        assertThat(m.timestampMs()).isEqualTo(1000);
        assertThat(m.partition()).isEqualTo(1);
        assertThat(m.schemaName()).isEmpty();

        BrowseResult rest = broker.browse(T, "s", 1, new StartPosition.AtOffset(first.nextOffset()), 100, null);
        assertThat(offsets(rest)).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(rest.endReached()).isTrue();
        assertThat(rest.nextOffset()).isEqualTo(10).isEqualTo(rest.endOffset());

        assertThat(offsets(broker.browse(T, "s", 1, new StartPosition.AtTimestamp(5500), 2, null)))
                .as("the first message at or after the time").containsExactly(5L, 6L);
        assertThat(offsets(broker.browse(T, "s", 1, new StartPosition.LastN(2), 100, null))).containsExactly(8L, 9L);
        BrowseResult beyond = broker.browse(T, "s", 1, new StartPosition.AtOffset(1000), 100, null);
        assertThat(beyond.messages()).isEmpty();
        assertThat(beyond.nextOffset()).as("an offset beyond the end starts at the end").isEqualTo(10);
        assertThat(beyond.endReached()).isTrue();
        BrowseResult empty = broker.browse(T, "s", 0, null, 100, null);
        assertThat(empty.messages()).isEmpty();
        assertThat(empty.endReached()).isTrue();
        assertThat(broker.groupInfo(T, "s", "g").lag()).as("browsing touches no group").isEqualTo(10);
    }

    @Test
    void shouldStartAtTheLogStartWhenAnOffsetIsBelowIt() {
        broker.createStation(T, "s", new StationConfig(1, Duration.ofDays(7), 0, 5, Duration.ofSeconds(30), 5,
                Ordering.NONE, StationConfig.DEFAULT_DEDUP_WINDOW, StationConfig.DEFAULT_ON_DEAD_LETTER,
                StationConfig.DEFAULT_DLS_RETENTION, false, 1024, StationConfig.Compaction.OFF, null));
        for (int i = 0; i < 40; i++) { // one batch each, 1 KiB segments: retention can remove whole segments
            broker.produce(T, "s", List.of(OutgoingMessage.of(bytes("k" + i), bytes("v".repeat(100) + i)))).join();
        }
        broker.runRetention(T, "s");
        long first = broker.stationInfo(T, "s").partitions().get(0).earliestOffset();
        assertThat(first).as("retention removed the start").isPositive();
        BrowseResult r = broker.browse(T, "s", 0, new StartPosition.AtOffset(0), 1, null);
        assertThat(offsets(r)).containsExactly(first);
        assertThat(r.firstOffset()).isEqualTo(first);
    }

    @Test
    void shouldFindTheSearchedTextInKeysValuesHeaderNamesAndHeaderValues() {
        broker.createStation(T, "s", config(1));
        broker.produce(T, "s", List.of(
                OutgoingMessage.of(bytes("emp-1"), bytes("{\"name\":\"Ada\"}")),
                OutgoingMessage.of(bytes("emp-2"), bytes("{\"name\":\"Grace\",\"salary\":5000}")),
                new OutgoingMessage(null, bytes("plain"), List.of(new Header("trace-id", bytes("abc-123"))), 0, null,
                        null),
                OutgoingMessage.of(bytes("emp-3"), bytes("{\"name\":\"ada\"}")))).join();
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, "emp-2"))).as("key").containsExactly(1L);
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, "Ada"))).as("value, case-sensitive")
                .containsExactly(0L);
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, "trace"))).as("header name").containsExactly(2L);
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, "c-12"))).as("header value").containsExactly(2L);
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, "nowhere"))).isEmpty();
        BrowseResult one = broker.browse(T, "s", 0, null, 1, "name");
        assertThat(offsets(one)).containsExactly(0L);
        assertThat(one.nextOffset()).as("the next page goes on after the last match").isEqualTo(1);
        assertThat(offsets(broker.browse(T, "s", 0, new StartPosition.AtOffset(one.nextOffset()), 1, "name")))
                .containsExactly(1L);
    }

    @Test
    void shouldStopASearchAfterTheScanBoundAndGoOnFromWhereItStopped() {
        broker.createStation(T, "s", config(1));
        byte[] big = new byte[1_000_000];
        java.util.Arrays.fill(big, (byte) 'x');
        for (int i = 0; i < 20; i++) { // 20 MB, more than one call looks at
            broker.produce(T, "s", List.of(OutgoingMessage.of(null, big))).join();
        }
        broker.produce(T, "s", List.of(OutgoingMessage.of(null, bytes("needle")))).join();
        BrowseResult page = broker.browse(T, "s", 0, null, 100, "needle");
        assertThat(page.messages()).isEmpty();
        assertThat(page.endReached()).as("the call stopped at its scan bound").isFalse();
        assertThat(page.nextOffset()).isBetween(1L, 19L);
        int calls = 1;
        while (!page.endReached() && page.messages().isEmpty()) {
            page = broker.browse(T, "s", 0, new StartPosition.AtOffset(page.nextOffset()), 100, "needle");
            calls++;
        }
        assertThat(offsets(page)).containsExactly(20L);
        assertThat(calls).isBetween(2, 3);
    }

    @Test
    void shouldStopAPageAtItsByteBoundButAlwaysReturnOneMessage() {
        broker.createStation(T, "s", config(1));
        broker.produce(T, "s", IntStream.range(0, 10).mapToObj(i -> OutgoingMessage.of(null,
                bytes("x".repeat(100)))).toList()).join();
        BrowseResult r = broker.browse(T, "s", 0, null, 100, null, 250);
        assertThat(offsets(r)).containsExactly(0L, 1L);
        assertThat(r.nextOffset()).isEqualTo(2);
        assertThat(offsets(broker.browse(T, "s", 0, null, 100, null, 1))).containsExactly(0L);
    }

    @Test
    void shouldNameTheStationsSchemaAndEachMessagesOwnVersion() {
        broker.createSchema(T, "emp", SchemaType.JSON, "{\"type\":\"object\"}", null);
        broker.createStation(T, "s", config(1));
        broker.attachSchema(T, "s", "emp", 0, true);
        broker.produce(T, "s", List.of(OutgoingMessage.of(null, bytes("{\"a\":1}")))).join();
        broker.addSchemaVersion(T, "emp", "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"string\"}}}");
        broker.produce(T, "s", List.of(OutgoingMessage.of(null, bytes("{\"b\":\"x\"}")))).join();
        BrowseResult r = broker.browse(T, "s", 0, null, 100, null);
        assertThat(r.schemaName()).isEqualTo("emp");
        assertThat(r.schemaVersion()).as("attached with 0: the latest now").isEqualTo(2);
        assertThat(r.messages()).extracting(StoredMessage::schemaName).containsExactly("emp", "emp");
        assertThat(r.messages()).extracting(StoredMessage::schemaVersion).containsExactly(1, 2);
    }

    @Test
    void shouldRefuseBadBrowseRequestsWithTheirCodes() {
        broker.createStation(T, "s", config(2));
        assertCode(() -> broker.browse(T, "s", 0, null, 0, null), ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.browse(T, "s", 0, null, 1001, null), ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.browse(T, "s", 0, new StartPosition.AtOffset(-1), 10, null),
                ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.browse(T, "s", 0, new StartPosition.AtTimestamp(-1), 10, null),
                ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.browse(T, "s", 0, null, 10, "x".repeat(1025)), ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.browse(T, "s", 2, null, 10, null), ErrorCode.INVALID_PARTITION);
        assertCode(() -> broker.browse(T, "s", -1, null, 10, null), ErrorCode.INVALID_PARTITION);
        assertCode(() -> broker.browse(T, "nope", 0, null, 10, null), ErrorCode.UNKNOWN_STATION);
        assertCode(() -> broker.browse("nope", "s", 0, null, 10, null), ErrorCode.UNKNOWN_TENANT);
    }

    // ----- reset -------------------------------------------------------------------------------------------------

    /** Subscribes, takes {@code n} deliveries, acks each with ackSync, leaves; returns their "partition/offset". */
    private Set<String> consume(String station, String group, int n) throws InterruptedException {
        BrokerTest.Mailbox mailbox = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, station, group, null, "m", 1000, mailbox);
        Set<String> got = new HashSet<>();
        for (Delivery d : mailbox.take(n)) {
            assertThat(got.add(d.partition() + "/" + d.offset())).as("delivered once").isTrue();
            member.ackSync(List.of(d.ref()));
        }
        member.leave();
        assertThat(mailbox.received.poll(100, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
        return got;
    }

    private static Set<String> refs(int partition, int from, int to) {
        Set<String> refs = new HashSet<>();
        for (int o = from; o < to; o++) {
            refs.add(partition + "/" + o);
        }
        return refs;
    }

    @Test
    void shouldDeliverEveryMessageAgainAfterAResetToEarliestAndNothingOldAfterLatest() throws Exception {
        broker.createStation(T, "s", config(2));
        produce("s", 5, 0);
        produce("s", 5, 1);
        broker.createGroup(T, "s", "g", StartPosition.earliest());
        assertThat(consume("s", "g", 10)).hasSize(10);
        assertThat(broker.groupInfo(T, "s", "g").lag()).isZero();

        GroupInfo reset = broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        assertThat(reset.lag()).isEqualTo(10);
        assertThat(reset.partitions()).extracting(GroupInfo.Partition::ackFloor).containsExactly(0L, 0L);
        Set<String> again = consume("s", "g", 10);
        Set<String> all = refs(0, 0, 5);
        all.addAll(refs(1, 0, 5));
        assertThat(again).isEqualTo(all);

        broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        assertThat(broker.resetGroup(T, "s", "g", StartPosition.latest(), null).lag()).isZero();
        produce("s", 1, 1);
        assertThat(consume("s", "g", 1)).containsExactly("1/5");
    }

    @Test
    void shouldResetOnePartitionToAnOffsetOrATime() throws Exception {
        broker.createStation(T, "s", config(2));
        produce("s", 10, 0);
        produce("s", 10, 1);
        broker.createGroup(T, "s", "g", StartPosition.latest());
        GroupInfo info = broker.resetGroup(T, "s", "g", new StartPosition.AtOffset(7), 0);
        assertThat(info.partitions()).extracting(GroupInfo.Partition::ackFloor).containsExactly(7L, 10L);
        assertThat(consume("s", "g", 3)).isEqualTo(refs(0, 7, 10));
        info = broker.resetGroup(T, "s", "g", new StartPosition.AtTimestamp(8500), 1);
        assertThat(info.partitions()).extracting(GroupInfo.Partition::ackFloor).containsExactly(10L, 8L);
        assertThat(consume("s", "g", 2)).isEqualTo(refs(1, 8, 10));
        info = broker.resetGroup(T, "s", "g", new StartPosition.LastN(1), null);
        assertThat(info.lag()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAResetWhileMembersAreConnectedAndBadResetsWithTheirCodes() throws Exception {
        broker.createStation(T, "s", config(2));
        produce("s", 3, 0);
        BrokerTest.Mailbox mailbox = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 1, mailbox);
        Delivery held = mailbox.next();
        assertCode(() -> broker.resetGroup(T, "s", "g", StartPosition.latest(), null), ErrorCode.GROUP_IN_USE);
        member.ackSync(List.of(held.ref()));
        assertThat(broker.groupInfo(T, "s", "g").partitions().get(0).ackFloor()).as("unchanged").isEqualTo(1);
        member.leave();

        assertCode(() -> broker.resetGroup(T, "s", "nope", StartPosition.latest(), null), ErrorCode.UNKNOWN_GROUP);
        assertCode(() -> broker.resetGroup(T, "nope", "g", StartPosition.latest(), null), ErrorCode.UNKNOWN_STATION);
        assertCode(() -> broker.resetGroup(T, "s", "g", StartPosition.latest(), 2), ErrorCode.INVALID_PARTITION);
        assertCode(() -> broker.resetGroup(T, "s", "g", null, null), ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.resetGroup(T, "s", "g", new StartPosition.AtOffset(-1), 0),
                ErrorCode.INVALID_ARGUMENT);
        assertCode(() -> broker.resetGroup(T, "s", "g", new StartPosition.AtOffset(2), null),
                ErrorCode.OFFSET_OUT_OF_RANGE); // partition 1 holds nothing: checked on every partition first
        assertThat(broker.groupInfo(T, "s", "g").partitions()).extracting(GroupInfo.Partition::ackFloor)
                .as("a refused reset changes nothing").containsExactly(1L, 0L);
    }

    @Test
    void shouldKeepAResetThroughARestart() throws Exception {
        broker.createStation(T, "s", config(1));
        produce("s", 10, 0);
        broker.createGroup(T, "s", "g", StartPosition.earliest());
        consume("s", "g", 10);
        broker.resetGroup(T, "s", "g", new StartPosition.AtOffset(4), null);
        reopen();
        assertThat(broker.groupInfo(T, "s", "g").lag()).isEqualTo(6);
        assertThat(consume("s", "g", 6)).isEqualTo(refs(0, 4, 10));
        broker.resetGroup(T, "s", "g", StartPosition.latest(), null);
        broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        reopen();
        assertThat(broker.groupInfo(T, "s", "g").lag()).isEqualTo(10);
    }

    @Test
    void shouldLeaveOpenDeadLettersInTheDlsAndDoneForTheGroupAcrossAReset() throws Exception {
        broker.createStation(T, "s", config(1));
        produce("s", 5, 0);
        BrokerTest.Mailbox mailbox = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 100, mailbox);
        for (Delivery d : mailbox.take(5)) {
            if (d.offset() == 2) {
                member.deadLetter(List.of(d.ref()), "bad");
            } else {
                member.ackSync(List.of(d.ref()));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.groupInfo(T, "s", "g").lag() > 0) {
            assertThat(System.nanoTime()).as("dead-lettered within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        member.leave();
        GroupInfo info = broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        assertThat(info.lag()).as("the open dead letter stays done").isEqualTo(4);
        assertThat(info.deadLetters()).isEqualTo(1);
        assertThat(consume("s", "g", 4)).isEqualTo(Set.of("0/0", "0/1", "0/3", "0/4"));
        broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        reopen();
        assertThat(broker.groupInfo(T, "s", "g").lag()).as("the same after a restart").isEqualTo(4);
        assertThat(broker.listDeadLetters(T, "s", "g", -1, 10)).extracting(DeadLetter::offset).containsExactly(2L);
        long id = broker.listDeadLetters(T, "s", "g", -1, 10).get(0).id();
        broker.resendDeadLetters(T, "s", List.of(id), false, null);
        assertThat(consume("s", "g", 5)).as("a resend still brings it back").contains("0/2");
    }

    @Test
    void shouldKeepAParkedKeyParkedAcrossAResetAsAcrossARestart() throws Exception {
        broker.createStation(T, "s", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(30), 5, Ordering.KEY, StationConfig.DEFAULT_DEDUP_WINDOW, OnDeadLetter.PARK,
                StationConfig.DEFAULT_DLS_RETENTION));
        broker.produce(T, "s", List.of(OutgoingMessage.of(bytes("k"), bytes("k0")),
                OutgoingMessage.of(bytes("k"), bytes("k1")), OutgoingMessage.of(bytes("j"), bytes("j0")))).join();
        BrokerTest.Mailbox mailbox = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 100, mailbox);
        for (Delivery d : mailbox.take(2)) { // k0 and j0; k1 waits for k0
            if (d.offset() == 0) {
                member.deadLetter(List.of(d.ref()), "bad");
            } else {
                member.ackSync(List.of(d.ref()));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.groupInfo(T, "s", "g").deadLetters() == 0) {
            assertThat(System.nanoTime()).as("dead-lettered within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(mailbox.received.poll(100, TimeUnit.MILLISECONDS)).as("k1 parked behind k0").isNull();
        member.leave();

        broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        assertThat(consume("s", "g", 1)).as("j0 again; k1 still parked").containsExactly("0/2");
        broker.resetGroup(T, "s", "g", StartPosition.earliest(), null);
        reopen();
        assertThat(consume("s", "g", 1)).as("the same after a restart").containsExactly("0/2");
        broker.dropDeadLetters(T, "s", List.of(), true, "g");
        assertThat(consume("s", "g", 1)).as("dropped: the key goes on").containsExactly("0/1");
    }

    @Test
    void shouldKeepAResetThroughKillMinus9() throws Exception {
        broker.close();
        ChildJvm child = ChildJvm.start(ResetCrashChild.class, line -> { }, dir.toString());
        assertThat(child.awaitReady()).as("the child reset the group").isTrue();
        child.kill();
        broker = Broker.open(BrokerConfig.defaults(dir));
        GroupInfo info = broker.groupInfo(T, "s", "g");
        assertThat(info.partitions()).extracting(GroupInfo.Partition::ackFloor).containsExactly(0L, 0L);
        assertThat(info.lag()).isEqualTo(ResetCrashChild.TOTAL);
        assertThat(consume("s", "g", ResetCrashChild.TOTAL)).hasSize(ResetCrashChild.TOTAL);
    }
}
