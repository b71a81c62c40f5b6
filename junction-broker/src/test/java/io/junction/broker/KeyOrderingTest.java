package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordering per key within a group (PRODUCT.md guarantee 2, without dead letters yet). */
class KeyOrderingTest {

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

    private static OutgoingMessage msg(String key, String value) {
        return OutgoingMessage.of(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(Delivery d) {
        return new String(d.value(), StandardCharsets.UTF_8);
    }

    private static StationConfig config(int partitions, Ordering ordering) {
        return new StationConfig(partitions, StationConfig.DEFAULT_RETENTION_AGE, 0, 0, Duration.ofSeconds(30), 5,
                ordering);
    }

    @Test
    void shouldHandOutOneMessagePerKeyAtATimeInOffsetOrderIncludingRedeliveries() throws Exception {
        broker.createStation(T, "emp", config(1, Ordering.KEY));
        broker.produce(T, "emp", List.of(msg("k1", "a1"), msg("k1", "a2"), msg("k2", "b1"), msg("k1", "a3"),
                msg("k2", "b2"), msg(null, "x1"), msg(null, "x2"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "sync", StartPosition.earliest(), "m", 100, box);

        List<Delivery> first = box.take(4);
        assertThat(first).extracting(KeyOrderingTest::value).containsExactly("a1", "b1", "x1", "x2");
        assertThat(box.received.poll(300, TimeUnit.MILLISECONDS)).as("a2, a3, b2 wait for their keys").isNull();

        member.ack(List.of(first.get(0).ref())); // a1 done: a2 is next for k1
        assertThat(value(box.next())).isEqualTo("a2");

        member.nack(List.of(first.get(1).ref()), Duration.ZERO); // b1 failed: it comes again, before b2
        Delivery b1again = box.next();
        assertThat(value(b1again)).isEqualTo("b1");
        assertThat(b1again.deliveries()).isEqualTo(2);
        assertThat(box.received.poll(300, TimeUnit.MILLISECONDS)).isNull();

        member.ack(List.of(b1again.ref()));
        assertThat(value(box.next())).isEqualTo("b2");
    }

    @Test
    void shouldSpreadKeysOverMembersAndNeverProcessAKeyOutOfOrder() throws Exception {
        long seed = System.nanoTime();
        System.out.println("KeyOrderingTest: seed=" + seed);
        Random random = new Random(seed);
        broker.createStation(T, "emp", config(3, Ordering.KEY));
        int keys = 40;
        int perKey = 15;
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                messages.add(msg("emp-" + k, "emp-" + k + ":" + i));
            }
        }
        broker.produce(T, "emp", messages).join();

        Map<String, Integer> lastApplied = new ConcurrentHashMap<>();
        Map<String, String> inProgress = new ConcurrentHashMap<>();
        int[] perMember = new int[3];
        BrokerTest.Mailbox[] boxes = new BrokerTest.Mailbox[3];
        GroupMember[] members = new GroupMember[3];
        for (int m = 0; m < 3; m++) {
            boxes[m] = new BrokerTest.Mailbox();
            members[m] = broker.subscribe(T, "emp", "hr-sync", StartPosition.earliest(), "m" + m, 8, boxes[m]);
        }
        int applied = 0;
        Map<String, Integer> nacks = new HashMap<>();
        while (applied < keys * perKey) {
            for (int m = 0; m < 3; m++) {
                Delivery d = boxes[m].received.poll(2, TimeUnit.MILLISECONDS);
                if (d == null) {
                    continue;
                }
                String[] parts = value(d).split(":");
                String key = parts[0];
                int seq = Integer.parseInt(parts[1]);
                assertThat(inProgress.putIfAbsent(key, value(d))).as("seed %d: two messages of %s in flight", seed,
                        key).isNull();
                if (random.nextInt(10) == 0 && nacks.merge(value(d), 1, Integer::sum) < 3) {
                    inProgress.remove(key);
                    members[m].nack(List.of(d.ref()), Duration.ZERO); // fails now, must come back before the next
                } else {
                    assertThat(seq).as("seed %d: %s applied in order", seed, key)
                            .isEqualTo(lastApplied.getOrDefault(key, -1) + 1);
                    lastApplied.put(key, seq);
                    inProgress.remove(key);
                    members[m].ack(List.of(d.ref()));
                    applied++;
                    perMember[m]++;
                }
                members[m].addCredits(1);
            }
        }
        assertThat(lastApplied).hasSize(keys).allSatisfy((k, v) -> assertThat(v).isEqualTo(perKey - 1));
        assertThat(perMember).doesNotContain(0);
    }

    @Test
    void shouldHandOutEverythingAtOnceWithoutOrdering() throws Exception {
        broker.createStation(T, "emp", config(1, Ordering.NONE));
        broker.produce(T, "emp", List.of(msg("k1", "a1"), msg("k1", "a2"), msg("k1", "a3"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 100, box);
        assertThat(box.take(3)).extracting(KeyOrderingTest::value).containsExactly("a1", "a2", "a3");
    }

    @Test
    void shouldKeepAGroupsOrderingWhenTheStationDefaultChanges() throws Exception {
        broker.createStation(T, "emp", config(1, Ordering.KEY));
        broker.createGroup(T, "emp", "old", StartPosition.earliest());
        broker.updateStation(T, "emp", config(1, Ordering.NONE));
        broker.createGroup(T, "emp", "new", StartPosition.earliest());
        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
        broker.produce(T, "emp", List.of(msg("k1", "a1"), msg("k1", "a2"))).join();
        BrokerTest.Mailbox old = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "old", null, "m", 100, old);
        assertThat(old.take(1)).extracting(KeyOrderingTest::value).containsExactly("a1");
        assertThat(old.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        BrokerTest.Mailbox fresh = new BrokerTest.Mailbox();
        broker.subscribe(T, "emp", "new", null, "m", 100, fresh);
        assertThat(fresh.take(2)).extracting(KeyOrderingTest::value).containsExactly("a1", "a2");
        assertThat(broker.stationInfo(T, "emp").config().ordering()).isEqualTo(Ordering.NONE);
    }
}
