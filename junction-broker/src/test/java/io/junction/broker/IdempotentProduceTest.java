package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

/** Idempotent produce by msg-id inside the station's dedup window (issue #4, point 3, msg-id part). */
class IdempotentProduceTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private final MovableClock clock = new MovableClock();
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(config());
        broker.createStation(T, "orders", new StationConfig(3, null, 0, 0, Duration.ofSeconds(30), 5,
                Ordering.KEY, Duration.ofMinutes(2)));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private BrokerConfig config() {
        return new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                BrokerConfig.DEFAULT_FLUSH_INTERVAL, clock);
    }

    private static OutgoingMessage msg(String key, String value, String msgId) {
        return new OutgoingMessage(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8), List.of(), 0, msgId, null);
    }

    private List<Receipt> produce(OutgoingMessage... messages) {
        return broker.produce(T, "orders", List.of(messages)).join();
    }

    private long stored() {
        return broker.stationInfo(T, "orders").messages();
    }

    @Test
    void shouldStoreARetriedMessageOnceAndReturnTheOriginalOffset() {
        Receipt first = produce(msg("emp-1", "renamed", "op-1")).get(0);
        Receipt retry = produce(msg("emp-1", "renamed", "op-1")).get(0);
        assertThat(first.duplicate()).isFalse();
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.partition()).isEqualTo(first.partition());
        assertThat(retry.offset()).isEqualTo(first.offset());
        assertThat(stored()).isEqualTo(1);

        List<Receipt> mixed = produce(msg(null, "a", "op-2"), msg(null, "a again", "op-2"), msg(null, "b", null),
                msg("emp-1", "renamed", "op-1"));
        assertThat(mixed).extracting(Receipt::duplicate).containsExactly(false, true, false, true);
        assertThat(mixed.get(1).offset()).isEqualTo(mixed.get(0).offset());
        assertThat(mixed.get(3).offset()).isEqualTo(first.offset());
        assertThat(stored()).isEqualTo(3);
    }

    @Test
    void shouldRememberMsgIdsOnlyInsideTheWindow() {
        produce(msg(null, "x", "op-1"));
        clock.advance(Duration.ofSeconds(119));
        assertThat(produce(msg(null, "x", "op-1")).get(0).duplicate()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(produce(msg(null, "x", "op-1")).get(0).duplicate()).isFalse();
        assertThat(stored()).isEqualTo(2);
    }

    @Test
    void shouldRememberMsgIdsAcrossARestartFromTheLogItself() {
        Receipt first = produce(msg("emp-7", "hired", "op-9")).get(0);
        broker.close();
        broker = Broker.open(config());
        Receipt retry = produce(msg("emp-7", "hired", "op-9")).get(0);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.offset()).isEqualTo(first.offset());
        assertThat(stored()).isEqualTo(1);
    }

    private static OutgoingMessage dated(long timestampMs, String msgId) {
        return new OutgoingMessage(null, "v".getBytes(StandardCharsets.UTF_8), List.of(), timestampMs, msgId, null);
    }

    @Test
    void shouldNotRememberAMsgIdLongerThanTheWindowWhenItIsDatedInTheFuture() {
        long aheadAnHour = clock.millis() + Duration.ofHours(1).toMillis();
        produce(dated(aheadAnHour, "op-1"));
        clock.advance(Duration.ofSeconds(119));
        assertThat(produce(dated(aheadAnHour, "op-1")).get(0).duplicate()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(produce(dated(aheadAnHour, "op-1")).get(0).duplicate()).as("the window is the broker's").isFalse();
        assertThat(stored()).isEqualTo(2);
    }

    @Test
    void shouldMeasureTheWindowOnTheBrokersClockAfterARestartWhateverTheMessagesSay() {
        long backAnHour = clock.millis() - Duration.ofHours(1).toMillis();
        long aheadAnHour = clock.millis() + Duration.ofHours(1).toMillis();
        List<Receipt> first = produce(dated(backAnHour, "past"), dated(aheadAnHour, "future"));
        broker.close();
        clock.advance(Duration.ofSeconds(119));
        broker = Broker.open(config());
        List<Receipt> retry = produce(dated(backAnHour, "past"), dated(aheadAnHour, "future"));
        assertThat(retry).extracting(Receipt::duplicate).containsExactly(true, true);
        assertThat(retry).extracting(Receipt::offset).isEqualTo(first.stream().map(Receipt::offset).toList());
        broker.close();
        clock.advance(Duration.ofSeconds(2));
        broker = Broker.open(config());
        assertThat(produce(dated(backAnHour, "past"), dated(aheadAnHour, "future"))).extracting(Receipt::duplicate)
                .containsExactly(false, false);
        assertThat(stored()).isEqualTo(4);
    }

    @Test
    void shouldStoreOnceWhenProducersRaceWithTheSameMsgId() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String id = "race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Receipt>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return produce(msg(null, "v", id)).get(0);
                    }));
                }
                start.countDown();
                List<Receipt> receipts = new ArrayList<>();
                for (Future<Receipt> f : results) {
                    receipts.add(f.get());
                }
                assertThat(receipts.stream().filter(r -> !r.duplicate()).count()).isEqualTo(1);
                assertThat(receipts).extracting(Receipt::offset).containsOnly(receipts.get(0).offset());
            }
            assertThat(stored()).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseAnEmptyOrOversizedMsgId() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> produce(msg(null, "x", "")))
                .isInstanceOf(BrokerException.class).hasMessageContaining("msg-id");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> produce(msg(null, "x", "m".repeat(257))))
                .isInstanceOf(BrokerException.class).hasMessageContaining("msg-id");
        assertThat(stored()).isZero();
    }

    @Test
    void shouldShowTheMsgIdToConsumersAsAHeader() throws Exception {
        produce(msg("emp-1", "v", "op-1"));
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        broker.subscribe(T, "orders", "g", StartPosition.earliest(), "m", 10, box);
        Delivery d = box.next();
        assertThat(d.headers()).anySatisfy(h -> {
            assertThat(h.key()).isEqualTo("junction-msg-id");
            assertThat(new String(h.value(), StandardCharsets.UTF_8)).isEqualTo("op-1");
        });
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

}
