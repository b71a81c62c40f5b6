package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.Credit;
import io.junction.api.v1.Error;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.Header;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.Nack;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.api.v1.StartPosition;
import io.junction.api.v1.StationConfig;
import io.junction.api.v1.Subscribe;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13's hostile inputs, sent on the wire with grpc-java stubs generated from the shipped protos (not the
 * Junction client, which validates before sending): each gets a specific Junction code — in the standard
 * {@code grpc-status-details-bin} ErrorInfo of the call's status, or in-band on a produce stream that goes on —
 * and changes nothing. docs/faults.md lists the cases.
 */
class HostileClientTest {

    @TempDir
    Path dir;

    private JunctionServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0)
                .build());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .maxInboundMessageSize(100 << 20).build();
        admin().createStation(CreateStationRequest.newBuilder().setName("s")
                .setConfig(StationConfig.newBuilder().setPartitions(1)).build());
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    private AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private long stored() {
        return admin().getStation(GetStationRequest.newBuilder().setName("s").build()).getPartitions(0)
                .getLatestOffset();
    }

    // ----- produce: refused in-band, the stream goes on ------------------------------------------------------------

    /** Sends {@code request} on a fresh produce stream and returns its one response. */
    private ProduceResponse produce(ProduceRequest request) throws Exception {
        CompletableFuture<ProduceResponse> response = new CompletableFuture<>();
        StreamObserver<ProduceRequest> requests = ProduceGrpc.newStub(channel).produce(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse value) {
                response.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                response.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                response.completeExceptionally(new IllegalStateException("completed without a response"));
            }
        });
        requests.onNext(request);
        try {
            return response.get(30, TimeUnit.SECONDS);
        } finally {
            requests.onCompleted();
        }
    }

    private static ProduceRequest.Builder request(ProduceMessage.Builder message) {
        return ProduceRequest.newBuilder().setStation("s").setRequestId(7).addMessages(message);
    }

    private static ProduceMessage.Builder message() {
        return ProduceMessage.newBuilder().setValue(ByteString.copyFromUtf8("v"));
    }

    private void assertRefused(ProduceRequest request, ErrorCode code, String mentioning) throws Exception {
        long before = stored();
        ProduceResponse response = produce(request);
        assertThat(response.getError().getCode()).as(response.getError().getMessage()).isEqualTo(code);
        assertThat(response.getError().getMessage()).contains(mentioning);
        assertThat(stored()).as("nothing stored").isEqualTo(before);
    }

    @Test
    void aTimestampFarInTheFutureOrNegativeIsRefused() throws Exception {
        assertRefused(request(message().setTimestampMs(Long.MAX_VALUE)).build(), ErrorCode.INVALID_ARGUMENT,
                "timestamp_ms");
        assertRefused(request(message().setTimestampMs(-1)).build(), ErrorCode.INVALID_ARGUMENT, "timestamp_ms");
        assertRefused(request(message().setTimestampMs(System.currentTimeMillis() + 2 * 3_600_000L)).build(),
                ErrorCode.INVALID_ARGUMENT, "timestamp_ms");
        assertThat(produce(request(message().setTimestampMs(System.currentTimeMillis() - 86_400_000L)).build())
                .getReceiptsCount()).as("a day in the past is fine").isEqualTo(1);
    }

    @Test
    void tooManyHeadersAndTheReservedPrefixInAnyCaseAreRefused() throws Exception {
        ProduceMessage.Builder many = message();
        for (int i = 0; i < 100_000; i++) {
            many.addHeaders(Header.newBuilder().setKey("h" + i));
        }
        assertRefused(request(many).build(), ErrorCode.INVALID_HEADER, "headers");
        assertRefused(request(message().addHeaders(Header.newBuilder().setKey("JUNCTION-MSG-ID")
                .setValue(ByteString.copyFromUtf8("forged")))).build(), ErrorCode.INVALID_HEADER, "reserved");
    }

    @Test
    void aNegativeProducerSequenceIsRefused() throws Exception {
        assertRefused(request(message()).setProducerId(42).setSequence(-5).build(), ErrorCode.INVALID_ARGUMENT,
                "sequence");
    }

    @Test
    void aRequestLargerThanTheLimitEndsTheStreamWithMessageTooLarge() {
        ProduceRequest huge = request(ProduceMessage.newBuilder().setValue(ByteString.copyFrom(new byte[90 << 20])))
                .build();
        assertThatThrownBy(() -> produce(huge)).cause().satisfies(e -> assertCode(e,
                Status.Code.RESOURCE_EXHAUSTED, ErrorCode.MESSAGE_TOO_LARGE));
        assertThat(stored()).isZero();
    }

    @Test
    void aProducerThatPipelinesThousandsOfRequestsGetsEveryAnswerInOrder() throws Exception {
        // The server reads at most 1024 requests ahead of its answers (flow control); past that the client waits.
        int n = 3000;
        BlockingQueue<ProduceResponse> responses = new LinkedBlockingQueue<>();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        StreamObserver<ProduceRequest> requests = ProduceGrpc.newStub(channel).produce(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(t);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        });
        for (int i = 0; i < n; i++) {
            requests.onNext(request(message()).setRequestId(i).build());
        }
        requests.onCompleted();
        for (int i = 0; i < n; i++) {
            ProduceResponse r = responses.poll(60, TimeUnit.SECONDS);
            assertThat(r).as("answer %d", i).isNotNull();
            assertThat(r.getRequestId()).isEqualTo(i);
            assertThat(r.getReceiptsCount()).isEqualTo(1);
        }
        assertThat(ended.get(30, TimeUnit.SECONDS)).as("ends OK").isNull();
        assertThat(stored()).isEqualTo(n);
    }

    // ----- consume: the stream ends with a status and an ErrorInfo -----------------------------------------------

    /** A consume stream that collects what it receives and how it ends. */
    private static final class Stream implements StreamObserver<ConsumeResponse> {
        final BlockingQueue<ConsumeResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        final StreamObserver<ConsumeRequest> requests;

        Stream(ManagedChannel channel, Subscribe.Builder subscribe) {
            requests = ConsumeGrpc.newStub(channel).consume(this);
            requests.onNext(ConsumeRequest.newBuilder().setSubscribe(subscribe).build());
        }

        @Override
        public void onNext(ConsumeResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(t);
        }

        @Override
        public void onCompleted() {
            ended.complete(null);
        }

        Throwable failure() throws Exception {
            Throwable t = ended.get(30, TimeUnit.SECONDS);
            assertThat(t).as("the stream ends with an error status, not OK").isNotNull();
            return t;
        }

        ConsumeResponse next() throws InterruptedException {
            ConsumeResponse r = responses.poll(30, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            return r;
        }
    }

    private static Subscribe.Builder subscribe(String group) {
        return Subscribe.newBuilder().setStation("s").setGroup(group).setInitialCredits(10).setBatches(true);
    }

    private static void assertCode(Throwable failure, Status.Code status, ErrorCode code) {
        assertThat(failure).isInstanceOf(StatusRuntimeException.class);
        assertThat(Status.fromThrowable(failure).getCode()).isEqualTo(status);
        assertThat(Errors.fromStatus(failure)).map(Error::getCode).hasValue(code);
    }

    @Test
    void anUnknownStationEndsTheStreamWithNotFoundAndItsCode() throws Exception {
        Stream stream = new Stream(channel, subscribe("g").setStation("missing"));
        assertCode(stream.failure(), Status.Code.NOT_FOUND, ErrorCode.UNKNOWN_STATION);
        assertThat(stream.responses).as("nothing in-band, not even Subscribed").isEmpty();
    }

    @Test
    void subscribedAnnouncesTheMemberIdAndTheBrokersLimits() throws Exception {
        Stream stream = new Stream(channel, subscribe("g"));
        ConsumeResponse subscribed = stream.next();
        assertThat(subscribed.getSubscribed().getMemberId()).isNotEmpty();
        assertThat(subscribed.getSubscribed().getMaxPrefetch()).isEqualTo(1000);
        assertThat(subscribed.getSubscribed().getMaxPrefetchBytes()).isEqualTo(32L << 20);
        stream.requests.onCompleted();
    }

    @Test
    void badStartPositionsAreRefusedForWhatTheyAre() throws Exception {
        produce(request(message()).build());
        assertCode(new Stream(channel, subscribe("a").setStart(StartPosition.newBuilder().setOffset(-1))).failure(),
                Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT);
        assertCode(new Stream(channel, subscribe("b").setStart(StartPosition.newBuilder().setLastN(-3))).failure(),
                Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT);
        assertCode(new Stream(channel, subscribe("c").setStart(StartPosition.newBuilder()
                .setOffset(Long.MAX_VALUE))).failure(), Status.Code.OUT_OF_RANGE, ErrorCode.OFFSET_OUT_OF_RANGE);
        assertCode(new Stream(channel, subscribe("d").setStart(StartPosition.newBuilder()
                .setTimestampMs(-7))).failure(), Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void aHugeMemberNameIsRefused() throws Exception {
        assertCode(new Stream(channel, subscribe("g").setMemberName("x".repeat(1 << 20))).failure(),
                Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_NAME);
    }

    @Test
    void aNegativeCreditIsRefused() throws Exception {
        Stream stream = new Stream(channel, subscribe("g"));
        stream.next(); // Subscribed
        stream.requests.onNext(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(-5)).build());
        assertCode(stream.failure(), Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void nackDelaysOutOfRangeAreRefusedAndTheMessageIsNotLost() throws Exception {
        produce(request(message()).build());
        for (long delay : new long[] {Long.MAX_VALUE, 9_200_000_000_000L, -5}) {
            Stream stream = new Stream(channel, subscribe("g"));
            stream.next(); // Subscribed
            ConsumeResponse delivered = stream.next();
            MessageRef ref = MessageRef.newBuilder().setPartition(0).setOffset(0)
                    .setDeliveryId(delivered.getBatch().getMessages(0).getDeliveryId()).build();
            stream.requests.onNext(ConsumeRequest.newBuilder().setNack(Nack.newBuilder().addMessages(ref)
                    .setDelayMs(delay)).build());
            Throwable failure = stream.failure();
            assertCode(failure, Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT);
            assertThat(Status.fromThrowable(failure).getDescription()).contains("nack.delay_ms");
        }
        Stream last = new Stream(channel, subscribe("g"));
        last.next();
        assertThat(last.next().getBatch().getMessages(0).getOffset()).as("delivered again, not lost").isZero();
        last.requests.onCompleted();
    }

    @Test
    void messagesWithLargeHeadersComeOneResponseEachToADefaultClient() throws Exception {
        // 10 messages with an empty value and a 1000 KiB header: batches sized by values alone put all of them in
        // one 10 MiB response, which a default gRPC client (4 MiB) refuses; every refusal counted a delivery.
        for (int i = 0; i < 10; i++) {
            produce(request(ProduceMessage.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .addHeaders(Header.newBuilder().setKey("big").setValue(ByteString.copyFrom(new byte[1000 << 10])))
            ).build());
        }
        ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .build(); // the default 4 MiB inbound limit
        try {
            Stream stream = new Stream(plain, subscribe("g").setInitialCredits(10));
            stream.next(); // Subscribed
            int received = 0;
            while (received < 10) {
                ConsumeResponse r = stream.next();
                assertThat(r.getSerializedSize()).as("one response").isLessThan(2 << 20);
                for (io.junction.api.v1.DeliveredMessage m : r.getBatch().getMessagesList()) {
                    assertThat(m.getDeliveries()).as("first delivery, nothing counted by failed sends").isEqualTo(1);
                    received++;
                }
            }
            assertThat(stream.ended).as("the stream is still open").isNotDone();
            stream.requests.onCompleted();
        } finally {
            plain.shutdownNow();
        }
    }

    @Test
    void deadLetterPagesStayUnderADefaultClientsLimitAndPagingReadsThemAll() throws Exception {
        // Ten dead letters of about 900 KiB: all ten in one response would be 9 MiB, past the 4 MiB a default
        // gRPC client accepts.
        for (int i = 0; i < 10; i++) {
            produce(request(ProduceMessage.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .setValue(ByteString.copyFrom(new byte[900 << 10]))).build());
        }
        Stream stream = new Stream(channel, subscribe("g").setInitialCredits(100));
        stream.next(); // Subscribed
        int settled = 0;
        while (settled < 10) {
            ConsumeResponse r = stream.next();
            io.junction.api.v1.DeadLetterMessages.Builder dead = io.junction.api.v1.DeadLetterMessages.newBuilder()
                    .setReason("poison");
            for (io.junction.api.v1.DeliveredMessage m : r.getBatch().getMessagesList()) {
                dead.addMessages(MessageRef.newBuilder().setPartition(m.getPartition()).setOffset(m.getOffset())
                        .setDeliveryId(m.getDeliveryId()));
            }
            settled += dead.getMessagesCount();
            stream.requests.onNext(ConsumeRequest.newBuilder().setDeadLetter(dead).build());
        }
        ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .build(); // the default 4 MiB inbound limit
        try {
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(plain).withDeadlineAfter(30,
                    TimeUnit.SECONDS);
            java.util.Set<Long> seen = new java.util.TreeSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen.size() < 10 && System.nanoTime() < deadline) { // dead letters are stored asynchronously
                seen.clear();
                io.junction.api.v1.ListDeadLettersRequest.Builder page = io.junction.api.v1.ListDeadLettersRequest
                        .newBuilder().setStation("s").setLimit(100);
                int pages = 0;
                while (true) {
                    java.util.List<io.junction.api.v1.DeadLetter> letters = admin.listDeadLetters(page.build())
                            .getDeadLettersList();
                    if (letters.isEmpty()) {
                        break;
                    }
                    pages++;
                    assertThat(letters.size()).as("a page under 4 MiB").isLessThanOrEqualTo(4);
                    letters.forEach(d -> seen.add(d.getId()));
                    page.setAfterId(letters.get(letters.size() - 1).getId());
                }
                assertThat(pages).isLessThanOrEqualTo(10);
            }
            assertThat(seen).hasSize(10);
        } finally {
            plain.shutdownNow();
            stream.requests.onCompleted();
        }
    }

    @Test
    void listingsArePagedByNameUnderALimitAndABound() {
        for (String name : new String[] {"s1", "s2", "s3", "s4"}) {
            admin().createStation(CreateStationRequest.newBuilder().setName(name).build());
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        io.junction.api.v1.ListStationsRequest.Builder request = io.junction.api.v1.ListStationsRequest.newBuilder()
                .setLimit(2);
        int pages = 0;
        while (true) {
            io.junction.api.v1.ListStationsResponse page = admin().listStations(request.build());
            pages++;
            assertThat(page.getStationsCount()).isLessThanOrEqualTo(2);
            page.getStationsList().forEach(st -> names.add(st.getName()));
            if (page.getNextAfter().isEmpty()) {
                break;
            }
            request.setAfter(page.getNextAfter());
        }
        assertThat(names).containsExactly("s", "s1", "s2", "s3", "s4");
        assertThat(pages).isEqualTo(3);
        assertThatThrownBy(() -> admin().listStations(io.junction.api.v1.ListStationsRequest.newBuilder()
                .setLimit(-1).build())).satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT,
                        ErrorCode.INVALID_ARGUMENT));

        // The byte bound, with items of 100 bytes and a bound of 250: two a page (one always goes).
        java.util.List<io.junction.api.v1.StationInfo> items = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            items.add(io.junction.api.v1.StationInfo.newBuilder().setName("n" + i + "x".repeat(95)).build());
        }
        AdminService.Page<io.junction.api.v1.StationInfo> first = AdminService.page(items,
                io.junction.api.v1.StationInfo::getName, "", 0, 250);
        assertThat(first.items()).hasSize(2);
        AdminService.Page<io.junction.api.v1.StationInfo> last = AdminService.page(items,
                io.junction.api.v1.StationInfo::getName, items.get(3).getName(), 0, 50);
        assertThat(last.items()).as("one always goes").hasSize(1);
        assertThat(last.nextAfter()).isEmpty();
    }

    // ----- admin: a fitting status and the code ----------------------------------------------------------------

    @Test
    void adminErrorsCarryAFittingStatusAndTheirCode() {
        assertThatThrownBy(() -> admin().createStation(CreateStationRequest.newBuilder().setName("t")
                .setConfig(StationConfig.newBuilder().setRetentionAgeMs(-2)).build()))
                .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_CONFIG));
        assertThatThrownBy(() -> admin().getSchema(io.junction.api.v1.GetSchemaRequest.newBuilder()
                .setName("missing").build()))
                .satisfies(e -> assertCode(e, Status.Code.NOT_FOUND, ErrorCode.UNKNOWN_SCHEMA));
        assertThatThrownBy(() -> admin().createStation(CreateStationRequest.newBuilder().setName("s").build()))
                .satisfies(e -> assertCode(e, Status.Code.ALREADY_EXISTS, ErrorCode.STATION_EXISTS));
        assertThatThrownBy(() -> admin().createSchema(io.junction.api.v1.CreateSchemaRequest.newBuilder()
                .setName("huge").setType("json").setDefinition("{\"description\": \"" + "x".repeat(300_000) + "\"}")
                .build())).satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT));
        assertThat(admin().listSchemas(io.junction.api.v1.ListSchemasRequest.getDefaultInstance()).getSchemasList())
                .as("nothing stored").isEmpty();
    }
}
