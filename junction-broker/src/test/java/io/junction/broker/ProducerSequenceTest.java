package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotent produce by producer id + request sequence (issue #4, point 3, the client's retries). */
class ProducerSequenceTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final long PRODUCER = 0x5eed_0001L;

    @TempDir
    Path dir;

    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();
    private Broker broker;

    @BeforeEach
    void open() {
        broker = openBroker();
        broker.createStation(T, "orders", new StationConfig(3, null, 0, 0, Duration.ofSeconds(30), 5,
                Ordering.KEY, Duration.ofMinutes(2)));
    }

    private Broker openBroker() {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                BrokerConfig.DEFAULT_FLUSH_INTERVAL, clock));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private static OutgoingMessage msg(String key, String value) {
        return new OutgoingMessage(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8), List.of(), 0, null, null);
    }

    private static OutgoingMessage at(int partition, String value) {
        return new OutgoingMessage(null, value.getBytes(StandardCharsets.UTF_8), List.of(), 0, null, partition);
    }

    /** Keyed messages on several partitions, keyless ones, and one named partition: every routing rule. */
    private static List<OutgoingMessage> request() {
        return List.of(msg("emp-1", "a"), msg(null, "b"), msg("emp-2", "c"), msg("emp-3", "d"), msg(null, "e"),
                at(2, "f"), msg("emp-1", "g"));
    }

    private List<Receipt> produce(List<OutgoingMessage> messages, int sequence) {
        return broker.produce(T, "orders", messages, PRODUCER, sequence).join();
    }

    private long stored() {
        return broker.stationInfo(T, "orders").messages();
    }

    private static List<String> places(List<Receipt> receipts) {
        return receipts.stream().map(r -> r.partition() + "@" + r.offset()).toList();
    }

    @Test
    void shouldStoreARetriedRequestOnceAndAnswerWithTheOriginalReceipts() {
        List<Receipt> first = produce(request(), 0);
        assertThat(first).extracting(Receipt::duplicate).containsOnly(false);
        assertThat(stored()).isEqualTo(7);
        assertThat(first.get(0).partition()).as("one key, one partition").isEqualTo(first.get(6).partition());
        assertThat(first.get(1).partition()).as("keyless: the sequence's partition").isEqualTo(0)
                .isEqualTo(first.get(4).partition());
        assertThat(first.get(5).partition()).isEqualTo(2);

        List<Receipt> retry = produce(request(), 0);
        assertThat(places(retry)).isEqualTo(places(first));
        assertThat(retry).extracting(Receipt::duplicate).containsOnly(true);
        assertThat(stored()).as("nothing stored again").isEqualTo(7);

        List<Receipt> next = produce(request(), 1);
        assertThat(next).extracting(Receipt::duplicate).containsOnly(false);
        assertThat(next.get(1).partition()).as("keyless: sequence 1 mod 3").isEqualTo(1);
        assertThat(stored()).isEqualTo(14);
        assertThat(broker.produce(T, "orders", request(), PRODUCER + 1, 0).join()).as("another producer")
                .extracting(Receipt::duplicate).containsOnly(false);
    }

    @Test
    void shouldRememberRequestsAcrossARestartFromTheLogItself() {
        List<Receipt> first = produce(request(), 41);
        broker.close();
        broker = openBroker();
        List<Receipt> retry = produce(request(), 41);
        assertThat(places(retry)).isEqualTo(places(first));
        assertThat(retry).extracting(Receipt::duplicate).containsOnly(true);
        assertThat(stored()).isEqualTo(7);
    }

    @Test
    void shouldCompleteARequestStoredOnSomePartitionsOnlyWhenItIsRetried() {
        // As if a crash (or a full disk) had stopped the request after its partition-2 batch: same producer,
        // same sequence, only the messages bound for partition 2.
        List<OutgoingMessage> whole = List.of(at(2, "x"), at(0, "y"), at(2, "z"));
        List<Receipt> part = produce(List.of(at(2, "x"), at(2, "z")), 7);
        broker.close();
        broker = openBroker();
        List<Receipt> retry = produce(whole, 7);
        assertThat(retry).extracting(Receipt::duplicate).containsExactly(true, false, true);
        assertThat(places(List.of(retry.get(0), retry.get(2)))).isEqualTo(places(part));
        assertThat(stored()).as("only the missing partition was appended").isEqualTo(3);
        assertThat(places(produce(whole, 7))).isEqualTo(places(retry));
        assertThat(stored()).isEqualTo(3);
    }

    @Test
    void shouldForgetRequestsOutsideTheWindow() {
        produce(request(), 3);
        clock.advance(Duration.ofMinutes(3));
        assertThat(produce(request(), 3)).extracting(Receipt::duplicate).containsOnly(false);
        assertThat(stored()).isEqualTo(14);
    }

    private static List<OutgoingMessage> dated(long timestampMs) {
        return List.of(new OutgoingMessage("emp-1".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8), List.of(), timestampMs, null, null),
                new OutgoingMessage(null, "w".getBytes(StandardCharsets.UTF_8), List.of(), timestampMs, null, null));
    }

    @Test
    void shouldNotRememberARequestLongerThanTheWindowWhenItsMessagesAreDatedInTheFuture() {
        long aheadAnHour = clock.millis() + Duration.ofHours(1).toMillis();
        produce(dated(aheadAnHour), 5);
        clock.advance(Duration.ofSeconds(119));
        assertThat(produce(dated(aheadAnHour), 5)).extracting(Receipt::duplicate).containsOnly(true);
        clock.advance(Duration.ofSeconds(2));
        assertThat(produce(dated(aheadAnHour), 5)).as("the window is the broker's").extracting(Receipt::duplicate)
                .containsOnly(false);
        assertThat(stored()).isEqualTo(4);
    }

    @Test
    void shouldMeasureTheWindowOnTheBrokersClockAfterARestartWhateverTheMessagesSay() {
        long backAnHour = clock.millis() - Duration.ofHours(1).toMillis();
        long aheadAnHour = clock.millis() + Duration.ofHours(1).toMillis();
        List<Receipt> past = produce(dated(backAnHour), 11);
        List<Receipt> future = produce(dated(aheadAnHour), 12);
        broker.close();
        clock.advance(Duration.ofSeconds(119));
        broker = openBroker();
        assertThat(places(produce(dated(backAnHour), 11))).isEqualTo(places(past));
        assertThat(produce(dated(backAnHour), 11)).extracting(Receipt::duplicate).containsOnly(true);
        assertThat(places(produce(dated(aheadAnHour), 12))).isEqualTo(places(future));
        assertThat(produce(dated(aheadAnHour), 12)).extracting(Receipt::duplicate).containsOnly(true);
        assertThat(stored()).isEqualTo(4);
        broker.close();
        clock.advance(Duration.ofSeconds(2));
        broker = openBroker();
        assertThat(produce(dated(backAnHour), 11)).extracting(Receipt::duplicate).containsOnly(false);
        assertThat(produce(dated(aheadAnHour), 12)).extracting(Receipt::duplicate).containsOnly(false);
        assertThat(stored()).isEqualTo(8);
    }

    @Test
    void shouldStoreOnceWhenRetriesRace() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Receipt>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return produce(request(), 9);
                }));
            }
            go.countDown();
            List<String> expected = null;
            int fresh = 0;
            for (Future<List<Receipt>> answer : answers) {
                List<Receipt> receipts = answer.get();
                expected = expected == null ? places(receipts) : expected;
                assertThat(places(receipts)).isEqualTo(expected);
                fresh += receipts.get(0).duplicate() ? 0 : 1;
            }
            assertThat(fresh).as("one request stored it").isEqualTo(1);
            assertThat(stored()).isEqualTo(7);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseMsgIdsAndBadRequestsAndStoreNothing() {
        OutgoingMessage withMsgId = new OutgoingMessage(null, "v".getBytes(StandardCharsets.UTF_8), List.of(), 0,
                "op-1", null);
        assertThatThrownBy(() -> produce(List.of(msg(null, "ok"), withMsgId), 0))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> produce(List.of(msg(null, "ok"), at(5, "bad")), 0))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARTITION));
        assertThatThrownBy(() -> broker.produce(T, "orders", request(), -3, 0))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(stored()).isZero();
        assertThat(produce(request(), 0)).as("a refused request leaves its sequence free")
                .extracting(Receipt::duplicate).containsOnly(false);
    }
}
