package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.internal.group.ConsumerGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ack deadlines and redelivery delays are measured by the broker's monotonic clock, which a test can move: a
 * 30-second ack timeout and a one-hour nack delay are checked in milliseconds, without sleeping through them. The
 * group's ticks still run on real time (every {@value ConsumerGroup#TICK_MILLIS} ms while something is in flight);
 * "nothing happened yet" is read after ticks have run, so it is an absence, not a race.
 */
class GroupClockTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir), now::get);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    /** Waits (real time, at most 10 s) until the group has ticked {@code n} more times. */
    private static void ticks(ConsumerGroup group, int n) throws InterruptedException {
        long target = group.ticks() + n;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (group.ticks() < target && System.nanoTime() < deadline) {
            Thread.sleep(ConsumerGroup.TICK_MILLIS);
        }
        assertThat(group.ticks()).as("ticks").isGreaterThanOrEqualTo(target);
    }

    @Test
    void anAckTimeoutAndANackDelayPassWhenTheClockSaysSo() throws Exception {
        broker.createStation(T, "s", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(30), 5, Ordering.KEY));
        broker.produce(T, "s", List.of(OutgoingMessage.of("k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8)))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 10, box);
        ConsumerGroup group = broker.group(T, "s", "g");
        Delivery first = box.next();
        assertThat(first.deliveries()).isEqualTo(1);

        ticks(group, 3);
        now.addAndGet(TimeUnit.SECONDS.toNanos(29));
        ticks(group, 3);
        assertThat(box.received.poll()).as("29 s of the 30 s ack timeout: still the member's").isNull();

        now.addAndGet(TimeUnit.SECONDS.toNanos(2));
        Delivery again = box.next();
        assertThat(again.offset()).isEqualTo(first.offset());
        assertThat(again.deliveries()).as("the ack timeout passed").isEqualTo(2);

        member.nack(List.of(again.ref()), Duration.ofHours(1));
        ticks(group, 3);
        now.addAndGet(TimeUnit.MINUTES.toNanos(59));
        ticks(group, 3);
        assertThat(box.received.poll()).as("59 minutes of a one-hour nack delay").isNull();
        now.addAndGet(TimeUnit.MINUTES.toNanos(2));
        Delivery third = box.next();
        assertThat(third.deliveries()).isEqualTo(3);
        member.ack(List.of(third.ref()));
    }
}
