package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.internal.group.ReadAhead;
import io.junction.errors.ErrorCode;
import io.junction.log.LogConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one group member may hold is bounded by the broker's configuration, not by the credits its client grants
 * (issue #13): a maximum of unacked deliveries in messages and in bytes, about one response's worth per dispatch
 * round, nothing while its transport does not take more, and removal after the stall timeout.
 *
 * <p>"Nothing more was handed out" is read from group info, which the group's owner thread answers after every
 * command queued before it (a sink hears of a delivery within the command that made it).
 */
class ConsumerLimitsTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    private void open(int maxPrefetch, long maxPrefetchBytes, Duration stallTimeout) {
        broker = Broker.open(new BrokerConfig(dir, 4 << 20, Durability.FSYNC, BrokerConfig.DEFAULT_FLUSH_INTERVAL,
                Clock.systemUTC(), LogConfig.DEFAULT_SEGMENT_BYTES, BrokerConfig.DEFAULT_COMPACTION_BYTES_PER_SECOND,
                new BrokerConfig.ConsumerLimits(maxPrefetch, maxPrefetchBytes, stallTimeout)));
        broker.createStation(T, "big", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, LONG, 5,
                Ordering.KEY));
    }

    /** {@code n} messages of {@code size} bytes each, keys k0, k1, ... (or all {@code key} when not null). */
    private void produce(int n, int size, String key) {
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] value = new byte[size];
            Arrays.fill(value, (byte) ('a' + i % 26));
            messages.add(OutgoingMessage.of((key != null ? key : "k" + i).getBytes(StandardCharsets.UTF_8), value));
        }
        broker.produce(T, "big", messages).join();
    }

    private GroupMember join(String name, int credits, DeliverySink sink) {
        return broker.subscribe(T, "big", "g", StartPosition.earliest(), name, credits, sink);
    }

    private GroupInfo info() {
        return broker.groupInfo(T, "big", "g");
    }

    /** A mailbox whose transport can refuse more, and that records each hand-off's size. */
    static final class Box extends BrokerTest.Mailbox {
        volatile boolean ready = true;
        final List<Integer> handOffs = new CopyOnWriteArrayList<>();

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public int deliver(List<Delivery> deliveries) {
            handOffs.add(deliveries.size());
            deliveries.forEach(this::deliver);
            return deliveries.size();
        }
    }

    @Test
    void aMemberHoldsNoMoreUnackedMessagesThanMaxPrefetchWhateverItsCredits() throws Exception {
        open(5, 1L << 30, LONG);
        produce(20, 10, null);
        Box box = new Box();
        GroupMember member = join("greedy", 2_000_000_000, box);

        List<Delivery> first = box.take(5);
        assertThat(info().inFlight()).isEqualTo(5);
        assertThat(box.received).isEmpty();

        member.ack(List.of(first.get(0).ref(), first.get(1).ref()));
        box.take(2);
        assertThat(info().inFlight()).as("two acked, two more").isEqualTo(5);
        assertThat(box.received).isEmpty();
    }

    @Test
    void aMemberHoldsNoMoreBytesThanMaxPrefetchBytesButOneMessageAlwaysGoes() throws Exception {
        open(1000, 250_000, LONG);
        produce(10, 100_000, null);
        Box box = new Box();
        GroupMember member = join("greedy", 1000, box);

        box.take(3); // 0, 100 000 and 200 000 bytes held before each: the third makes 300 000
        assertThat(info().inFlight()).isEqualTo(3);
        assertThat(box.received).isEmpty();
        member.leave();
        info();

        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir)); // only to delete the station: a fresh one for the next case
        broker.deleteStation(T, "big");
        broker.close();
        open(1000, 50_000, LONG); // a limit below one message
        produce(3, 100_000, null);
        Box alone = new Box();
        join("alone", 1000, alone);
        alone.next();
        assertThat(info().inFlight()).as("one message goes, however large").isEqualTo(1);
    }

    @Test
    void oneDispatchRoundHandsAMemberAboutOneResponsesWorth() throws Exception {
        open(1000, 1L << 30, LONG);
        produce(12, 300_000, null);
        Box box = new Box();
        join("m", 1000, box);

        box.take(12);
        assertThat(box.handOffs).as("at most 1 MiB, plus the message that crosses it, per hand-off")
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(4))
                .hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void aMemberWhoseTransportTakesNothingGetsNothingUntilItIsReadyAgain() throws Exception {
        open(1000, 1L << 30, LONG);
        produce(3, 10, null);
        Box box = new Box();
        box.ready = false;
        GroupMember member = join("paused", 100, box);
        assertThat(info().inFlight()).isZero();
        assertThat(box.received).isEmpty();

        box.ready = true;
        member.ready();
        assertThat(box.take(3)).extracting(Delivery::offset).containsExactly(0L, 1L, 2L);
    }

    @Test
    void aMemberThatReadsNothingForTheStallTimeoutIsRemovedAndItsDeliveriesGoToTheOthers() throws Exception {
        open(1000, 1L << 30, Duration.ofMillis(300));
        produce(3, 10, null);
        Box stalled = new Box();
        join("stalled", 100, stalled);
        List<Delivery> held = stalled.take(3);
        stalled.ready = false; // its client stops reading
        Box other = new Box();
        join("other", 100, other);

        List<Delivery> again = other.take(3);
        assertThat(again).extracting(Delivery::offset)
                .containsExactlyInAnyOrderElementsOf(held.stream().map(Delivery::offset).toList());
        assertThat(again).allSatisfy(d -> assertThat(d.deliveries()).isEqualTo(2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stalled.closedWith == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(stalled.closedWith).isNotNull();
        assertThat(stalled.closedWith.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
        assertThat(info().members()).extracting(GroupInfo.Member::name).containsExactly("other");
    }

    @Test
    void heldBackMessagesOfABusyKeyComeWithTheirContentsWhenKeptOnlyAsOffsets() throws Exception {
        // 8 messages of one key, 300 000 bytes each: 7 wait behind the first, only about 1 MiB of them in memory.
        open(1000, 1L << 30, LONG);
        produce(8, 300_000, "k");
        Box box = new Box();
        GroupMember member = join("m", 100, box);
        for (int i = 0; i < 8; i++) {
            Delivery d = box.next();
            assertThat(d.offset()).isEqualTo(i);
            assertThat(d.value()).hasSize(300_000).containsOnly((byte) ('a' + i));
            assertThat(info().inFlight()).as("one of the key at a time").isEqualTo(1);
            member.ack(List.of(d.ref()));
        }
    }

    @Test
    void aGroupWhoseEveryKeyIsBusyReadsLittleAheadAndStillHandsOutEverythingInKeyOrder() throws Exception {
        // 20 keys, 200 messages each of 2 KiB, interleaved. The member holds its first deliveries unacked: every
        // key is busy. Behind them about 1 MiB of messages waits with contents, then a few more as offsets; the
        // group must not read on through the whole partition (up to 10 000 messages) to keep them all as offsets
        // and read each of them a second time.
        open(1000, 1L << 30, LONG);
        int keys = 20;
        int perKey = 200;
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                messages.add(OutgoingMessage.of(("k" + k).getBytes(StandardCharsets.UTF_8),
                        (k + ":" + i + ":").concat("x".repeat(2048)).getBytes(StandardCharsets.UTF_8)));
            }
        }
        broker.produce(T, "big", messages).join();
        Box box = new Box();
        GroupMember member = join("m", 10_000, box);
        List<Delivery> first = box.take(keys);
        long readTo = info().partitions().get(0).nextOffset();
        int withContents = (1 << 20) / 2048;
        assertThat(readTo).as("read ahead: %d of %d", readTo, keys * perKey)
                .isLessThan(keys + withContents + 2L * keys + 64 + ReadAhead.READ_BYTES / 2048 + 1);

        int[] next = new int[keys];
        List<Delivery> handed = new ArrayList<>(first);
        int done = 0;
        while (done < keys * perKey) {
            Delivery d = handed.isEmpty() ? box.next() : handed.remove(0);
            String[] parts = new String(d.value(), StandardCharsets.UTF_8).split(":");
            int k = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).as("key k%d in order", k).isEqualTo(next[k]);
            assertThat(d.value()).hasSize(parts[0].length() + parts[1].length() + 2 + 2048);
            next[k]++;
            done++;
            member.ack(List.of(d.ref()));
        }
        assertThat(box.received.poll(200, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
    }

    @Test
    void allGroupsTogetherKeepNoMoreContentsThanTheBrokerWideBudgetAndGiveItAllBack() throws Exception {
        // Three groups, one key, 8 messages of 30 000 bytes: each group would keep 7 waiting behind the first
        // (210 000 bytes, within its own 1 MiB). The broker-wide budget is 100 000 bytes for all of them.
        broker = Broker.open(new BrokerConfig(dir, 4 << 20, Durability.FSYNC, BrokerConfig.DEFAULT_FLUSH_INTERVAL,
                Clock.systemUTC(), LogConfig.DEFAULT_SEGMENT_BYTES, BrokerConfig.DEFAULT_COMPACTION_BYTES_PER_SECOND,
                new BrokerConfig.ConsumerLimits(1000, 1L << 30, LONG, 100_000)));
        broker.createStation(T, "big", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, LONG, 5,
                Ordering.KEY));
        produce(8, 30_000, "k");
        List<Box> boxes = new ArrayList<>();
        List<GroupMember> members = new ArrayList<>();
        for (String group : List.of("g1", "g2", "g3")) {
            Box box = new Box();
            boxes.add(box);
            members.add(broker.subscribe(T, "big", group, StartPosition.earliest(), "m", 100, box));
        }
        for (int i = 0; i < 8; i++) {
            for (int g = 0; g < 3; g++) {
                Delivery d = boxes.get(g).next();
                assertThat(d.offset()).isEqualTo(i);
                assertThat(d.value()).hasSize(30_000).containsOnly((byte) ('a' + i));
                assertThat(broker.heldBytes().used()).isLessThanOrEqualTo(100_000);
                members.get(g).ack(List.of(d.ref()));
            }
        }
        for (String group : List.of("g1", "g2", "g3")) {
            assertThat(broker.groupInfo(T, "big", group).inFlight()).isZero(); // every ack applied
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.heldBytes().used() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the groups go idle after their last ack and let go of what they read again
        }
        assertThat(broker.heldBytes().used()).as("all given back").isZero();
    }

    @Test
    void aRedeliveryReadsTheMessageAgainFromTheLog() throws Exception {
        open(1000, 1L << 30, LONG);
        produce(2, 1000, null);
        Box a = new Box();
        GroupMember first = join("a", 4, a);
        List<Delivery> held = a.take(2);
        first.nack(held.stream().map(Delivery::ref).toList(), Duration.ZERO);

        List<Delivery> again = a.take(2);
        for (int i = 0; i < 2; i++) {
            assertThat(again.get(i).offset()).isEqualTo(held.get(i).offset());
            assertThat(again.get(i).value()).isEqualTo(held.get(i).value());
            assertThat(again.get(i).key()).isEqualTo(held.get(i).key());
            assertThat(again.get(i).deliveries()).isEqualTo(2);
        }
    }
}
