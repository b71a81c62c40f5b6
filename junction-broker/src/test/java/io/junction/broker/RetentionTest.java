package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention by age, bytes and count, in whole segments; groups skip what it removed (issue #7, point 1). */
class RetentionTest {

    private static final String T = Broker.DEFAULT_TENANT;
    /** Small segments: a 1 KiB message each, so a few messages per segment. */
    private static final long SEGMENT_BYTES = 4096;

    @TempDir
    Path dir;

    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();
    private Broker broker;

    @org.junit.jupiter.api.BeforeEach
    void open() {
        broker = openBroker();
    }

    private Broker openBroker() {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), clock, SEGMENT_BYTES));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void station(Duration age, long bytes, long messages) {
        broker.createStation(T, "s", new StationConfig(1, age, bytes, messages, Duration.ofSeconds(30), 5));
    }

    /** Produces {@code n} messages of 1 KiB, one request each (so one batch each). */
    private void produce(int n, String prefix) {
        for (int i = 0; i < n; i++) {
            byte[] value = new byte[1024];
            byte[] text = (prefix + i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(text, 0, value, 0, text.length);
            broker.produce(T, "s", List.of(OutgoingMessage.of(null, value))).join();
        }
    }

    private StationInfo.PartitionInfo partition() {
        return broker.stationInfo(T, "s").partitions().get(0);
    }

    @Test
    void shouldDropWholeSegmentsOlderThanTheAge() {
        station(Duration.ofHours(1), 0, 0);
        produce(10, "old-");
        clock.advance(Duration.ofMinutes(90));
        produce(3, "new-");
        RetentionResult r = broker.runRetention(T, "s");
        assertThat(r.segments()).isPositive();
        // Whole segments: the old messages that share the segment of the first new one stay (3 fit a segment).
        long earliest = partition().earliestOffset();
        assertThat(earliest).as("old segments gone, no new message").isBetween(8L, 10L);
        assertThat(r.messages()).isEqualTo(earliest);
        assertThat(r.segmentsBefore() - r.segmentsAfter()).isEqualTo(r.segments());
        assertThat(r.bytesBefore() - r.bytesAfter()).isEqualTo(r.bytes()).isPositive();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broker.createGroup(T, "s", "late",
                new StartPosition.AtOffset(0))).isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
                    assertThat(e.getMessage()).contains("the earliest offset is " + earliest);
                });
        assertThat(broker.listGroups(T, "s")).as("a refused start leaves no group").isEmpty();
        assertThat(broker.createGroup(T, "s", "late", new StartPosition.AtOffset(earliest)).lag())
                .isEqualTo(13 - earliest);
        assertThat(broker.runRetention(T, "s").segments()).as("nothing more to do").isZero();
    }

    /** Produces {@code n} messages of 1 KiB dated {@code timestampMs}, one request each. */
    private void produceDated(int n, long timestampMs) {
        for (int i = 0; i < n; i++) {
            broker.produce(T, "s", List.of(new OutgoingMessage(null, new byte[1024], List.of(), timestampMs, null,
                    null))).join();
        }
    }

    @Test
    void shouldDropASegmentOnlyOnceItsAppendTimesAndItsMessagesTimestampsAreAllOlderThanTheAge() {
        station(Duration.ofHours(1), 0, 0);
        produceDated(10, clock.millis() - Duration.ofHours(2).toMillis());
        assertThat(broker.runRetention(T, "s").segments()).as("just stored, though dated two hours back").isZero();
        clock.advance(Duration.ofMinutes(61));
        produce(3, "new-");
        assertThat(broker.runRetention(T, "s").segments()).as("stored more than an hour ago").isPositive();
        assertThat(partition().earliestOffset()).isBetween(8L, 10L);

        broker.deleteStation(T, "s");
        station(Duration.ofHours(1), 0, 0);
        produceDated(10, clock.millis() + Duration.ofMinutes(50).toMillis()); // the most the broker takes: 1 h
        clock.advance(Duration.ofMinutes(70));
        produce(3, "new-");
        assertThat(broker.runRetention(T, "s").segments()).as("stored 70 minutes ago, dated 20 minutes ago")
                .isZero();
    }

    @Test
    void shouldKeepAtLeastTheRetainedCountAndBytesAndNeverTheActiveSegment() {
        station(null, 0, 5);
        produce(20, "m-");
        broker.runRetention(T, "s");
        StationInfo.PartitionInfo p = partition();
        assertThat(p.nextOffset() - p.earliestOffset()).as("at least 5 kept, whole segments").isBetween(5L, 8L);

        broker.deleteStation(T, "s");
        station(null, 3 * SEGMENT_BYTES, 0);
        produce(30, "m-");
        broker.runRetention(T, "s");
        assertThat(partition().bytes()).isLessThanOrEqualTo(3 * SEGMENT_BYTES).isGreaterThan(SEGMENT_BYTES);
        assertThat(partition().nextOffset()).isEqualTo(30);
    }

    @Test
    void shouldDropWhatEveryGroupAckedWhenAckRetentionIsOnAndNothingWithoutGroups() throws Exception {
        broker.createStation(T, "s", new StationConfig(1, null, 0, 0, Duration.ofSeconds(30), 5)
                .withRetentionAck(true));
        produce(12, "m-");
        assertThat(broker.runRetention(T, "s").segments()).as("no group yet: kept for the first one").isZero();

        for (String group : List.of("fast", "slow")) {
            BrokerTest.Mailbox box = new BrokerTest.Mailbox();
            GroupMember member = broker.subscribe(T, "s", group, StartPosition.earliest(), "m", 12, box);
            List<Delivery> got = box.take(12);
            int acks = group.equals("fast") ? 12 : 7;
            for (Delivery d : got.subList(0, acks)) {
                member.ackSync(List.of(d.ref()));
            }
            member.leave();
        }
        broker.runRetention(T, "s");
        long earliest = partition().earliestOffset();
        assertThat(earliest).as("whole segments below what the slow group acked").isBetween(5L, 7L);
        assertThat(broker.groupInfo(T, "s", "slow").partitions().get(0).skipped()).isZero();
        assertThat(broker.groupInfo(T, "s", "slow").lag()).isEqualTo(5);
    }

    @Test
    void shouldMoveAGroupPastWhatRetentionRemovedAndCountWhatItSkipped() throws Exception {
        station(Duration.ofHours(1), 0, 0);
        produce(10, "old-");
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 2, box);
        List<Delivery> first = box.take(2);
        member.ack(List.of(first.get(0).ref(), first.get(1).ref())); // 2 acked, 8 never processed
        member.leave();
        clock.advance(Duration.ofMinutes(90));
        produce(2, "new-");
        broker.runRetention(T, "s");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        GroupInfo info = broker.groupInfo(T, "s", "g");
        while (info.partitions().get(0).skipped() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            info = broker.groupInfo(T, "s", "g");
        }
        long earliest = partition().earliestOffset();
        assertThat(earliest).isBetween(8L, 10L);
        assertThat(info.partitions().get(0).skipped()).as("removed before being acked").isEqualTo(earliest - 2);
        assertThat(info.partitions().get(0).ackFloor()).isEqualTo(earliest);
        assertThat(info.lag()).isEqualTo(12 - earliest);

        BrokerTest.Mailbox after = new BrokerTest.Mailbox();
        broker.subscribe(T, "s", "g", null, "m2", 10, after);
        List<String> values = new ArrayList<>();
        for (Delivery d : after.take((int) (12 - earliest))) {
            values.add(new String(d.value(), StandardCharsets.UTF_8).trim());
            assertThat(d.offset()).isGreaterThanOrEqualTo(earliest);
        }
        assertThat(values).last().asString().startsWith("new-1");

        broker.close();
        broker = openBroker();
        assertThat(broker.groupInfo(T, "s", "g").partitions().get(0).ackFloor()).as("journaled")
                .isGreaterThanOrEqualTo(earliest);
    }
}
