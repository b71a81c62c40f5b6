package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PARTITION ordering: one active member per partition, with failover when it leaves or stops acking. */
class PartitionOrderingTest {

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

    private void station(int partitions, Duration ackTimeout) {
        broker.createStation(T, "s", new StationConfig(partitions, null, 0, 0, ackTimeout, 100, Ordering.PARTITION));
    }

    private void produceTo(int partition, int count) {
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(new OutgoingMessage(null, ("p" + partition + "-" + i).getBytes(StandardCharsets.UTF_8),
                    List.of(), 0, null, partition));
        }
        broker.produce(T, "s", messages).join();
    }

    @Test
    void shouldHandEachPartitionToOneMemberOnly() throws Exception {
        station(2, Duration.ofSeconds(30));
        BrokerTest.Mailbox a = new BrokerTest.Mailbox();
        BrokerTest.Mailbox b = new BrokerTest.Mailbox();
        BrokerTest.Mailbox c = new BrokerTest.Mailbox();
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "a", 100, a);
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "b", 100, b);
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "c", 100, c);
        produceTo(0, 10);
        produceTo(1, 10);
        List<List<Delivery>> got = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<BrokerTest.Mailbox> boxes = List.of(a, b, c);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.stream().mapToInt(List::size).sum() < 20 && System.nanoTime() < deadline) {
            for (int i = 0; i < 3; i++) {
                boxes.get(i).received.drainTo(got.get(i));
            }
            Thread.sleep(5);
        }
        assertThat(got.stream().mapToInt(List::size).sum()).isEqualTo(20);
        for (List<Delivery> mine : got) {
            assertThat(mine.stream().map(Delivery::partition).distinct().count()).as("partitions per member")
                    .isLessThanOrEqualTo(1);
            assertThat(mine).extracting(Delivery::offset).isSorted();
        }
        assertThat(got.stream().filter(List::isEmpty).count()).as("one member stands by").isEqualTo(1);
    }

    @Test
    void shouldFailOverWhenTheOwnerLeaves() throws Exception {
        station(1, Duration.ofSeconds(30));
        produceTo(0, 5);
        BrokerTest.Mailbox a = new BrokerTest.Mailbox();
        GroupMember first = broker.subscribe(T, "s", "g", StartPosition.earliest(), "a", 3, a);
        List<Delivery> taken = a.take(3);
        first.ack(List.of(taken.get(0).ref()));
        BrokerTest.Mailbox b = new BrokerTest.Mailbox();
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "b", 100, b);
        assertThat(b.received.poll(300, TimeUnit.MILLISECONDS)).as("partition 0 is a's").isNull();
        first.leave();
        assertThat(b.take(4)).extracting(Delivery::offset).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldFailOverWhenTheOwnerStopsAcking() throws Exception {
        station(1, Duration.ofMillis(300));
        produceTo(0, 4);
        BrokerTest.Mailbox a = new BrokerTest.Mailbox();
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "a", 2, a); // takes 0 and 1, never acks
        assertThat(a.take(2)).extracting(Delivery::offset).containsExactly(0L, 1L);
        BrokerTest.Mailbox b = new BrokerTest.Mailbox();
        GroupMember second = broker.subscribe(T, "s", "g", StartPosition.earliest(), "b", 100, b);
        List<Delivery> rest = b.take(4); // after a's deadline: everything, in offset order, from the start
        assertThat(rest).extracting(Delivery::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(rest.get(0).deliveries()).isEqualTo(2);
        second.ack(rest.stream().map(Delivery::ref).toList());
    }
}
