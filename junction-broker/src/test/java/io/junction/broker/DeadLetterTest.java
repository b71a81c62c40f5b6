package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dead-letter station: max deliveries, explicit dead letters, list / resend / drop, skip and park, restarts. */
class DeadLetterTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();
    private Broker broker;

    @BeforeEach
    void open() {
        broker = openBroker();
    }

    private Broker openBroker() {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), clock));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void restart() {
        broker.close();
        broker = openBroker();
    }

    private static OutgoingMessage msg(String key, String value) {
        return OutgoingMessage.of(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(Delivery d) {
        return new String(d.value(), StandardCharsets.UTF_8);
    }

    private static String value(DeadLetter d) {
        return new String(d.value(), StandardCharsets.UTF_8);
    }

    private void station(int maxDeliveries, OnDeadLetter onDeadLetter) {
        broker.createStation(T, "emp", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(30), maxDeliveries, Ordering.KEY, StationConfig.DEFAULT_DEDUP_WINDOW, onDeadLetter,
                Duration.ofDays(7)));
    }

    private static void assertNothingFor(BrokerTest.Mailbox box, String why) throws InterruptedException {
        assertThat(box.received.poll(300, TimeUnit.MILLISECONDS)).as(why).isNull();
    }

    /** Waits until the group's DLS count is {@code n} (the store completes on the group's thread). */
    private List<DeadLetter> awaitDeadLetters(String group, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<DeadLetter> letters;
        do {
            letters = broker.listDeadLetters(T, "emp", group, -1, 1000);
            if (letters.size() == n && broker.groupInfo(T, "emp", group).deadLetters() == n) {
                return letters;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + n + " dead letters of " + group + ", have " + letters.size());
    }

    @Test
    void shouldDeadLetterAMessageAtMaxDeliveriesForThatGroupOnly() throws Exception {
        station(3, OnDeadLetter.SKIP);
        broker.produce(T, "emp", List.of(new OutgoingMessage("emp-7".getBytes(StandardCharsets.UTF_8),
                "bad".getBytes(StandardCharsets.UTF_8),
                List.of(new Header("trace", "t1".getBytes(StandardCharsets.UTF_8))),
                1234L, null, null))).join();
        broker.createGroup(T, "emp", "audit", StartPosition.earliest());
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "payroll", StartPosition.earliest(), "m", 10, box);
        for (int attempt = 1; attempt <= 3; attempt++) {
            Delivery d = box.next();
            assertThat(d.deliveries()).isEqualTo(attempt);
            member.nack(List.of(d.ref()), Duration.ZERO, "database down (" + attempt + ")");
        }
        List<DeadLetter> letters = awaitDeadLetters("payroll", 1);
        assertNothingFor(box, "a dead letter is done for its group");

        DeadLetter letter = letters.get(0);
        assertThat(letter.group()).isEqualTo("payroll");
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES);
        assertThat(letter.deliveries()).isEqualTo(3);
        assertThat(letter.partition()).isZero();
        assertThat(letter.offset()).isZero();
        assertThat(letter.error()).isEqualTo("database down (3)");
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("emp-7");
        assertThat(value(letter)).isEqualTo("bad");
        assertThat(letter.timestampMs()).isEqualTo(1234L);
        assertThat(letter.headers()).extracting(Header::key).containsExactly("trace");
        assertThat(letter.firstDeliveryMs()).isPositive().isLessThanOrEqualTo(letter.lastDeliveryMs());
        assertThat(letter.deadLetteredAtMs()).isGreaterThanOrEqualTo(letter.lastDeliveryMs());
        GroupInfo payroll = broker.groupInfo(T, "emp", "payroll");
        assertThat(payroll.lag()).as("done for payroll").isZero();
        assertThat(payroll.deadLetters()).isEqualTo(1);

        GroupInfo audit = broker.groupInfo(T, "emp", "audit");
        assertThat(audit.lag()).as("the other group still has it").isEqualTo(1);
        assertThat(broker.listDeadLetters(T, "emp", "audit", -1, 100)).isEmpty();
        BrokerTest.Mailbox auditBox = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "audit", null, "a", 10, auditBox);
        assertThat(value(auditBox.next())).isEqualTo("bad");
    }

    @Test
    void shouldCountAckTimeoutsAndDisconnectsAsFailedDeliveries() throws Exception {
        broker.createStation(T, "emp", new StationConfig(1, null, 0, 0, Duration.ofMillis(200), 2));
        broker.produce(T, "emp", List.of(msg("k", "slow"))).join();
        BrokerTest.Mailbox first = new BrokerTest.Mailbox();
        GroupMember quitter = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m1", 10, first);
        assertThat(first.next().deliveries()).isEqualTo(1);
        quitter.leave(); // delivery 1 failed: its member left
        BrokerTest.Mailbox second = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "g", null, "m2", 10, second);
        assertThat(second.next().deliveries()).isEqualTo(2); // never acked: times out after 200 ms
        DeadLetter letter = awaitDeadLetters("g", 1).get(0);
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES);
        assertThat(letter.error()).isEqualTo("ack timeout");
        assertNothingFor(second, "dead-lettered, not redelivered");
    }

    @Test
    void shouldDeadLetterExplicitlyWithTheConsumersReason() throws Exception {
        station(5, OnDeadLetter.SKIP);
        broker.produce(T, "emp", List.of(msg("k", "poison"), msg("k", "next"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        Delivery poison = box.next();
        member.deadLetter(List.of(poison.ref()), "cannot parse field 'salary'");
        assertThat(value(box.next())).as("skip: the key goes on").isEqualTo("next");
        DeadLetter letter = awaitDeadLetters("g", 1).get(0);
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.CONSUMER);
        assertThat(letter.error()).isEqualTo("cannot parse field 'salary'");
        assertThat(letter.deliveries()).isEqualTo(1);
    }

    @Test
    void shouldResendToTheFailingGroupOnlyAtItsOffsetWithAFreshDeliveryCount() throws Exception {
        station(1, OnDeadLetter.SKIP);
        broker.produce(T, "emp", List.of(msg("k", "v0"), msg("k", "v1"))).join();
        BrokerTest.Mailbox other = new BrokerTest.Mailbox();
        GroupMember otherMember = broker.subscribe(T, "emp", "other", StartPosition.earliest(), "o", 10, other);
        otherMember.ack(List.of(other.next().ref()));
        otherMember.ack(List.of(other.next().ref()));

        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        Delivery v0 = box.next();
        member.nack(List.of(v0.ref()), Duration.ZERO); // max deliveries 1: dead at once
        Delivery v1 = box.next();
        assertThat(value(v1)).isEqualTo("v1");
        member.ack(List.of(v1.ref()));
        DeadLetter letter = awaitDeadLetters("g", 1).get(0);

        assertThat(broker.resendDeadLetters(T, "emp", List.of(letter.id()), false, null)).isEqualTo(1);
        Delivery again = box.next();
        assertThat(value(again)).isEqualTo("v0");
        assertThat(again.partition()).isEqualTo(v0.partition());
        assertThat(again.offset()).isEqualTo(v0.offset());
        assertThat(again.deliveries()).isEqualTo(1);
        assertThat(broker.groupInfo(T, "emp", "g").lag()).isEqualTo(1);
        assertThat(broker.listDeadLetters(T, "emp", null, -1, 100)).as("resolved").isEmpty();
        assertNothingFor(other, "a resend goes to the failing group only");

        member.ackSync(List.of(again.ref()));
        assertThat(broker.groupInfo(T, "emp", "g").lag()).isZero();
        restart();
        BrokerTest.Mailbox after = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "g", null, "m", 10, after);
        assertNothingFor(after, "acked after the resend: done for good");
    }

    @Test
    void shouldKeepAResentButUnackedDeadLetterAcrossARestart() throws Exception {
        station(1, OnDeadLetter.SKIP);
        broker.produce(T, "emp", List.of(msg("k", "v0"), msg("j", "w0"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        Delivery v0 = box.next();
        member.deadLetter(List.of(v0.ref()), "later");
        member.ack(List.of(box.next().ref()));
        DeadLetter letter = awaitDeadLetters("g", 1).get(0);
        assertThat(broker.resendDeadLetters(T, "emp", List.of(), true, "g")).isEqualTo(1);
        Delivery again = box.next();
        assertThat(again.offset()).isEqualTo(letter.offset());

        restart(); // never acked: it must come back after the restart, and the DLS stays empty
        assertThat(broker.listDeadLetters(T, "emp", null, -1, 100)).isEmpty();
        BrokerTest.Mailbox after = new BrokerTest.Mailbox();
        GroupMember m2 = broker.subscribe(T, "emp", "g", null, "m", 10, after);
        Delivery third = after.next();
        assertThat(value(third)).isEqualTo("v0");
        assertThat(third.offset()).isEqualTo(letter.offset());
        m2.ackSync(List.of(third.ref()));
        assertThat(broker.groupInfo(T, "emp", "g").lag()).isZero();
    }

    @Test
    void shouldParkTheKeyUntilItsDeadLetterIsResentOrDropped() throws Exception {
        station(5, OnDeadLetter.PARK);
        broker.produce(T, "emp", List.of(msg("k", "k0"), msg("k", "k1"), msg("k", "k2"), msg("j", "j0"),
                msg("j", "j1"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        List<Delivery> first = box.take(2);
        assertThat(first).extracting(DeadLetterTest::value).containsExactly("k0", "j0");
        member.deadLetter(List.of(first.get(0).ref()), "broken");
        member.ack(List.of(first.get(1).ref()));
        Delivery j1 = box.next();
        assertThat(value(j1)).as("other keys go on").isEqualTo("j1");
        member.ack(List.of(j1.ref()));
        DeadLetter k0 = awaitDeadLetters("g", 1).get(0);
        assertNothingFor(box, "park: k1 waits for the dead letter k0");

        restart(); // the key stays parked across a restart
        BrokerTest.Mailbox after = new BrokerTest.Mailbox();
        member = broker.subscribe(T, "emp", "g", null, "m", 10, after);
        assertNothingFor(after, "still parked after a restart");

        broker.resendDeadLetters(T, "emp", List.of(k0.id()), false, "g");
        Delivery again = after.next();
        assertThat(value(again)).as("the resent message comes first").isEqualTo("k0");
        assertNothingFor(after, "k1 waits for the resent k0 to be acked");
        member.deadLetter(List.of(again.ref()), "still broken");
        DeadLetter second = awaitDeadLetters("g", 1).get(0);
        assertThat(second.id()).isNotEqualTo(k0.id());
        assertNothingFor(after, "parked again");

        assertThat(broker.dropDeadLetters(T, "emp", List.of(second.id()), false, null)).isEqualTo(1);
        Delivery k1 = after.next();
        assertThat(value(k1)).as("dropped: the key goes on").isEqualTo("k1");
        member.ack(List.of(k1.ref()));
        assertThat(value(after.next())).isEqualTo("k2");
    }

    @Test
    void shouldRefuseUnknownIdsAndChangeNothing() throws Exception {
        station(1, OnDeadLetter.SKIP);
        broker.produce(T, "emp", List.of(msg("k", "v0"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        member.deadLetter(List.of(box.next().ref()), "x");
        DeadLetter letter = awaitDeadLetters("g", 1).get(0);
        broker.createGroup(T, "emp", "h", StartPosition.earliest());

        assertThatThrownBy(() -> broker.resendDeadLetters(T, "emp", List.of(letter.id(), 999L), false, null))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_DEAD_LETTER));
        assertThatThrownBy(() -> broker.dropDeadLetters(T, "emp", List.of(letter.id()), false, "h"))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_DEAD_LETTER));
        assertThatThrownBy(() -> broker.dropDeadLetters(T, "emp", List.of(letter.id()), true, null))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> broker.dropDeadLetters(T, "emp", List.of(), false, null))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> broker.listDeadLetters(T, "emp", "nobody", -1, 10))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_GROUP));
        assertThat(broker.listDeadLetters(T, "emp", null, -1, 10)).extracting(DeadLetter::id)
                .containsExactly(letter.id());
        assertNothingFor(box, "nothing was resent");
        assertThat(broker.dropDeadLetters(T, "emp", List.of(), true, "h")).as("h has none").isZero();
        assertThat(broker.dropDeadLetters(T, "emp", List.of(), true, null)).isEqualTo(1);
        assertThat(broker.listDeadLetters(T, "emp", null, -1, 10)).isEmpty();
    }

    @Test
    void shouldForgetDeadLettersOlderThanTheRetention() throws Exception {
        broker.createStation(T, "emp", StationConfig.defaults().withDeadLetters(OnDeadLetter.SKIP,
                Duration.ofDays(2)));
        broker.produce(T, "emp", List.of(msg("a", "old"), msg("b", "new"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 1, box);
        member.deadLetter(List.of(box.next().ref()), "x");
        awaitDeadLetters("g", 1);
        clock.advance(Duration.ofDays(3));
        member.addCredits(1);
        member.deadLetter(List.of(box.next().ref()), "y"); // a new day: the DLS starts a new segment
        awaitDeadLetters("g", 2);

        restart(); // retention runs on open (and every few minutes)
        assertThat(broker.listDeadLetters(T, "emp", null, -1, 10)).extracting(DeadLetterTest::value)
                .containsExactly("new");
        assertThat(broker.groupInfo(T, "emp", "g").lag()).as("expired dead letters stay done").isZero();
    }
}
