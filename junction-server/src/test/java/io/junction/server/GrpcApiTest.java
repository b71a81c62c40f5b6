package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.Ack;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.GetGroupRequest;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.GroupInfo;
import io.junction.api.v1.Header;
import io.junction.api.v1.ListGroupsRequest;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.api.v1.StationConfig;
import io.junction.api.v1.Subscribe;
import io.junction.api.v1.Subscribed;
import io.junction.api.v1.UpdateStationRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The junction.v1 services over a real server and a real gRPC channel. */
class GrpcApiTest {

    @TempDir
    Path dir;

    private static ServerConfig config(Path dir) {
        return ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0).build();
    }

    private static ManagedChannel channel(JunctionServer server) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    /** A consume stream whose responses land in a queue. */
    static final class ConsumeStream implements StreamObserver<ConsumeResponse> {
        final BlockingQueue<ConsumeResponse> responses = new LinkedBlockingQueue<>();
        /** Every response as it came, batches not split. */
        final BlockingQueue<ConsumeResponse> raw = new LinkedBlockingQueue<>();
        final StreamObserver<ConsumeRequest> requests;
        final java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();

        ConsumeStream(ManagedChannel channel) {
            requests = ConsumeGrpc.newStub(channel).consume(this);
        }

        @Override
        public void onNext(ConsumeResponse value) {
            raw.add(value);
            if (value.hasBatch()) { // several messages in one response: seen here one by one, in order
                value.getBatch().getMessagesList()
                        .forEach(m -> responses.add(ConsumeResponse.newBuilder().setMessage(m).build()));
            } else {
                responses.add(value);
            }
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(t);
        }

        @Override
        public void onCompleted() {
            ended.complete(null);
        }

        /** How the stream ended: its error status (null: it completed with OK). */
        Throwable ended() throws Exception {
            return ended.get(10, TimeUnit.SECONDS);
        }

        ConsumeResponse next() throws InterruptedException {
            ConsumeResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a response within 10 s").isNotNull();
            return r;
        }
    }

    private static List<ProduceResponse> produce(ManagedChannel channel, List<ProduceRequest> requests)
            throws InterruptedException {
        BlockingQueue<ProduceResponse> responses = new LinkedBlockingQueue<>();
        StreamObserver<ProduceRequest> stream = ProduceGrpc.newStub(channel).produce(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.forEach(stream::onNext);
        List<ProduceResponse> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            ProduceResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            out.add(r);
        }
        stream.onCompleted();
        return out;
    }

    private static ProduceRequest request(long id, String station, ProduceMessage... messages) {
        return ProduceRequest.newBuilder().setRequestId(id).setStation(station).addAllMessages(List.of(messages))
                .build();
    }

    private static ProduceMessage message(String key, String value) {
        ProduceMessage.Builder b = ProduceMessage.newBuilder().setValue(ByteString.copyFromUtf8(value))
                .addHeaders(Header.newBuilder().setKey("type").setValue(ByteString.copyFromUtf8("t-" + value)));
        if (key != null) {
            b.setKey(ByteString.copyFromUtf8(key));
        }
        return b.build();
    }

    @Test
    void shouldBatchDeliveriesOnlyForClientsThatSayTheyUnderstandBatches() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setName("s").build());
            produce(channel, List.of(request(1, "s", message(null, "a"), message(null, "b"), message(null, "c"))));
            for (boolean batches : new boolean[] {true, false}) {
                ConsumeStream consumer = new ConsumeStream(channel);
                consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                        .setStation("s").setGroup("g-" + batches).setInitialCredits(10).setBatches(batches)).build());
                assertThat(consumer.raw.poll(10, TimeUnit.SECONDS).hasSubscribed()).isTrue();
                ConsumeResponse first = consumer.raw.poll(10, TimeUnit.SECONDS);
                if (batches) {
                    assertThat(first.getBatch().getMessagesList()).extracting(m -> m.getValue().toStringUtf8())
                            .containsExactly("a", "b", "c");
                } else {
                    assertThat(first.getMessage().getValue().toStringUtf8()).as("an older client").isEqualTo("a");
                    assertThat(consumer.raw.poll(10, TimeUnit.SECONDS).getMessage().getValue().toStringUtf8())
                            .isEqualTo("b");
                }
                consumer.requests.onCompleted();
            }
            channel.shutdownNow();
        }
    }

    @Test
    void shouldSendStoredBatchesAsStoredToClientsThatDecodeThem() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setName("s").build());
            produce(channel, List.of(request(1, "s", message(null, "a"), message("k", "b"), message(null, "c"))));
            ConsumeStream consumer = new ConsumeStream(channel);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setStation("s")
                    .setGroup("g").setInitialCredits(10).setBatches(true).setStoredBatches(true)).build());
            assertThat(consumer.raw.poll(10, TimeUnit.SECONDS).hasSubscribed()).isTrue();
            ConsumeResponse first = consumer.raw.poll(10, TimeUnit.SECONDS);
            assertThat(first.getKindCase()).isEqualTo(ConsumeResponse.KindCase.STORED);
            assertThat(first.getStored().getMessagesList()).as("nothing one by one").isEmpty();
            assertThat(first.getStored().getRunsList()).hasSize(1);
            io.junction.api.v1.StoredRun run = first.getStored().getRuns(0);
            assertThat(run.getOffsetsList()).containsExactly(0L, 1L, 2L);
            assertThat(run.getDeliveriesList()).containsExactly(1, 1, 1);
            assertThat(run.getDeliveryIds(1)).isEqualTo(run.getDeliveryIds(0) + 1);
            // The batch as stored (docs/log-format.md): base offset 0, its length, three records, CRC32C valid.
            java.nio.ByteBuffer batch = run.getBatch().asReadOnlyByteBuffer();
            assertThat(batch.getLong(0)).isZero();
            assertThat(batch.getInt(8)).isEqualTo(batch.remaining());
            assertThat(batch.getInt(52)).isEqualTo(3);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(batch.duplicate().position(16));
            assertThat((int) crc.getValue()).isEqualTo(batch.getInt(12));
            assertThat(run.getBatch().toStringUtf8()).contains("a", "b", "c");

            // Settled by their refs as ever: acked, nothing comes back.
            List<MessageRef> refs = new ArrayList<>();
            for (int i = 0; i < run.getOffsetsCount(); i++) {
                refs.add(MessageRef.newBuilder().setOffset(run.getOffsets(i)).setDeliveryId(run.getDeliveryIds(i))
                        .build());
            }
            consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().addAllMessages(refs)
                    .setSync(true).setAckId(1)).build());
            ConsumeResponse confirmed = consumer.raw.poll(10, TimeUnit.SECONDS);
            assertThat(confirmed.getAckConfirmed().getStaleList()).isEmpty();
            GroupInfo info = AdminGrpc.newBlockingStub(channel).getGroup(GetGroupRequest.newBuilder().setStation("s")
                    .setGroup("g").build());
            assertThat(info.getLag()).isZero();
            consumer.requests.onCompleted();
            channel.shutdownNow();
        }
    }

    @Test
    void shouldRoundTripMessagesWithKeysAndHeadersAndResumeAfterARestart() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
            admin.createStation(CreateStationRequest.newBuilder().setName("orders")
                    .setConfig(StationConfig.newBuilder().setPartitions(2)).build());

            List<ProduceResponse> receipts = produce(channel, List.of(
                    request(1, "orders", message("emp-1", "a"), message("emp-1", "b")),
                    request(2, "orders", message(null, "c")),
                    request(3, "nope", message(null, "x"))));
            assertThat(receipts).extracting(ProduceResponse::getRequestId).containsExactly(1L, 2L, 3L);
            assertThat(receipts.get(0).getReceiptsList()).hasSize(2);
            assertThat(receipts.get(0).getReceipts(1).getOffset())
                    .isEqualTo(receipts.get(0).getReceipts(0).getOffset() + 1);
            assertThat(receipts.get(2).getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_STATION);
            assertThat(admin.getStation(GetStationRequest.newBuilder().setName("orders").build()).getMessages())
                    .isEqualTo(3);

            ConsumeStream consumer = new ConsumeStream(channel);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setStation("orders").setGroup("billing").setInitialCredits(10)).build());
            assertThat(consumer.next().hasSubscribed()).isTrue();
            // Key ordering (the default): "b" shares its key with "a" and waits until "a" is acked.
            List<DeliveredMessage> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                got.add(consumer.next().getMessage());
            }
            assertThat(got).extracting(m -> m.getValue().toStringUtf8()).containsExactlyInAnyOrder("a", "c");
            assertThat(consumer.responses.poll(300, TimeUnit.MILLISECONDS)).isNull();
            DeliveredMessage a = got.stream().filter(m -> m.getValue().toStringUtf8().equals("a")).findFirst()
                    .orElseThrow();
            assertThat(a.getKey().toStringUtf8()).isEqualTo("emp-1");
            assertThat(a.getHeaders(0).getValue().toStringUtf8()).isEqualTo("t-a");
            assertThat(a.getDeliveries()).isEqualTo(1);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().addMessages(
                    MessageRef.newBuilder().setPartition(a.getPartition()).setOffset(a.getOffset())
                            .setDeliveryId(a.getDeliveryId()))).build());
            assertThat(consumer.next().getMessage().getValue().toStringUtf8()).isEqualTo("b");
            consumer.requests.onCompleted();
            awaitLag(admin, 2);
            channel.shutdownNow();
        }
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            ConsumeStream consumer = new ConsumeStream(channel);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setStation("orders").setGroup("billing").setInitialCredits(10)).build());
            assertThat(consumer.next().hasSubscribed()).isTrue();
            List<String> values = List.of(consumer.next().getMessage().getValue().toStringUtf8(),
                    consumer.next().getMessage().getValue().toStringUtf8());
            assertThat(values).containsExactlyInAnyOrder("b", "c"); // "a" was acked before the restart
            assertThat(consumer.responses.poll(300, TimeUnit.MILLISECONDS)).isNull();
            channel.shutdownNow();
        }
    }

    @Test
    void shouldConfirmASyncAckWithItsAckId() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
            admin.createStation(CreateStationRequest.newBuilder().setName("orders").build());
            produce(channel, List.of(request(1, "orders", message(null, "a"), message(null, "b"))));

            ConsumeStream consumer = new ConsumeStream(channel);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setStation("orders").setGroup("billing").setInitialCredits(10)).build());
            Subscribed subscribed = consumer.next().getSubscribed();
            assertThat(subscribed.getMemberId()).isEqualTo("billing-1");
            assertThat(subscribed.getAckTimeoutMs()).isEqualTo(30_000);
            DeliveredMessage a = consumer.next().getMessage();
            DeliveredMessage b = consumer.next().getMessage();
            consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().addMessages(
                    MessageRef.newBuilder().setPartition(a.getPartition()).setOffset(a.getOffset())
                            .setDeliveryId(a.getDeliveryId()))).build());
            consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().setSync(true).setAckId(42)
                    .addMessages(MessageRef.newBuilder().setPartition(b.getPartition()).setOffset(b.getOffset())
                            .setDeliveryId(b.getDeliveryId()))).build());
            ConsumeResponse confirmed = consumer.next();
            assertThat(confirmed.hasAckConfirmed()).as("%s", confirmed).isTrue();
            assertThat(confirmed.getAckConfirmed().getAckId()).isEqualTo(42);
            assertThat(confirmed.getAckConfirmed().getStaleList()).isEmpty();
            MessageRef settledAlready = MessageRef.newBuilder().setPartition(b.getPartition()).setOffset(b.getOffset())
                    .setDeliveryId(b.getDeliveryId()).build();
            consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().setSync(true).setAckId(43)
                    .addMessages(settledAlready)).build());
            ConsumeResponse refused = consumer.next();
            assertThat(refused.getAckConfirmed().getAckId()).isEqualTo(43);
            assertThat(refused.getAckConfirmed().getStaleList()).as("settled already: not confirmed")
                    .containsExactly(settledAlready);
            assertThat(consumer.responses.poll(300, TimeUnit.MILLISECONDS)).as("one confirmation, for sync only")
                    .isNull();
            awaitLag(admin, 0);
            consumer.requests.onCompleted();
            channel.shutdownNow();
        }
    }

    private static void awaitLag(AdminGrpc.AdminBlockingStub admin, long lag) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long current = -1;
        while (System.nanoTime() < deadline) {
            current = admin.getGroup(GetGroupRequest.newBuilder().setStation("orders").setGroup("billing").build())
                    .getLag();
            if (current == lag) {
                return;
            }
            Thread.sleep(20);
        }
        assertThat(current).as("group lag").isEqualTo(lag);
    }

    @Test
    void shouldCarryTheErrorCodeInTheStatusDetails() {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
            assertCode(() -> admin.getStation(GetStationRequest.newBuilder().setName("nope").build()),
                    ErrorCode.UNKNOWN_STATION);
            assertCode(() -> admin.createStation(CreateStationRequest.newBuilder().setName("Bad!").build()),
                    ErrorCode.INVALID_NAME);
            admin.createStation(CreateStationRequest.newBuilder().setName("ok").build());
            assertCode(() -> admin.createStation(CreateStationRequest.newBuilder().setName("ok").build()),
                    ErrorCode.STATION_EXISTS);
            assertCode(() -> admin.getGroup(GetGroupRequest.newBuilder().setStation("ok").setGroup("g").build()),
                    ErrorCode.UNKNOWN_GROUP);
            channel.shutdownNow();
        }
    }

    private static void assertCode(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(Errors.fromStatus(e)).hasValueSatisfying(
                        error -> assertThat(error.getCode()).isEqualTo(code)));
    }

    @Test
    void shouldEndOpenStreamsWithShuttingDownWhenTheServerStops() throws Exception {
        JunctionServer server = JunctionServer.start(config(dir));
        ManagedChannel channel = channel(server);
        AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setName("orders").build());
        BlockingQueue<Throwable> produceEnded = new LinkedBlockingQueue<>();
        StreamObserver<ProduceRequest> producer = ProduceGrpc.newStub(channel).produce(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                produceEnded.add(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        producer.onNext(request(1, "orders", message(null, "x")));
        ConsumeStream consumer = new ConsumeStream(channel);
        consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                .setStation("orders").setGroup("g").setInitialCredits(10)).build());
        assertThat(consumer.next().hasSubscribed()).isTrue();
        assertThat(consumer.next().hasMessage()).isTrue();

        server.close();

        assertThat(Errors.fromStatus(consumer.ended())).as("the consume stream ends with its status")
                .hasValueSatisfying(error -> {
                    assertThat(error.getCode()).isEqualTo(ErrorCode.SHUTTING_DOWN);
                    assertThat(error.getRetriable()).isTrue();
                });
        Throwable ended = produceEnded.poll(10, TimeUnit.SECONDS);
        assertThat(ended).isNotNull();
        assertThat(Errors.fromStatus(ended)).hasValueSatisfying(
                error -> assertThat(error.getCode()).isEqualTo(ErrorCode.SHUTTING_DOWN));
        channel.shutdownNow();
    }

    @Test
    void shouldCarryOrderingsOfStationsAndGroupsAndRefuseUnknownOnes() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(dir))) {
            ManagedChannel channel = channel(server);
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
            assertThat(admin.createStation(CreateStationRequest.newBuilder().setName("keyed").build()).getConfig()
                    .getOrdering()).isEqualTo("key");
            assertThat(admin.createStation(CreateStationRequest.newBuilder().setName("orders").setConfig(
                    StationConfig.newBuilder().setPartitions(3).setOrdering("none")).build()).getConfig()
                    .getOrdering()).isEqualTo("none");
            assertCode(() -> admin.createStation(CreateStationRequest.newBuilder().setName("bad")
                    .setConfig(StationConfig.newBuilder().setOrdering("KEY")).build()), ErrorCode.INVALID_CONFIG);

            // An update keeps what it leaves 0 / "": partitions, ordering, max deliveries.
            StationConfig updated = admin.updateStation(UpdateStationRequest.newBuilder().setName("orders")
                    .setConfig(StationConfig.newBuilder().setAckTimeoutMs(5000)).build()).getConfig();
            assertThat(updated.getPartitions()).isEqualTo(3);
            assertThat(updated.getOrdering()).isEqualTo("none");
            assertThat(updated.getAckTimeoutMs()).isEqualTo(5000);
            assertThat(updated.getMaxDeliveries()).isEqualTo(5);
            assertCode(() -> admin.updateStation(UpdateStationRequest.newBuilder().setName("orders")
                    .setConfig(StationConfig.newBuilder().setOrdering("fifo")).build()), ErrorCode.INVALID_CONFIG);

            // Groups: the station's default, or their own; an existing group keeps its ordering.
            assertThat(admin.createGroup(CreateGroupRequest.newBuilder().setStation("orders").setGroup("a").build())
                    .getOrdering()).isEqualTo("none");
            assertThat(admin.createGroup(CreateGroupRequest.newBuilder().setStation("orders").setGroup("b")
                    .setOrdering("key").build()).getOrdering()).isEqualTo("key");
            assertThat(admin.createGroup(CreateGroupRequest.newBuilder().setStation("orders").setGroup("b")
                    .setOrdering("partition").build()).getOrdering()).isEqualTo("key");
            assertCode(() -> admin.createGroup(CreateGroupRequest.newBuilder().setStation("orders").setGroup("c")
                    .setOrdering("fifo").build()), ErrorCode.INVALID_CONFIG);
            assertThat(admin.updateStation(UpdateStationRequest.newBuilder().setName("orders")
                    .setConfig(StationConfig.newBuilder().setOrdering("partition")).build()).getConfig()
                    .getOrdering()).isEqualTo("partition");
            assertThat(admin.getGroup(GetGroupRequest.newBuilder().setStation("orders").setGroup("a").build())
                    .getOrdering()).as("a group keeps the ordering it was created with").isEqualTo("none");

            ConsumeStream consumer = new ConsumeStream(channel);
            consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setStation("orders").setGroup("d").setOrdering("none").setInitialCredits(1)).build());
            assertThat(consumer.next().hasSubscribed()).isTrue();
            // Subscribed goes out before the member joins (and creates the group): wait for the group.
            GroupInfo d = null;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); d == null && System.nanoTime() < end;) {
                d = admin.listGroups(ListGroupsRequest.newBuilder().setStation("orders").build()).getGroupsList()
                        .stream().filter(g -> g.getName().equals("d")).findFirst().orElse(null);
                Thread.sleep(d == null ? 20 : 0);
            }
            assertThat(d).as("group d").isNotNull();
            assertThat(d.getOrdering()).isEqualTo("none");
            consumer.requests.onCompleted();

            ConsumeStream refused = new ConsumeStream(channel);
            refused.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setStation("orders").setGroup("e").setOrdering("fifo").setInitialCredits(1)).build());
            assertThat(Errors.fromStatus(refused.ended())).map(io.junction.api.v1.Error::getCode)
                    .hasValue(ErrorCode.INVALID_CONFIG);
            assertThat(refused.responses).as("nothing in-band").isEmpty();
            assertCode(() -> admin.getGroup(GetGroupRequest.newBuilder().setStation("orders").setGroup("e").build()),
                    ErrorCode.UNKNOWN_GROUP);
            channel.shutdownNow();
        }
    }

    @Test
    void shouldNameEveryBrokerErrorCodeOnTheWire() {
        for (io.junction.errors.ErrorCode code : io.junction.errors.ErrorCode.values()) {
            if (code.clientSide()) {
                continue; // made by the client, never by a broker
            }
            io.junction.api.v1.Error sent = Convert.error(new io.junction.broker.BrokerException(code, "m"));
            assertThat(sent.getCode().name()).isEqualTo(code.name());
            assertThat(sent.getCode().getNumber()).isEqualTo(code.number());
            assertThat(sent.getRetriable()).as(code.name()).isEqualTo(code.retriable());
        }
    }
}
