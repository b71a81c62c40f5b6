package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.Errors;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.StationConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzzer on the wire (issue #13): for a bounded time it calls every RPC of the three services with random
 * bytes and with random or mutated requests built from the protos' descriptors (extreme numbers, empty and huge
 * strings, control characters, unknown enum values, many repeated elements), unary calls and streams alike. Every
 * call must end within a deadline, with OK or with a status that carries a Junction code (an ErrorInfo); the broker
 * must keep answering; and after a restart on the same data every station must read back whole.
 *
 * <p>Prints its seed; replay with {@code -Dfuzz.seed=N}; run longer with {@code -Dfuzz.seconds=N} (default 20).
 */
class WireFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    private static final long SECONDS = Long.getLong("fuzz.seconds", 20);
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    @TempDir
    Path dir;

    @Test
    void everyRpcAnswersRandomAndMutatedRequestsWithACodeAndTheBrokerStaysWhole() throws Exception {
        System.out.println("WireFuzzTest: seed=" + SEED + " seconds=" + SECONDS + " (replay with -Dfuzz.seed=" + SEED
                + ")");
        Random random = new Random(SEED);
        List<String> violations = new ArrayList<>();
        int calls = 0;
        int refused = 0;
        ServerConfig config = ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0).build();
        try (JunctionServer server = JunctionServer.start(config)) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .maxInboundMessageSize(100 << 20).build();
            try {
                AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setName("fz")
                        .setConfig(StationConfig.newBuilder().setPartitions(2)).build());
                List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
                for (ServiceDescriptor service : List.of(AdminGrpc.getServiceDescriptor(),
                        ProduceGrpc.getServiceDescriptor(), ConsumeGrpc.getServiceDescriptor())) {
                    methods.addAll(service.getMethods());
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
                while (System.nanoTime() < end) {
                    MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
                    Descriptor input = ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor())
                            .getMethodDescriptor().getInputType();
                    int count = method.getType() == MethodDescriptor.MethodType.UNARY ? 1 : 1 + random.nextInt(4);
                    List<byte[]> requests = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        requests.add(request(random, input));
                    }
                    Status status = call(channel, method, requests);
                    calls++;
                    if (!status.isOk()) {
                        refused++;
                        StatusRuntimeException e = status.asRuntimeException();
                        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                            violations.add(method.getFullMethodName() + ": no answer within the deadline");
                        } else if (Errors.fromStatus(lastFailure).isEmpty()) {
                            violations.add(method.getFullMethodName() + ": " + status + " carries no Junction code");
                        }
                    }
                    if (calls % 50 == 0) { // the broker keeps answering
                        AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .listStations(ListStationsRequest.getDefaultInstance());
                    }
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        System.out.println("WireFuzzTest: " + calls + " calls, " + refused + " refused with a status, "
                + violations.size() + " violations");
        assertThat(violations).as("seed %d", SEED).isEmpty();
        assertThat(calls).isPositive();

        // Restarted on the same data, every station reads back whole: nothing partial was stored.
        try (JunctionServer server = JunctionServer.start(config)) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .maxInboundMessageSize(100 << 20).build();
            try {
                for (io.junction.api.v1.StationInfo s : AdminGrpc.newBlockingStub(channel)
                        .listStations(ListStationsRequest.getDefaultInstance()).getStationsList()) {
                    for (io.junction.api.v1.PartitionInfo p : s.getPartitionsList()) {
                        assertThat(p.getLatestOffset()).as("seed %d: %s/%d", SEED, s.getName(), p.getPartition())
                                .isGreaterThanOrEqualTo(p.getEarliestOffset());
                    }
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private Throwable lastFailure;

    /** Sends the requests (one for a unary call), half-closes, and returns how the call ended. */
    private Status call(ManagedChannel channel, MethodDescriptor<?, ?> method, List<byte[]> requests)
            throws InterruptedException {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.getType()).setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS);
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<byte[]> responses = new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
            }

            @Override
            public void onError(Throwable t) {
                lastFailure = t;
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        };
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            ClientCalls.asyncUnaryCall(channel.newCall(raw, options), requests.get(0), responses);
        } else {
            StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(channel.newCall(raw, options), responses);
            for (byte[] r : requests) {
                out.onNext(r);
            }
            out.onCompleted();
        }
        try {
            return ended.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return Status.DEADLINE_EXCEEDED;
        }
    }

    /** Random bytes now and then; else a random message of the request type, fields chosen at random. */
    private static byte[] request(Random random, Descriptor type) {
        if (random.nextInt(8) == 0) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            return garbage;
        }
        while (true) {
            DynamicMessage m = message(random, type, 0);
            int size = m.getSerializedSize(); // negative when it overflowed
            if (size >= 0 && size <= 8 << 20) {
                return m.toByteArray();
            }
        }
    }

    private static DynamicMessage message(Random random, Descriptor type, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        for (FieldDescriptor f : type.getFields()) {
            if (random.nextInt(3) == 0 || depth > 3) {
                continue;
            }
            if (f.isRepeated()) {
                int most = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? 50 : 2000;
                int n = random.nextInt(10) == 0 ? random.nextInt(most) : random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.addRepeatedField(f, value(random, f, depth));
                }
            } else {
                b.setField(f, value(random, f, depth));
            }
        }
        return b.build();
    }

    private static Object value(Random random, FieldDescriptor f, int depth) {
        switch (f.getJavaType()) {
            case INT:
                return new int[] {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, random.nextInt(),
                        random.nextInt(10)}[random.nextInt(7)];
            case LONG:
                return new long[] {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, random.nextLong(), random.nextInt(10),
                        System.currentTimeMillis()}[random.nextInt(8)];
            case BOOLEAN:
                return random.nextBoolean();
            case FLOAT:
                return random.nextFloat();
            case DOUBLE:
                return random.nextDouble();
            case STRING:
                return string(random);
            case BYTE_STRING:
                byte[] bytes = new byte[random.nextInt(20) == 0 && depth == 0 ? random.nextInt(1 << 20)
                        : random.nextInt(32)];
                random.nextBytes(bytes);
                return ByteString.copyFrom(bytes);
            case ENUM:
                List<EnumValueDescriptor> values = f.getEnumType().getValues();
                return random.nextInt(5) == 0 ? f.getEnumType().findValueByNumberCreatingIfUnknown(
                        random.nextInt(1000)) : values.get(random.nextInt(values.size()));
            case MESSAGE:
                return message(random, f.getMessageType(), depth + 1);
            default:
                throw new IllegalStateException("no values for " + f);
        }
    }

    private static String string(Random random) {
        switch (random.nextInt(8)) {
            case 0:
                return "";
            case 1:
                return "x".repeat(random.nextInt(1 << 16));
            case 2:
                return "a\u0000b\nc\u007f";
            case 3:
                return "JUNCTION-" + random.nextInt(100);
            case 4:
                return "\uD83D\uDE00 é ✓";
            case 5:
                return "fz";
            case 6:
                return "g" + random.nextInt(5);
            default:
                StringBuilder sb = new StringBuilder();
                for (int i = random.nextInt(20); i > 0; i--) {
                    sb.append((char) random.nextInt(0x3000));
                }
                return sb.toString();
        }
    }
}
