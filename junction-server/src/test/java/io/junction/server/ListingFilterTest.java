package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.BrowseMessagesRequest;
import io.junction.api.v1.BrowsedMessage;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.CreateTokenRequest;
import io.junction.api.v1.DeadLetter;
import io.junction.api.v1.DeadLetterMessages;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.ListDeadLettersRequest;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.StartPosition;
import io.junction.api.v1.StationInfo;
import io.junction.api.v1.Subscribe;

/**
 * What listings show to whom: stations outside a caller's patterns are not listed; a viewer sees dead letters and
 * browsed messages without their key, value and headers unless granted read_values, and may not search them; a
 * consumer sees them whole.
 */
class ListingFilterTest {

    private static final String VALUE = "salary of emp-1: 5000";

    @TempDir
    Path dir;

    private static Channel as(ManagedChannel channel, String token) {
        Metadata headers = new Metadata();
        headers.put(Guard.AUTHORIZATION, "Bearer " + token);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String token(ManagedChannel channel, String name, String role, boolean readValues,
            String... stations) {
        return AccessGrpc.newBlockingStub(channel).createToken(CreateTokenRequest.newBuilder().setName(name)
                .setRole(role).setReadValues(readValues).addAllStations(List.of(stations)).build()).getSecret();
    }

    private static List<DeadLetter> deadLetters(Channel channel) {
        return AdminGrpc.newBlockingStub(channel).listDeadLetters(ListDeadLettersRequest.newBuilder()
                .setStation("hr.payroll").build()).getDeadLettersList();
    }

    private static List<BrowsedMessage> browse(Channel channel, String search) {
        return AdminGrpc.newBlockingStub(channel).browseMessages(BrowseMessagesRequest.newBuilder()
                .setStation("hr.payroll").setSearch(search).build()).getMessagesList();
    }

    @Test
    void listingsShowOnlyWhatTheCallerMaySee() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                var admin = AdminGrpc.newBlockingStub(channel);
                for (String s : List.of("hr.payroll", "hr.people", "sales")) {
                    admin.createStation(CreateStationRequest.newBuilder().setName(s).build());
                }
                AccessMatrixTest.produce(channel, "", "hr.payroll", VALUE);
                // root (loopback) dead-letters it
                GrpcApiTest.ConsumeStream consumer = new GrpcApiTest.ConsumeStream(channel);
                consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                        .setStation("hr.payroll").setGroup("g").setStart(StartPosition.newBuilder().setEarliest(true))
                        .setInitialCredits(1)).build());
                assertThat(consumer.next().hasSubscribed()).isTrue();
                DeliveredMessage m = consumer.next().getMessage();
                consumer.requests.onNext(ConsumeRequest.newBuilder().setDeadLetter(DeadLetterMessages.newBuilder()
                        .addMessages(MessageRef.newBuilder().setPartition(m.getPartition()).setOffset(m.getOffset())
                                .setDeliveryId(m.getDeliveryId())).setReason("bad")).build());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (deadLetters(channel).isEmpty()) {
                    assertThat(System.nanoTime()).as("dead-lettered within 10 s").isLessThan(deadline);
                    Thread.sleep(5);
                }
                consumer.requests.onCompleted();

                Channel viewer = as(channel, token(channel, "viewer", "viewer", false, "hr.*"));
                Channel granted = as(channel, token(channel, "granted", "viewer", true));
                Channel reader = as(channel, token(channel, "reader", "consumer", false));

                assertThat(AdminGrpc.newBlockingStub(viewer).listStations(ListStationsRequest.getDefaultInstance())
                        .getStationsList()).extracting(StationInfo::getName)
                        .containsExactly("hr.payroll", "hr.people");
                assertThat(AdminGrpc.newBlockingStub(granted).listStations(ListStationsRequest.getDefaultInstance())
                        .getStationsList()).hasSize(3);

                DeadLetter hidden = deadLetters(viewer).get(0);
                assertThat(hidden.getValue().isEmpty()).isTrue();
                assertThat(hidden.hasKey()).isFalse();
                assertThat(hidden.getReason()).as("the rest is shown").isEqualTo("consumer");
                assertThat(deadLetters(granted).get(0).getValue().toStringUtf8()).isEqualTo(VALUE);
                assertThat(deadLetters(reader).get(0).getValue().toStringUtf8()).isEqualTo(VALUE);

                BrowsedMessage browsedHidden = browse(viewer, "").get(0);
                assertThat(browsedHidden.getValue().isEmpty()).isTrue();
                assertThat(browsedHidden.getHeadersList()).isEmpty();
                assertThat(browsedHidden.getOffset()).as("the rest is shown").isZero();
                assertThat(browse(granted, "").get(0).getValue().toStringUtf8()).isEqualTo(VALUE);
                assertThat(browse(reader, "").get(0).getValue().toStringUtf8()).isEqualTo(VALUE);
                assertThatThrownBy(() -> browse(viewer, "5000")).as("a search would reveal values")
                        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(
                                io.junction.api.v1.Errors.fromStatus(e).orElseThrow().getCode())
                                .isEqualTo(io.junction.api.v1.ErrorCode.PERMISSION_DENIED));
                assertThat(browse(granted, "5000")).hasSize(1);
                assertThat(browse(granted, "6000")).isEmpty();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
