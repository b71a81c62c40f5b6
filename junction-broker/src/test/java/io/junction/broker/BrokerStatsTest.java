package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Broker#stats}: what the metrics read. Counters count what happened (stored, delivered, redelivered, acked,
 * dead-lettered), gauges the state now, and a deleted station or group, or a tenant or station filtered out, is not
 * in the answer.
 */
class BrokerStatsTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), java.time.Clock.systemUTC()));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private static OutgoingMessage msg(String key, String value) {
        return OutgoingMessage.of(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private BrokerStats.StationStats station(String name) {
        return broker.stats(t -> true, (t, s) -> true).tenants().stream().filter(t -> t.tenant().equals(T))
                .flatMap(t -> t.stations().stream()).filter(s -> s.station().equals(name)).findFirst().orElse(null);
    }

    @Test
    void countsRedeliveriesAndMessagesDeadLetteredAtMaxDeliveries() throws Exception {
        broker.createStation(T, "emp", new StationConfig(3, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(30), 2, Ordering.KEY, StationConfig.DEFAULT_DEDUP_WINDOW, OnDeadLetter.SKIP,
                Duration.ofDays(7)));
        broker.produce(T, "emp", List.of(msg("a", "1"), msg("b", "22"), msg("c", "333"))).join();
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "emp", "g", StartPosition.earliest(), "m", 10, box);
        List<Delivery> first = box.take(3);
        Delivery failing = first.stream().filter(d -> new String(d.key(), StandardCharsets.UTF_8).equals("a"))
                .findFirst().orElseThrow();
        member.ack(first.stream().filter(d -> d != failing).map(Delivery::ref).toList());
        member.nack(List.of(failing.ref()), Duration.ZERO, "down");
        Delivery again = box.next();
        assertThat(again.deliveries()).isEqualTo(2);
        member.nack(List.of(again.ref()), Duration.ZERO, "still down"); // max deliveries 2: dead-lettered

        BrokerStats.GroupStats g = awaitGroup("emp", s -> s.deadLettered() == 1);
        assertThat(g.deliveredMessages()).isEqualTo(4);
        assertThat(g.redeliveries()).isEqualTo(1);
        assertThat(g.ackedMessages()).isEqualTo(2);
        assertThat(g.deadLetters()).isEqualTo(1);
        assertThat(g.lag()).isZero();
        assertThat(g.partitionLag()).hasSize(3).containsOnly(0L);
        assertThat(g.inFlight()).isZero();
        assertThat(g.members()).isEqualTo(1);

        BrokerStats.StationStats s = station("emp");
        assertThat(s.producedMessages()).isEqualTo(3);
        assertThat(s.producedBytes()).isEqualTo(3 + 6); // keys a, b, c and values 1, 22, 333
        assertThat(s.consumedMessages()).isEqualTo(4);
        assertThat(s.consumedBytes()).isEqualTo(3 + 6 + 2); // "a" = "1" delivered twice
        assertThat(s.deadLetters()).isEqualTo(1);
        assertThat(s.storedMessages()).isEqualTo(3);
        assertThat(s.partitions()).isEqualTo(3);

        BrokerStats stats = broker.stats(t -> true, (t, st) -> true);
        assertThat(stats.tenants().get(0).produceAckLatency().count()).isEqualTo(1);
        assertThat(stats.fsyncLatency().partitions().count()).isPositive();
        assertThat(stats.fsyncLatency().deadLetters().count()).isPositive();
    }

    @Test
    void leavesOutDeletedStationsAndGroupsAndWhatTheFiltersRefuse() throws Exception {
        broker.createStation(T, "kept", StationConfig.defaults());
        broker.createStation(T, "gone", StationConfig.defaults());
        broker.createGroup(T, "kept", "stays", StartPosition.earliest());
        broker.createGroup(T, "kept", "leaves", StartPosition.earliest());
        broker.createTenant("acme");
        broker.createStation("acme", "kept", StationConfig.defaults());
        broker.produce(T, "kept", List.of(msg("k", "v"), msg("k", "w"))).join();

        broker.deleteStation(T, "gone");
        broker.deleteGroup(T, "kept", "leaves", false);
        BrokerStats stats = broker.stats(t -> true, (t, s) -> true);
        assertThat(stats.tenants()).extracting(BrokerStats.TenantStats::tenant).containsExactly("acme", T);
        BrokerStats.StationStats kept = station("kept");
        assertThat(station("gone")).isNull();
        assertThat(kept.groups()).extracting(BrokerStats.GroupStats::group).containsExactly("stays");
        assertThat(kept.groups().get(0).lag()).isEqualTo(2);

        BrokerStats acmeOnly = broker.stats("acme"::equals, (t, s) -> !s.equals("kept"));
        assertThat(acmeOnly.tenants()).singleElement().satisfies(t -> {
            assertThat(t.tenant()).isEqualTo("acme");
            assertThat(t.stations()).isEmpty();
        });
    }

    private BrokerStats.GroupStats awaitGroup(String station,
            java.util.function.Predicate<BrokerStats.GroupStats> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        BrokerStats.GroupStats g;
        do {
            g = station(station).groups().get(0);
            if (until.test(g)) {
                return g;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the group did not reach the state within 10 s: " + g);
    }
}
