package io.junction.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.errors.ErrorCode;

class ProducerTest {

    private FakeBroker broker;
    private JunctionClient client;

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
    void batchesTheMessagesSentWithinTheLingerIntoOneRequest() throws Exception {
        final Producer producer = client.producer("orders").linger(Duration.ofMillis(300)).build();

        final List<CompletableFuture<Receipt>> receipts = List.of(producer.send(Message.of("a")),
                producer.send(Message.of("b")), producer.send(Message.of("c")));

        final ProduceRequest request = broker.produced.poll(5, TimeUnit.SECONDS);
        assertThat(request.getMessagesList()).extracting(m -> m.getValue().toStringUtf8())
                .containsExactly("a", "b", "c");
        assertThat(request.getStation()).isEqualTo("orders");
        assertThat(request.getTenant()).as("none named: the caller's own").isEmpty();
        assertThat(request.getRequestId()).isEqualTo(1);
        assertThat(receipts.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 0));
        assertThat(receipts.get(2).get(5, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 2));
        assertThat(broker.produced).isEmpty();
    }

    @Test
    void sendsABatchWithoutWaitingForTheLingerOnceItHoldsBatchMessages() throws Exception {
        final Producer producer = client.producer("orders").linger(Duration.ofHours(1)).batchMessages(2).build();

        producer.send(Message.of("a"));
        producer.send(Message.of("b"));
        final CompletableFuture<Receipt> third = producer.send(Message.of("c"));

        assertThat(broker.produced.poll(5, TimeUnit.SECONDS).getMessagesCount()).isEqualTo(2);
        assertThat(broker.produced.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(third).isNotDone();
    }

    @Test
    void sendsABatchWithoutWaitingForTheLingerOnceItHoldsBatchBytes() throws Exception {
        final Producer producer = client.producer("orders").linger(Duration.ofHours(1)).batchBytes(100).build();

        producer.send(Message.builder().value(new byte[50]).build());
        producer.send(Message.builder().value(new byte[50]).build());

        assertThat(broker.produced.poll(5, TimeUnit.SECONDS).getMessagesCount()).isEqualTo(2);
    }

    @Test
    void carriesKeyValueHeadersPartitionMsgIdAndTimestamp() throws Exception {
        final Producer producer = client.producer("orders").linger(Duration.ZERO).build();

        producer.send(Message.builder().key("employee-7").value(new byte[] {1, 2}).header("source", "hr")
                .partition(2).msgId("m-1").timestamp(Instant.ofEpochMilli(1234)).build()).get(5, TimeUnit.SECONDS);
        producer.send(Message.of("keyless")).get(5, TimeUnit.SECONDS);

        final ProduceMessage sent = broker.produced.poll(5, TimeUnit.SECONDS).getMessages(0);
        assertThat(sent.getKey().toStringUtf8()).isEqualTo("employee-7");
        assertThat(sent.getValue().toByteArray()).containsExactly(1, 2);
        assertThat(sent.getHeaders(0).getKey()).isEqualTo("source");
        assertThat(sent.getHeaders(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("hr");
        assertThat(sent.getPartition()).isEqualTo(2);
        assertThat(sent.getMsgId()).isEqualTo("m-1");
        assertThat(sent.getTimestampMs()).isEqualTo(1234);
        final ProduceMessage keyless = broker.produced.poll(5, TimeUnit.SECONDS).getMessages(0);
        assertThat(keyless.hasKey()).isFalse();
        assertThat(keyless.hasPartition()).isFalse();
        assertThat(keyless.getTimestampMs()).isZero();
    }

    @Test
    void blocksSendWhileMoreThanMaxInFlightBytesAreUnacknowledged() throws Exception {
        broker.answerProduce = false;
        final Producer producer = client.producer("orders").linger(Duration.ZERO).maxInFlightBytes(100).build();
        final CompletableFuture<Receipt> first = producer.send(Message.builder().value(new byte[60]).build());
        final ProduceRequest firstRequest = broker.produced.poll(5, TimeUnit.SECONDS);

        final CompletableFuture<CompletableFuture<Receipt>> second = CompletableFuture.supplyAsync(
                () -> producer.send(Message.builder().value(new byte[60]).build()));

        Thread.sleep(300);
        assertThat(second).isNotDone();
        broker.answer(firstRequest);
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 0));
        final ProduceRequest secondRequest = broker.produced.poll(5, TimeUnit.SECONDS);
        assertThat(secondRequest).isNotNull();
        broker.answer(secondRequest);
        assertThat(second.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 1));
    }

    @Test
    void letsOneMessageLargerThanMaxInFlightBytesThroughWhenNothingElseIsInFlight() throws Exception {
        final Producer producer = client.producer("orders").linger(Duration.ZERO).maxInFlightBytes(10).build();

        assertThat(producer.send(Message.builder().value(new byte[100]).build()).get(5, TimeUnit.SECONDS))
                .isEqualTo(new Receipt(0, 0));
    }

    @Test
    void failsTheFuturesOfABatchTheBrokerRejectsWithTheBrokersCode() {
        final Producer producer = client.producer("nope").linger(Duration.ZERO).build();

        assertThatThrownBy(() -> producer.send(Message.of("x")).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(JunctionException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_STATION);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).isEqualTo("station 'nope' does not exist");
                });
    }

    @Test
    void resendsUnacknowledgedBatchesOnANewStreamAfterTheStreamBreaks() throws Exception {
        broker.breakProduceStreamsBelow = 2;
        final Producer producer = client.producer("orders").linger(Duration.ZERO).build();

        final CompletableFuture<Receipt> receipt = producer.send(Message.of("survives a restart"));

        assertThat(receipt.get(10, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 0));
        assertThat(broker.produceStreams.get()).isEqualTo(3);
        assertThat(broker.produced.poll().getMessages(0).getValue().toStringUtf8()).isEqualTo("survives a restart");
    }

    @Test
    void failsBatchesNotAcknowledgedWithinTheDeliveryTimeout() {
        broker.breakProduceStreamsBelow = Integer.MAX_VALUE;
        final Producer producer = client.producer("orders").linger(Duration.ZERO)
                .deliveryTimeout(Duration.ofMillis(200)).build();

        assertThatThrownBy(() -> producer.send(Message.of("x")).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOfSatisfying(JunctionException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(e.retriable()).isTrue();
                });
    }

    @Test
    void flushSendsTheOpenBatchAndWaitsForItsReceipts() {
        final Producer producer = client.producer("orders").linger(Duration.ofHours(1)).build();
        final CompletableFuture<Receipt> receipt = producer.send(Message.of("a"));

        producer.flush();

        assertThat(receipt).isCompletedWithValue(new Receipt(0, 0));
    }

    @Test
    void closeFlushesAndThenRefusesSends() {
        final Producer producer = client.producer("orders").linger(Duration.ofHours(1)).build();
        final CompletableFuture<Receipt> receipt = producer.send(Message.of("a"));

        producer.close();

        assertThat(receipt).isCompletedWithValue(new Receipt(0, 0));
        assertThatThrownBy(() -> producer.send(Message.of("b"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pipelinesBatchesWithIncreasingRequestIds() throws Exception {
        broker.answerProduce = false;
        final Producer producer = client.producer("orders").linger(Duration.ZERO).build();

        producer.send(Message.of("a"));
        final CompletableFuture<Receipt> second = producer.send(Message.of("b"));

        final ProduceRequest first = broker.produced.poll(5, TimeUnit.SECONDS);
        final ProduceRequest next = broker.produced.poll(5, TimeUnit.SECONDS);
        assertThat(next.getRequestId()).isEqualTo(first.getRequestId() + 1);
        broker.answer(first);
        broker.answer(next);
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(new Receipt(0, 1));
    }
}
