package io.junction.client;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AckConfirmed;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.Error;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.PartitionInfo;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.api.v1.Receipt;
import io.junction.api.v1.StationInfo;

/**
 * A test double of the broker's network side, over grpc-java's in-process transport: it records what the client
 * sends and answers as a test tells it. Not the broker: the end-to-end tests run against the real one.
 */
final class FakeBroker implements AutoCloseable {

    final String name = InProcessServerBuilder.generateName();
    private final Server server;
    /** The in-process channel; null over TCP (the client opens its own connections). */
    private final ManagedChannel channel;
    /** Over TCP: per service, the client addresses (one per connection) its calls came from. */
    final Map<String, java.util.Set<java.net.SocketAddress>> callers = new ConcurrentHashMap<>();

    // Admin
    final Map<String, StationInfo> stations = new ConcurrentHashMap<>();
    /** The next this many GetStation calls fail with UNAVAILABLE (a broker restarting). */
    final AtomicInteger breakGetStation = new AtomicInteger();
    final AtomicInteger getStationCalls = new AtomicInteger();

    /** BrowseMessages and ResetGroup requests, as received. */
    final BlockingQueue<io.junction.api.v1.BrowseMessagesRequest> browsed = new LinkedBlockingQueue<>();
    final BlockingQueue<io.junction.api.v1.ResetGroupRequest> reset = new LinkedBlockingQueue<>();

    // Produce
    final BlockingQueue<ProduceRequest> produced = new LinkedBlockingQueue<>();
    final AtomicInteger produceStreams = new AtomicInteger();
    /** Produce streams numbered below this fail with UNAVAILABLE at their first request. */
    volatile int breakProduceStreamsBelow;
    /** When false, produce requests are only recorded; the test answers them with {@link #answer}. */
    volatile boolean answerProduce = true;
    volatile StreamObserver<ProduceResponse> produceResponses;
    private final AtomicLong nextOffset = new AtomicLong();

    // Consume
    final BlockingQueue<ConsumeRequest> consumeRequests = new LinkedBlockingQueue<>();
    final AtomicInteger consumeStreams = new AtomicInteger();
    volatile StreamObserver<ConsumeResponse> consumeResponses;
    /** When true, each sync ack is confirmed at once; when false, the test confirms with {@link #confirm}. */
    volatile boolean confirmSyncAcks = true;

    FakeBroker() throws IOException {
        this(false, 0);
    }

    /** Over loopback TCP instead (real connections), recording which connection each call came over. */
    static FakeBroker overTcp() throws IOException {
        return new FakeBroker(true, 0);
    }

    /** Over loopback TCP on {@code port} (a broker that comes back where it was). */
    static FakeBroker overTcp(int port) throws IOException {
        return new FakeBroker(true, port);
    }

    private FakeBroker(boolean tcp, int port) throws IOException {
        if (tcp) {
            final ServerInterceptor record = new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                        ServerCallHandler<Q, R> next) {
                    callers.computeIfAbsent(call.getMethodDescriptor().getServiceName(),
                            k -> ConcurrentHashMap.newKeySet()).add(call.getAttributes().get(
                                    Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                    return next.startCall(call, headers);
                }
            };
            server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                    .addService(ServerInterceptors.intercept(new Admin(), record))
                    .addService(ServerInterceptors.intercept(new Produce(), record))
                    .addService(ServerInterceptors.intercept(new Consume(), record))
                    .build()
                    .start();
            channel = null;
        } else {
            server = InProcessServerBuilder.forName(name)
                    .addService(new Admin())
                    .addService(new Produce())
                    .addService(new Consume())
                    .build()
                    .start();
            channel = InProcessChannelBuilder.forName(name).build();
        }
    }

    int port() {
        return server.getPort();
    }

    JunctionClient client() {
        if (channel == null) {
            return JunctionClient.builder().server("127.0.0.1:" + server.getPort()).build();
        }
        return JunctionClient.builder().server("in-process:" + name).channel(channel).build();
    }

    /** Answers {@code request} with one receipt per message, on partition 0 at the next offsets. */
    synchronized void answer(ProduceRequest request) {
        final ProduceResponse.Builder response = ProduceResponse.newBuilder().setRequestId(request.getRequestId());
        for (int i = 0; i < request.getMessagesCount(); i++) {
            response.addReceipts(Receipt.newBuilder().setPartition(0).setOffset(nextOffset.getAndIncrement()));
        }
        produceResponses.onNext(response.build());
    }

    /** Confirms the sync ack with this id on the latest consume stream. */
    synchronized void confirm(long ackId) {
        consumeResponses.onNext(ConsumeResponse.newBuilder().setAckConfirmed(AckConfirmed.newBuilder()
                .setAckId(ackId)).build());
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Admin extends AdminGrpc.AdminImplBase {
        @Override
        public void browseMessages(io.junction.api.v1.BrowseMessagesRequest request,
                StreamObserver<io.junction.api.v1.BrowseMessagesResponse> response) {
            browsed.add(request);
            response.onNext(io.junction.api.v1.BrowseMessagesResponse.newBuilder().addMessages(
                    io.junction.api.v1.BrowsedMessage.newBuilder().setPartition(request.getPartition()).setOffset(5)
                            .setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
                            .setValue(com.google.protobuf.ByteString.copyFromUtf8("v"))
                            .addHeaders(io.junction.api.v1.Header.newBuilder().setKey("h")
                                    .setValue(com.google.protobuf.ByteString.copyFromUtf8("x")))
                            .setTimestampMs(1_000).setSchema("emp").setSchemaVersion(2))
                    .addMessages(io.junction.api.v1.BrowsedMessage.newBuilder().setOffset(6).setTombstone(true))
                    .setNextOffset(7).setEndReached(false).setFirstOffset(1).setEndOffset(9).setSchema("emp")
                    .setSchemaVersion(3).build());
            response.onCompleted();
        }

        @Override
        public void resetGroup(io.junction.api.v1.ResetGroupRequest request,
                StreamObserver<io.junction.api.v1.GroupInfo> response) {
            reset.add(request);
            response.onNext(io.junction.api.v1.GroupInfo.newBuilder().setStation(request.getStation())
                    .setName(request.getGroup()).setLag(4).setOrdering("key").setOnDeadLetter("skip").build());
            response.onCompleted();
        }

        @Override
        public void createStation(CreateStationRequest request, StreamObserver<StationInfo> response) {
            if (stations.containsKey(request.getName())) {
                response.onError(Errors.toStatus(ErrorCode.STATION_EXISTS,
                        "station '" + request.getName() + "' already exists"));
                return;
            }
            // As the broker does for a caller of the default tenant: "" names the caller's own.
            final String tenant = request.getTenant().isEmpty() ? "default" : request.getTenant();
            final StationInfo info = StationInfo.newBuilder().setTenant(tenant)
                    .setName(request.getName()).setConfig(request.getConfig())
                    .addPartitions(PartitionInfo.newBuilder().setPartition(0).setLatestOffset(3).setBytes(42))
                    .setMessages(3).setBytes(42).setCreatedAtMs(1_000).build();
            stations.put(request.getName(), info);
            response.onNext(info);
            response.onCompleted();
        }

        @Override
        public void getStation(GetStationRequest request, StreamObserver<StationInfo> response) {
            getStationCalls.incrementAndGet();
            if (breakGetStation.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                response.onError(io.grpc.Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
                return;
            }
            final StationInfo info = stations.get(request.getName());
            if (info == null) {
                response.onError(Errors.toStatus(ErrorCode.UNKNOWN_STATION,
                        "station '" + request.getName() + "' does not exist"));
                return;
            }
            response.onNext(info);
            response.onCompleted();
        }
    }

    private final class Produce extends ProduceGrpc.ProduceImplBase {
        @Override
        public StreamObserver<ProduceRequest> produce(StreamObserver<ProduceResponse> responses) {
            final int number = produceStreams.getAndIncrement();
            produceResponses = responses;
            return new StreamObserver<>() {
                @Override
                public void onNext(ProduceRequest request) {
                    if (number < breakProduceStreamsBelow) {
                        responses.onError(Status.UNAVAILABLE.withDescription("broker restarting").asException());
                        return;
                    }
                    produced.add(request);
                    if (request.getStation().equals("nope")) {
                        synchronized (FakeBroker.this) {
                            responses.onNext(ProduceResponse.newBuilder().setRequestId(request.getRequestId())
                                    .setError(Errors.error(ErrorCode.UNKNOWN_STATION, "station 'nope' does not exist"))
                                    .build());
                        }
                    } else if (answerProduce) {
                        answer(request);
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }

    private final class Consume extends ConsumeGrpc.ConsumeImplBase {
        @Override
        public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> responses) {
            consumeStreams.incrementAndGet();
            consumeResponses = responses;
            return new StreamObserver<>() {
                @Override
                public void onNext(ConsumeRequest request) {
                    consumeRequests.add(request);
                    if (request.hasAck() && request.getAck().getSync() && confirmSyncAcks) {
                        synchronized (FakeBroker.this) {
                            responses.onNext(ConsumeResponse.newBuilder().setAckConfirmed(AckConfirmed.newBuilder()
                                    .setAckId(request.getAck().getAckId())).build());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }

    static Error error(ErrorCode code, String message) {
        return Errors.error(code, message);
    }
}
