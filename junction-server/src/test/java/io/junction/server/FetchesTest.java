package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import io.junction.api.v1.Ack;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.FetchRequest;
import io.junction.api.v1.FetchResponse;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.SettleRequest;
import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StationConfig;
import io.junction.errors.ErrorCode;
import io.junction.security.AccessControl;
import io.junction.security.Principal;

/** {@link Fetches} on a real broker: the bounds of an answer, the queue per member, a member's idle end, shutdown. */
class FetchesTest {

    @TempDir
    Path dir;
    private Broker broker;
    private Fetches fetches;
    private Principal root;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir.resolve("data")));
        fetches = new Fetches(broker, Duration.ofMillis(100), Duration.ofMillis(50));
        root = AccessControl.open(dir.resolve("access"), java.time.Clock.systemUTC(), Duration.ofHours(1))
                .loopbackRoot();
        broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0,
                0, Duration.ofSeconds(1), 5, Ordering.NONE, StationConfig.DEFAULT_DEDUP_WINDOW, OnDeadLetter.SKIP,
                Duration.ofDays(1), false));
    }

    @AfterEach
    void close() {
        fetches.close();
        broker.close();
    }

    private void produce(int count, int size) throws Exception {
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(OutgoingMessage.of(null, new byte[size]));
        }
        broker.produce(Broker.DEFAULT_TENANT, "s", batch).get(30, TimeUnit.SECONDS);
    }

    private FetchResponse fetch(int max, long waitMs) throws Exception {
        return fetches.fetch(root, FetchRequest.newBuilder().setTenant(Broker.DEFAULT_TENANT).setStation("s")
                .setGroup("g").setMax(max).setWaitMs(waitMs).build()).get(60, TimeUnit.SECONDS);
    }

    @Test
    void anAnswerStopsAtAboutThreeMebibytesAndTheRestComesWithTheNextFetch() throws Exception {
        produce(6, 1000 * 1000);
        FetchResponse first = fetch(10, 5000);
        assertThat(first.getMessagesCount()).isBetween(1, 4);
        long bytes = first.getMessagesList().stream().mapToLong(m -> m.getValue().size()).sum();
        assertThat(bytes).isLessThanOrEqualTo(Fetches.MAX_RESPONSE_BYTES + 1000 * 1000);
        List<Long> offsets = new ArrayList<>(first.getMessagesList().stream().map(DeliveredMessage::getOffset)
                .toList());
        while (offsets.size() < 6) {
            FetchResponse next = fetch(10, 5000);
            assertThat(next.getMessagesCount()).as("the rest, fetch by fetch").isPositive();
            next.getMessagesList().forEach(m -> offsets.add(m.getOffset()));
        }
        assertThat(offsets).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void anIdleMemberLeavesItsGroupAfterTwoAckTimeoutsAndWhatItHeldComesBack() throws Exception {
        produce(1, 10);
        FetchResponse got = fetch(1, 5000);
        assertThat(got.getMessagesCount()).isEqualTo(1);
        assertThat(fetches.leases()).isEqualTo(1);
        assertThat(broker.groupInfo(Broker.DEFAULT_TENANT, "s", "g").members()).hasSize(1);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (fetches.leases() > 0 || !broker.groupInfo(Broker.DEFAULT_TENANT, "s", "g").members().isEmpty()) {
            assertThat(System.nanoTime()).as("the idle member left within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        // The message, never acked, is delivered again to the next fetch (a new member).
        FetchResponse again = fetch(1, 5000);
        assertThat(again.getMessagesCount()).isEqualTo(1);
        assertThat(again.getMessages(0).getOffset()).isZero();
        assertThat(again.getMessages(0).getDeliveries()).isEqualTo(2);
        // ... and an ack of the old delivery changes nothing.
        DeliveredMessage old = got.getMessages(0);
        var stale = fetches.settle(root, SettleRequest.newBuilder().setTenant(Broker.DEFAULT_TENANT).setStation("s")
                .setGroup("g").setAck(Ack.newBuilder().addMessages(MessageRef.newBuilder().setPartition(0)
                        .setOffset(0).setDeliveryId(old.getDeliveryId()))).build()).get(10, TimeUnit.SECONDS);
        assertThat(stale.getSettled()).isZero();
        assertThat(stale.getStaleCount()).isEqualTo(1);
    }

    @Test
    void atMostSixteenFetchesOfOneMemberWaitAndTheNextIsRefused() throws Exception {
        List<CompletableFuture<FetchResponse>> waiting = new ArrayList<>();
        FetchRequest slow = FetchRequest.newBuilder().setTenant(Broker.DEFAULT_TENANT).setStation("s").setGroup("g")
                .setMax(1).setWaitMs(20_000).build();
        for (int i = 0; i < Fetches.MAX_QUEUED; i++) {
            waiting.add(fetches.fetch(root, slow));
        }
        assertThatThrownBy(() -> fetches.fetch(root, slow)).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED));
        // Messages end the waits one by one, in order: each waiting fetch gets one.
        produce(Fetches.MAX_QUEUED, 10);
        List<Long> offsets = new ArrayList<>();
        for (CompletableFuture<FetchResponse> f : waiting) {
            FetchResponse r = f.get(60, TimeUnit.SECONDS);
            r.getMessagesList().forEach(m -> offsets.add(m.getOffset()));
        }
        assertThat(offsets).hasSize(Fetches.MAX_QUEUED).doesNotHaveDuplicates();
    }

    @Test
    void aFetchWaitingWhenTheBrokerStopsEndsWithShuttingDown() {
        CompletableFuture<FetchResponse> waiting = fetches.fetch(root, FetchRequest.newBuilder()
                .setTenant(Broker.DEFAULT_TENANT).setStation("s").setGroup("g").setWaitMs(30_000).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.groupInfo(Broker.DEFAULT_TENANT, "s", "g").members().isEmpty()) {
            assertThat(System.nanoTime()).as("the member joined").isLessThan(deadline);
            Thread.onSpinWait();
        }
        broker.close();
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
    }

    @Test
    void aFetchThatDoesNotWaitGetsWhatIsStoredAlready() throws Exception {
        produce(3, 10);
        assertThat(fetch(10, 0).getMessagesCount()).as("a new group's first fetch").isEqualTo(3);
        produce(2, 10);
        assertThat(fetch(10, 0).getMessagesCount()).as("the next one").isEqualTo(2);
        assertThat(fetch(10, 0).getMessagesCount()).as("nothing left").isZero();

        broker.createStation(Broker.DEFAULT_TENANT, "keyed", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE,
                0, 0, Duration.ofSeconds(30), 5, Ordering.KEY, StationConfig.DEFAULT_DEDUP_WINDOW, OnDeadLetter.SKIP,
                Duration.ofDays(1), false));
        broker.produce(Broker.DEFAULT_TENANT, "keyed", List.of(OutgoingMessage.of("a".getBytes(), new byte[1]),
                OutgoingMessage.of("b".getBytes(), new byte[1]))).get(30, TimeUnit.SECONDS);
        assertThat(fetches.fetch(root, FetchRequest.newBuilder().setTenant(Broker.DEFAULT_TENANT).setStation("keyed")
                .setGroup("g").setMax(10).build()).get(30, TimeUnit.SECONDS).getMessagesCount())
                .as("a keyed station's first fetch").isEqualTo(2);
    }

    @Test
    void badValuesAreRefusedBeforeAnythingJoins() {
        for (FetchRequest bad : List.of(FetchRequest.newBuilder().setStation("s").setGroup("g").setMax(-1).build(),
                FetchRequest.newBuilder().setStation("s").setGroup("g").setMax(1001).build(),
                FetchRequest.newBuilder().setStation("s").setGroup("g").setWaitMs(-1).build(),
                FetchRequest.newBuilder().setStation("s").setGroup("g").setWaitMs(30_001).build())) {
            assertThatThrownBy(() -> fetches.fetch(root, bad.toBuilder().setTenant(Broker.DEFAULT_TENANT).build()))
                    .isInstanceOfSatisfying(BrokerException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        }
        assertThatThrownBy(() -> fetches.fetch(root, FetchRequest.newBuilder().setTenant(Broker.DEFAULT_TENANT)
                .setStation("nope").setGroup("g").build())).isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_STATION));
        assertThat(fetches.leases()).isZero();
    }
}
