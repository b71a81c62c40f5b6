package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settlements are scoped to a delivery (issue #12): an ack, nack, dead-letter or in-progress acts only on the
 * delivery its member holds now; anything else changes nothing and is reported as stale. And a member whose
 * transport fails is removed without handing anything out twice or failing another member's command.
 *
 * <p>No assertion here waits for something not to happen: each "nothing moved" is read from the group's state
 * after the command in question has run (group info is answered by the group's owner thread, after every command
 * queued before it, and a sink hears of a delivery within the command that made it).
 */
class SettlementTest {

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

    /** A mailbox that also records stale reports. */
    static class Box extends BrokerTest.Mailbox {
        final BlockingQueue<List<DeliveryRef>> stale = new LinkedBlockingQueue<>();
        final List<Settlement> staleKinds = new ArrayList<>();

        @Override
        public synchronized void stale(Settlement kind, List<DeliveryRef> refs) {
            staleKinds.add(kind);
            stale.add(refs);
        }

        List<DeliveryRef> nextStale() throws InterruptedException {
            List<DeliveryRef> refs = stale.poll(10, TimeUnit.SECONDS);
            assertThat(refs).as("a stale report within 10 s").isNotNull();
            return refs;
        }
    }

    private void station(Duration ackTimeout) {
        broker.createStation(T, "emp", config(ackTimeout));
    }

    private static StationConfig config(Duration ackTimeout) {
        return new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, ackTimeout, 5, Ordering.KEY);
    }

    /**
     * The first delivery got a short deadline, so that it times out; every later one gets a long one, so that
     * nothing else times out while the test looks (a delivery's deadline is fixed when it is handed out).
     */
    private void longDeadlinesFromNowOn() {
        broker.updateStation(T, "emp", config(Duration.ofSeconds(60)));
    }

    private void produce(String key, String... values) {
        List<OutgoingMessage> messages = new ArrayList<>();
        for (String v : values) {
            messages.add(OutgoingMessage.of(key.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
        }
        broker.produce(T, "emp", messages).join();
    }

    private GroupMember join(String name, int credits, DeliverySink sink) {
        return broker.subscribe(T, "emp", "g", StartPosition.earliest(), name, credits, sink);
    }

    /** The ack deadline ({@link System#nanoTime()}) of the delivery, or empty when {@code member} does not hold it. */
    private OptionalLong deadlineNanos(GroupMember member, DeliveryRef ref) {
        return broker.group(T, "emp", "g").deadlineNanos(member, ref);
    }

    private GroupInfo info() {
        return broker.groupInfo(T, "emp", "g");
    }

    private static String value(Delivery d) {
        return new String(d.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aLateAckAfterTheDeadlineNeitherReleasesTheKeyNorSettlesTheNewHoldersDelivery() throws Exception {
        station(Duration.ofMillis(300));
        produce("k", "k0", "k1");
        Box a = new Box();
        GroupMember memberA = join("a", 1, a);
        Delivery first = a.next();
        longDeadlinesFromNowOn();
        assertThat(value(first)).isEqualTo("k0");
        Box b = new Box();
        join("b", 1, b);
        Delivery again = b.next(); // A's deadline passed: k0 went to B
        assertThat(again.offset()).isEqualTo(first.offset());
        assertThat(again.deliveryId()).isNotEqualTo(first.deliveryId());
        Box c = new Box();
        join("c", 10, c);

        memberA.ack(List.of(first.ref())); // too late
        assertThat(a.nextStale()).containsExactly(first.ref());
        GroupInfo info = info();
        assertThat(info.inFlight()).as("B still holds k0").isEqualTo(1);
        assertThat(info.lag()).as("nothing acked").isEqualTo(2);
        assertThat(c.received).as("k1 waits: its key is held by B").isEmpty();
        assertThat(memberA.ackSync(List.of(first.ref()))).as("a late sync ack is not confirmed")
                .containsExactly(first.ref());
    }

    @Test
    void aLateNackDoesNotTakeTheMessageFromItsCurrentHolder() throws Exception {
        station(Duration.ofMillis(300));
        produce("k", "k0", "k1");
        Box a = new Box();
        GroupMember memberA = join("a", 1, a);
        Delivery first = a.next();
        longDeadlinesFromNowOn();
        Box b = new Box();
        GroupMember memberB = join("b", 1, b);
        Delivery held = b.next();
        Box c = new Box();
        join("c", 10, c);

        memberA.nack(List.of(first.ref()), Duration.ZERO, "late");
        assertThat(a.nextStale()).containsExactly(first.ref());
        assertThat(a.staleKinds).containsExactly(Settlement.NACK);
        assertThat(info().inFlight()).isEqualTo(1);
        assertThat(c.received).as("k0 stays with B, k1 waits").isEmpty();
        assertThat(deadlineNanos(memberB, held.ref())).as("B holds its delivery").isPresent();

        memberB.ackSync(List.of(held.ref()));
        assertThat(value(c.next())).isEqualTo("k1");
    }

    @Test
    void settlementsOfDeliveriesTheMemberDoesNotHoldAreStale() throws Exception {
        station(Duration.ofSeconds(30));
        produce("k", "k0", "k1");
        produce("j", "j0");
        Box a = new Box();
        GroupMember memberA = join("a", 1, a);
        Delivery k0 = a.next();
        Box b = new Box();
        GroupMember memberB = join("b", 1, b);
        Delivery j0 = b.next();
        assertThat(value(j0)).isEqualTo("j0");

        DeliveryRef neverDelivered = new DeliveryRef(0, 1, k0.deliveryId() + 100); // k1: waits for its key
        DeliveryRef wrongId = new DeliveryRef(0, k0.offset(), k0.deliveryId() + 1);
        DeliveryRef noId = new DeliveryRef(0, k0.offset(), 0);
        DeliveryRef noPartition = new DeliveryRef(7, 0, k0.deliveryId());
        assertThat(memberB.ackSync(List.of(k0.ref(), neverDelivered, wrongId, noId, noPartition)))
                .as("B holds none of them").containsExactly(k0.ref(), neverDelivered, wrongId, noId, noPartition);
        memberB.deadLetter(List.of(k0.ref()), "not mine");
        memberB.inProgress(List.of(k0.ref()));
        assertThat(b.nextStale()).containsExactly(k0.ref());
        assertThat(b.nextStale()).containsExactly(k0.ref());
        assertThat(b.staleKinds).containsExactly(Settlement.DEAD_LETTER, Settlement.IN_PROGRESS);
        GroupInfo info = info();
        assertThat(info.inFlight()).isEqualTo(2);
        assertThat(info.lag()).isEqualTo(3);
        assertThat(info.deadLetters()).isZero();

        assertThat(memberA.ackSync(List.of(k0.ref()))).as("A's own delivery").isEmpty();
        assertThat(memberA.ackSync(List.of(k0.ref()))).as("settled already").containsExactly(k0.ref());
        memberA.addCredits(1);
        assertThat(value(a.next())).as("k1 is delivered although a sync ack named it before").isEqualTo("k1");
    }

    @Test
    void anOldDeliveryOfTheSameMemberIsStaleToo() throws Exception {
        station(Duration.ofMillis(300));
        produce("k", "k0", "k1");
        Box a = new Box();
        GroupMember memberA = join("a", 1, a);
        Delivery first = a.next();
        longDeadlinesFromNowOn();
        memberA.addCredits(1);
        Delivery second = a.next(); // timed out and came back to A
        assertThat(second.offset()).isEqualTo(first.offset());
        assertThat(second.deliveries()).isEqualTo(2);

        assertThat(memberA.ackSync(List.of(first.ref()))).containsExactly(first.ref());
        assertThat(info().lag()).isEqualTo(2);
        assertThat(memberA.ackSync(List.of(second.ref()))).isEmpty();
        assertThat(info().lag()).isEqualTo(1);
    }

    @Test
    void theReportedHandOffStartsTheDeadlineAgainOnce() throws Exception {
        station(Duration.ofSeconds(30));
        produce("k", "k0");
        produce("j", "j0");
        Box a = new Box();
        GroupMember member = join("a", 2, a);
        List<Delivery> got = a.take(2);
        long sent = deadlineNanos(member, got.get(0).ref()).orElseThrow();
        long sentOther = deadlineNanos(member, got.get(1).ref()).orElseThrow();
        Thread.sleep(20); // so that "now" at the report is later than at the delivery

        member.credit(0, got.get(0).deliveryId()); // the first left the client's queue
        long started = deadlineNanos(member, got.get(0).ref()).orElseThrow();
        assertThat(started).as("the deadline counts from the hand-off").isGreaterThan(sent);
        assertThat(deadlineNanos(member, got.get(1).ref()).orElseThrow()).as("not handed off yet")
                .isEqualTo(sentOther);

        member.credit(0, got.get(0).deliveryId());
        assertThat(deadlineNanos(member, got.get(0).ref()).orElseThrow()).as("once only").isEqualTo(started);
        member.credit(0, got.get(1).deliveryId());
        assertThat(deadlineNanos(member, got.get(1).ref()).orElseThrow()).isGreaterThan(sentOther);
        Thread.sleep(20);
        member.inProgress(List.of(got.get(0).ref()));
        assertThat(deadlineNanos(member, got.get(0).ref()).orElseThrow()).as("in-progress extends it")
                .isGreaterThan(started);
    }

    /** A sink whose transport is gone: it takes the first {@code accept} deliveries of a round, or throws. */
    static final class BrokenSink extends Box {
        final int accept;
        final boolean throwing;
        volatile boolean broken;

        BrokenSink(int accept, boolean throwing) {
            this.accept = accept;
            this.throwing = throwing;
        }

        @Override
        public int deliver(List<Delivery> deliveries) {
            if (!broken) {
                return super.deliver(deliveries);
            }
            if (throwing) {
                throw new IllegalStateException("CANCELLED: call already cancelled");
            }
            int taken = Math.min(accept, deliveries.size());
            deliveries.subList(0, taken).forEach(this::deliver);
            return taken;
        }
    }

    @Test
    void aMemberWhoseStreamIsGoneIsRemovedAndItsUnsentDeliveriesDoNotCount() throws Exception {
        broker.createStation(T, "emp", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(30), 5, Ordering.NONE));
        produce("k", "m0", "m1", "m2", "m3", "m4");
        BrokenSink gone = new BrokenSink(2, false);
        gone.broken = true;
        join("gone", 5, gone); // the transport takes m0, m1 and then refuses
        assertThat(gone.received).extracting(SettlementTest::value).containsExactly("m0", "m1");
        GroupInfo info = info();
        assertThat(info.members()).as("removed at once").isEmpty();

        Box other = new Box();
        GroupMember member = join("other", 10, other);
        List<Delivery> got = other.take(5);
        assertThat(got).extracting(SettlementTest::value).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4");
        for (Delivery d : got) {
            int expected = value(d).equals("m0") || value(d).equals("m1") ? 2 : 1;
            assertThat(d.deliveries()).as("%s: unsent deliveries are not attempts", value(d)).isEqualTo(expected);
        }
        member.ackSync(got.stream().map(Delivery::ref).toList());
        assertThat(info().lag()).isZero();
        assertThat(other.received).as("nothing twice").isEmpty();
    }

    @Test
    void aTransportFailureDuringAnotherMembersSyncAckFailsOnlyTheBrokenMember() throws Exception {
        station(Duration.ofSeconds(30));
        produce("k", "k0", "k1");
        Box healthy = new Box();
        GroupMember member = join("healthy", 1, healthy);
        Delivery k0 = healthy.next();
        BrokenSink broken = new BrokenSink(0, true);
        join("broken", 5, broken); // k1 waits for its key
        broken.broken = true;

        assertThat(member.ackSync(List.of(k0.ref()))).as("the ack that frees k1, handed to the broken member")
                .isEmpty();
        assertThat(info().members()).extracting(GroupInfo.Member::name).containsExactly("healthy");
        member.addCredits(1);
        Delivery k1 = healthy.next();
        assertThat(value(k1)).isEqualTo("k1");
        assertThat(k1.deliveries()).as("whether the throwing sink sent it is unknown: it counts").isEqualTo(2);
        member.ackSync(List.of(k1.ref()));
        assertThat(info().lag()).isZero();
        assertThat(healthy.received).as("nothing twice").isEmpty();
    }
}
