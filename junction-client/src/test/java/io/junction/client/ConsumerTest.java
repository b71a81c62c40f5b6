package io.junction.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.Header;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.StoredDeliveries;
import io.junction.api.v1.StoredRun;
import io.junction.api.v1.Subscribed;
import io.junction.errors.ErrorCode;

class ConsumerTest {

    private FakeBroker broker;
    private JunctionClient client;
    private final BlockingQueue<ReceivedMessage> handled = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        broker = new FakeBroker();
        client = broker.client();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        broker.close();
    }

    @Test
    void consumersTalkOverAConnectionOfTheirOwnSoTheirAcksNeverQueueBehindProduceRequests() throws Exception {
        try (FakeBroker tcp = FakeBroker.overTcp(); JunctionClient c = tcp.client()) {
            try (Producer producer = c.producer("orders").build()) {
                producer.send(Message.builder().value(new byte[] {1}).build()).get(30, TimeUnit.SECONDS);
                c.consumer("orders", "a").handler(m -> { }).build().start();
                c.consumer("orders", "b").handler(m -> { }).build().start();
                assertThat(tcp.consumeRequests.poll(30, TimeUnit.SECONDS)).isNotNull();
                assertThat(tcp.consumeRequests.poll(30, TimeUnit.SECONDS)).isNotNull();
                java.util.Set<java.net.SocketAddress> produce = tcp.callers.get("junction.v1.Produce");
                java.util.Set<java.net.SocketAddress> consume = tcp.callers.get("junction.v1.Consume");
                assertThat(produce).hasSize(1);
                assertThat(consume).as("the consumers share one connection").hasSize(1);
                assertThat(consume).doesNotContainAnyElementsOf(produce);
            }
        }
    }

    @Test
    void subscribesWithTheStartPositionAndThePrefetchAsInitialCredits() throws Exception {
        client.consumer("orders", "billing").startPosition(StartPosition.lastN(10)).prefetch(7).memberName("m1")
                .handler(handled::add).build().start();

        final ConsumeRequest first = next();
        assertThat(first.hasSubscribe()).isTrue();
        assertThat(first.getSubscribe().getTenant()).as("none named: the caller's own").isEmpty();
        assertThat(first.getSubscribe().getStation()).isEqualTo("orders");
        assertThat(first.getSubscribe().getGroup()).isEqualTo("billing");
        assertThat(first.getSubscribe().getStart().getLastN()).isEqualTo(10);
        assertThat(first.getSubscribe().getInitialCredits()).isEqualTo(7);
        assertThat(first.getSubscribe().getMemberName()).isEqualTo("m1");
        assertThat(first.getSubscribe().getOrdering()).as("unset: the station's default").isEmpty();
    }

    @Test
    void aSlowHandlerTakesNoMoreMessagesAheadThanItCanStartWithinHalfTheAckTimeout() throws Exception {
        final Consumer consumer = client.consumer("orders", "billing").prefetch(100).handler(m -> {
            Thread.sleep(50); // at least 50 ms a message: at most 500 / 50 = 10 fit in half of a 1 s ack timeout
            handled.add(m);
            m.ack();
        }).build().start();
        long granted = next().getSubscribe().getInitialCredits();
        assertThat(granted).as("the handler is not measured yet: the whole prefetch").isEqualTo(100);
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder()
                .setAckTimeoutMs(1000)).build());
        for (long offset = 0; offset < 100; offset++) { // the broker's part: deliver as many as granted
            deliver(0, offset, 1);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (handled.size() + consumer.expiredInQueue() < 100 && System.nanoTime() < deadline) {
            final ConsumeRequest r = broker.consumeRequests.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                granted += r.getCredit().getMessages();
            }
        }
        ConsumeRequest r;
        while ((r = broker.consumeRequests.poll(300, TimeUnit.MILLISECONDS)) != null) {
            granted += r.getCredit().getMessages();
        }
        assertThat(handled.size() + consumer.expiredInQueue()).isEqualTo(100);
        // One credit per finished message would have granted 100 more; the measured window refills to 10 at most.
        assertThat(granted - 100).as("credits granted after the first 100").isLessThanOrEqualTo(10);
    }

    @Test
    void subscribesWithTheOrderingOfANewGroup() throws Exception {
        client.consumer("orders", "billing").ordering(Ordering.NONE).handler(handled::add).build().start();

        assertThat(next().getSubscribe().getOrdering()).isEqualTo("none");
    }

    @Test
    void handsMessagesToTheHandlerInOrderWithTheirFields() throws Exception {
        client.consumer("orders", "billing").handler(handled::add).build().start();
        next();

        deliver(0, 5, 1);
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setMessage(DeliveredMessage.newBuilder()
                .setPartition(1).setOffset(6).setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v"))
                .addHeaders(Header.newBuilder().setKey("h").setValue(ByteString.copyFromUtf8("x")))
                .setTimestampMs(1000).setDeliveries(3)).build());

        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).isEqualTo(5);
        final ReceivedMessage m = handled.poll(5, TimeUnit.SECONDS);
        assertThat(m.station()).isEqualTo("orders");
        assertThat(m.partition()).isEqualTo(1);
        assertThat(m.offset()).isEqualTo(6);
        assertThat(m.keyAsString()).isEqualTo("k");
        assertThat(m.valueAsString()).isEqualTo("v");
        assertThat(new String(m.headers().get("h"), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("x");
        assertThat(m.timestamp().toEpochMilli()).isEqualTo(1000);
        assertThat(m.deliveries()).isEqualTo(3);
    }

    @Test
    void grantsOneCreditForEachMessageTheHandlerFinishesAndSendsItsAcks() throws Exception {
        client.consumer("orders", "billing").prefetch(3).handler(ReceivedMessage::ack).build().start();
        next();

        deliver(0, 0, 1);
        deliver(0, 1, 1);

        final List<MessageRef> acked = new ArrayList<>();
        int credits = 0;
        while (acked.size() < 2 || credits < 2) {
            final ConsumeRequest r = next();
            acked.addAll(r.getAck().getMessagesList());
            credits += r.getCredit().getMessages();
        }
        assertThat(acked).extracting(MessageRef::getOffset).containsExactly(0L, 1L);
        assertThat(credits).isEqualTo(2);
    }

    @Test
    void sendsNackWithItsDelayAndInProgressAtOnce() throws Exception {
        client.consumer("orders", "billing").ackDelay(Duration.ofHours(1)).handler(m -> {
            m.inProgress();
            m.nackWithDelay(Duration.ofSeconds(3));
            m.ack(); // already settled: nothing is sent
        }).build().start();
        next();

        deliver(0, 9, 1);

        assertThat(next().getInProgress().getMessages(0).getOffset()).isEqualTo(9);
        final ConsumeRequest nack = next();
        assertThat(nack.getNack().getMessages(0).getOffset()).isEqualTo(9);
        assertThat(nack.getNack().getDelayMs()).isEqualTo(3000);
        assertThat(broker.consumeRequests.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void nacksAMessageWhoseHandlerThrows() throws Exception {
        client.consumer("orders", "billing").handler(m -> {
            throw new IllegalStateException("cannot process");
        }).build().start();
        next();

        deliver(0, 4, 1);

        final ConsumeRequest nack = next();
        assertThat(nack.getNack().getMessages(0).getOffset()).isEqualTo(4);
        assertThat(nack.getNack().getDelayMs()).isZero();
    }

    @Test
    void neverGrantsMoreCreditsThanTheMessagesItStillWants() throws Exception {
        final Consumer consumer = client.consumer("orders", "billing").prefetch(2).maxMessages(3)
                .handler(m -> {
                    handled.add(m);
                    m.ack();
                }).build().start();
        int granted = next().getSubscribe().getInitialCredits();
        assertThat(granted).isEqualTo(2);

        for (long offset = 0; offset < 3; offset++) {
            while (granted <= offset) {
                granted += next().getCredit().getMessages();
            }
            deliver(0, offset, 1);
            handled.poll(5, TimeUnit.SECONDS);
        }

        final List<ConsumeRequest> rest = new ArrayList<>();
        ConsumeRequest r;
        while ((r = broker.consumeRequests.poll(300, TimeUnit.MILLISECONDS)) != null) {
            rest.add(r);
        }
        assertThat(granted + rest.stream().mapToInt(x -> x.getCredit().getMessages()).sum()).isEqualTo(3);
        assertThat(consumer.handled()).isEqualTo(3);
    }

    @Test
    void resubscribesWithNoMoreCreditsThanTheMessagesItStillWants() throws Exception {
        client.consumer("orders", "billing").prefetch(100).maxMessages(5).handler(handled::add).build().start();
        next();
        deliver(0, 0, 1);
        handled.poll(5, TimeUnit.SECONDS);

        broker.consumeResponses.onError(Status.UNAVAILABLE.withDescription("broker restarting").asException());

        ConsumeRequest again = next();
        while (!again.hasSubscribe()) { // the credits of the first stream may come before it breaks
            again = next();
        }
        assertThat(again.getSubscribe().getInitialCredits()).as("5 wanted, 1 handled").isEqualTo(4);
    }

    @Test
    void handsStoredDeliveriesOverInDeliveryIdOrderWithTheirFieldsReadFromTheBatch() throws Exception {
        final List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        client.consumer("orders", "billing").prefetch(10).handler(got::add).build().start();
        assertThat(next().getSubscribe().getStoredBatches()).as("the client says it decodes them").isTrue();
        final ByteBuffer batch = StoredBatchesTest.batch(40, 1_700_000_000_000L, List.of(
                new StoredBatchesTest.Rec(0, 0, "k".getBytes(UTF_8), "first".getBytes(UTF_8), Map.of()),
                new StoredBatchesTest.Rec(1, 1, null, "other member's".getBytes(UTF_8), Map.of()),
                new StoredBatchesTest.Rec(2, 2, null, null, Map.of("h", "v".getBytes(UTF_8)))));
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setStored(StoredDeliveries.newBuilder()
                .addMessages(DeliveredMessage.newBuilder().setPartition(1).setOffset(7)
                        .setValue(ByteString.copyFromUtf8("read again")).setDeliveries(2).setDeliveryId(11))
                .addRuns(StoredRun.newBuilder().setPartition(0).setBatch(ByteString.copyFrom(batch))
                        .addOffsets(40).addOffsets(42).addDeliveryIds(10).addDeliveryIds(12)
                        .addDeliveries(1).addDeliveries(1))).build());
        awaitSize(got, 3);
        assertThat(got).extracting(ReceivedMessage::deliveryId).containsExactly(10L, 11L, 12L);
        assertThat(got).extracting(ReceivedMessage::offset).containsExactly(40L, 7L, 42L);
        assertThat(new String(got.get(0).value(), UTF_8)).isEqualTo("first");
        assertThat(new String(got.get(0).key(), UTF_8)).isEqualTo("k");
        assertThat(got.get(1).deliveries()).isEqualTo(2);
        assertThat(got.get(2).isTombstone()).isTrue();
        assertThat(got.get(2).timestamp().toEpochMilli()).isEqualTo(1_700_000_000_002L);
        assertThat(new String(got.get(2).headers().get("h"), UTF_8)).isEqualTo("v");
    }

    @Test
    void refusesACorruptStoredBatchWholeAndSubscribesAgain() throws Exception {
        final List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        client.consumer("orders", "billing").prefetch(10).handler(got::add).build().start();
        next();
        final ByteBuffer batch = StoredBatchesTest.batch(0, 1_700_000_000_000L, List.of(
                new StoredBatchesTest.Rec(0, 0, null, "a".getBytes(UTF_8), Map.of()),
                new StoredBatchesTest.Rec(1, 0, null, "b".getBytes(UTF_8), Map.of())));
        batch.put(batch.limit() - 2, (byte) 'c'); // the last value, "b", is now "c": only the CRC tells
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setStored(StoredDeliveries.newBuilder()
                .addRuns(StoredRun.newBuilder().setBatch(ByteString.copyFrom(batch)).addOffsets(0).addOffsets(1)
                        .addDeliveryIds(1).addDeliveryIds(2).addDeliveries(1).addDeliveries(1))).build());

        ConsumeRequest again = next();
        while (!again.hasSubscribe()) {
            again = next();
        }
        assertThat(broker.consumeStreams.get()).as("the stream that sent it was given up").isEqualTo(2);
        assertThat(got).as("nothing of a corrupt batch reaches the application").isEmpty();
    }

    @Test
    void subscribesAgainAfterTheStreamBreaksWithTheWindowItHadMeasured() throws Exception {
        final List<Long> offsets = new CopyOnWriteArrayList<>();
        client.consumer("orders", "billing").prefetch(4).handler(m -> offsets.add(m.offset())).build().start();
        next();
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder()
                .setMemberId("m-1")).build());
        deliver(0, 0, 1);
        awaitSize(offsets, 1);

        broker.consumeResponses.onError(Status.UNAVAILABLE.withDescription("broker restarting").asException());

        ConsumeRequest again = next();
        while (!again.hasSubscribe()) {
            again = next();
        }
        assertThat(again.getSubscribe().getInitialCredits()).isEqualTo(4);
        assertThat(broker.consumeStreams.get()).isEqualTo(2);
        deliver(0, 0, 2);
        awaitSize(offsets, 2);
        assertThat(offsets).containsExactly(0L, 0L);
    }

    @Test
    void stopsWithTheBrokersCodeOnANonRetriableError() throws Exception {
        final Consumer consumer = client.consumer("missing", "billing").handler(handled::add).build().start();
        next();

        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setError(FakeBroker.error(
                io.junction.api.v1.ErrorCode.UNKNOWN_STATION, "station 'missing' does not exist")).build());
        broker.consumeResponses.onCompleted();

        assertThatThrownBy(() -> consumer.termination().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(JunctionException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_STATION));
        assertThat(broker.consumeRequests.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void closeSendsPendingAcksAndEndsTheStream() throws Exception {
        final Consumer consumer = client.consumer("orders", "billing").ackDelay(Duration.ofHours(1))
                .handler(m -> {
                    m.ack();
                    handled.add(m);
                }).build().start();
        next();
        deliver(0, 0, 1);
        handled.poll(5, TimeUnit.SECONDS);

        consumer.close();

        assertThat(next().getAck().getMessages(0).getOffset()).isZero();
        assertThat(consumer.termination()).isCompleted();
    }

    @Test
    void ackSyncSendsTheAckAtOnceAndReturnsOnlyOnceTheBrokerConfirmsIt() throws Exception {
        broker.confirmSyncAcks = false;
        client.consumer("orders", "billing").ackDelay(Duration.ofHours(1)).handler(m -> {
            m.ackSync();
            handled.add(m);
        }).build().start();
        next();

        deliver(0, 7, 1);

        final ConsumeRequest ack = next(); // at once, despite the hour of ack delay
        assertThat(ack.getAck().getSync()).isTrue();
        assertThat(ack.getAck().getMessagesList()).extracting(MessageRef::getOffset).containsExactly(7L);
        assertThat(handled.poll(300, TimeUnit.MILLISECONDS)).as("still waiting for the confirmation").isNull();
        broker.confirm(ack.getAck().getAckId() + 1); // another ack's confirmation does not release it
        assertThat(handled.poll(300, TimeUnit.MILLISECONDS)).isNull();

        broker.confirm(ack.getAck().getAckId());

        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).isEqualTo(7);
    }

    @Test
    void ackSyncsGetIdsOfTheirOwnAndCreditsStillFlow() throws Exception {
        client.consumer("orders", "billing").prefetch(2).handler(m -> {
            m.ackSync(); // the fake broker confirms each at once
            handled.add(m);
        }).build().start();
        next();

        deliver(0, 0, 1);
        deliver(0, 1, 1);

        final List<Long> ackIds = new ArrayList<>();
        int credits = 0;
        while (ackIds.size() < 2 || credits < 2) {
            final ConsumeRequest r = next();
            if (r.hasAck()) {
                assertThat(r.getAck().getSync()).isTrue();
                ackIds.add(r.getAck().getAckId());
            }
            credits += r.getCredit().getMessages();
        }
        assertThat(ackIds).doesNotHaveDuplicates();
        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).isZero();
        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).isEqualTo(1);
        assertThat(credits).isEqualTo(2);
    }

    @Test
    void ackSyncThrowsUnavailableWhenTheStreamBreaksBeforeTheConfirmation() throws Exception {
        broker.confirmSyncAcks = false;
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        client.consumer("orders", "billing").handler(m -> {
            try {
                m.ackSync();
            } catch (JunctionException e) {
                failures.add(e);
            }
        }).build().start();
        next();
        deliver(0, 3, 1);
        assertThat(next().getAck().getSync()).isTrue();

        broker.consumeResponses.onError(Status.UNAVAILABLE.withDescription("broker restarting").asException());

        final Throwable failure = failures.poll(5, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOfSatisfying(JunctionException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("may be delivered again");
        });
    }

    @Test
    void ackSyncAsyncCompletesOnTheConfirmationAndAckSyncAfterAPlainAckIsRefused() throws Exception {
        broker.confirmSyncAcks = false;
        final BlockingQueue<java.util.concurrent.CompletableFuture<Void>> futures = new LinkedBlockingQueue<>();
        client.consumer("orders", "billing").handler(m -> {
            if (m.offset() == 0) {
                futures.add(m.ackSyncAsync());
            } else {
                m.ack();
                assertThatThrownBy(m::ackSync).isInstanceOf(IllegalStateException.class);
                handled.add(m);
            }
        }).build().start();
        next();
        deliver(0, 0, 1);
        final ConsumeRequest ack = next();
        final java.util.concurrent.CompletableFuture<Void> confirmed = futures.poll(5, TimeUnit.SECONDS);
        assertThat(confirmed).isNotCompleted();

        broker.confirm(ack.getAck().getAckId());
        confirmed.get(5, TimeUnit.SECONDS);

        deliver(0, 1, 1);
        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).isEqualTo(1);
    }

    @Test
    void reportsEachHandOffWithItsCreditsAndNamesTheDeliveryInItsAcks() throws Exception {
        client.consumer("orders", "billing").prefetch(4).handler(ReceivedMessage::ack).build().start();
        next();

        deliver(0, 0, 1, 11);
        deliver(0, 1, 1, 12);

        final List<MessageRef> acked = new ArrayList<>();
        long startedThrough = 0;
        while (acked.size() < 2 || startedThrough < 12) {
            final ConsumeRequest r = next();
            acked.addAll(r.getAck().getMessagesList());
            startedThrough = Math.max(startedThrough, r.getCredit().getStartedThrough());
        }
        assertThat(acked).extracting(MessageRef::getDeliveryId).containsExactly(11L, 12L);
        assertThat(startedThrough).isEqualTo(12);
    }

    @Test
    void doesNotHandOverAMessageThatWaitedInTheQueuePastItsDeadline() throws Exception {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final Consumer consumer = client.consumer("orders", "billing").prefetch(2).handler(m -> {
            handled.add(m);
            if (m.offset() == 0) {
                release.await(); // the second waits in the queue meanwhile
            }
            m.ack();
        }).build().start();
        next();
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder()
                .setAckTimeoutMs(200)).build());
        deliver(0, 0, 1, 1);
        deliver(0, 1, 1, 2);
        final ReceivedMessage first = handled.poll(5, TimeUnit.SECONDS);
        assertThat(first.remainingAckTime()).isLessThanOrEqualTo(Duration.ofMillis(200));
        Thread.sleep(400); // longer than the ack timeout: the broker has handed the second out again by now
        release.countDown();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (consumer.expiredInQueue() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // A long ack timeout from now on, so that the third is handed over however slow this machine is.
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder()
                .setAckTimeoutMs(60_000)).build());
        deliver(0, 2, 1, 3);

        assertThat(handled.poll(5, TimeUnit.SECONDS).offset()).as("the second is skipped").isEqualTo(2);
        assertThat(consumer.expiredInQueue()).isEqualTo(1);
    }

    @Test
    void aStaleSyncAckFailsWithStaleDeliveryAndOtherStaleSettlementsReachTheListener() throws Exception {
        broker.confirmSyncAcks = false;
        final BlockingQueue<StaleSettlement> stale = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        final Consumer consumer = client.consumer("orders", "billing").onStaleSettlement(stale::add).handler(m -> {
            try {
                m.ackSync();
            } catch (JunctionException e) {
                failures.add(e);
            }
        }).build().start();
        next();
        deliver(0, 5, 2, 77);
        ConsumeRequest ack = next();
        while (!ack.hasAck()) {
            assertThat(ack.getCredit().getStartedThrough()).as("the hand-off, reported first").isEqualTo(77);
            ack = next();
        }
        final MessageRef ref = ack.getAck().getMessages(0);
        assertThat(ref.getDeliveryId()).isEqualTo(77);
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setAckConfirmed(
                io.junction.api.v1.AckConfirmed.newBuilder().setAckId(ack.getAck().getAckId()).addStale(ref)).build());

        final Throwable failure = failures.poll(5, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOfSatisfying(JunctionException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.STALE_DELIVERY));

        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setStale(io.junction.api.v1.StaleSettlements
                .newBuilder().setKind("nack").addMessages(ref)).build());
        assertThat(stale.poll(5, TimeUnit.SECONDS)).isEqualTo(new StaleSettlement("orders", 0, 5, 77, "nack"));
        assertThat(consumer.staleSettlements()).isEqualTo(2);
    }

    private ConsumeRequest next() throws InterruptedException {
        final ConsumeRequest r = broker.consumeRequests.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("a request from the consumer").isNotNull();
        return r;
    }

    private void deliver(int partition, long offset, int deliveries) {
        deliver(partition, offset, deliveries, 0);
    }

    private void deliver(int partition, long offset, int deliveries, long deliveryId) {
        broker.consumeResponses.onNext(ConsumeResponse.newBuilder().setMessage(DeliveredMessage.newBuilder()
                .setPartition(partition).setOffset(offset).setValue(ByteString.copyFromUtf8("m" + offset))
                .setDeliveries(deliveries).setDeliveryId(deliveryId)).build());
    }

    private static void awaitSize(List<?> list, int size) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
