package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.Credit;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.GetTenantRequest;
import io.junction.api.v1.StartPosition;
import io.junction.api.v1.Subscribe;
import io.junction.api.v1.TenantLimits;
import io.junction.api.v1.UpdateTenantRequest;

/** A tenant's stream quotas over a real server: open streams bounded, deliveries held to the consume rate. */
class QuotaStreamsTest {

    @TempDir
    Path dir;

    private static void fill(ManagedChannel channel, String tenant, int messages) throws Exception {
        AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setTenant(tenant)
                .setName("s").build());
        for (int i = 0; i < messages; i++) {
            AccessMatrixTest.produce(channel, tenant, "s", "x".repeat(1000));
        }
    }

    private static GrpcApiTest.ConsumeStream subscribe(ManagedChannel channel, String tenant, int credits) {
        GrpcApiTest.ConsumeStream stream = new GrpcApiTest.ConsumeStream(channel);
        stream.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setTenant(tenant)
                .setStation("s").setGroup("g").setStart(StartPosition.newBuilder().setEarliest(true))
                .setInitialCredits(credits)).build());
        return stream;
    }

    @Test
    void deliveriesBeyondTheConsumeRateWaitAndOtherTenantsDoNot() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                var access = AccessGrpc.newBlockingStub(channel);
                access.createTenant(CreateTenantRequest.newBuilder().setName("slow").setLimits(TenantLimits
                        .newBuilder().setMaxConsumeBytesPerSecond(100)).build());
                fill(channel, "slow", 20);
                fill(channel, "default", 20);

                GrpcApiTest.ConsumeStream slow = subscribe(channel, "slow", 5);
                GrpcApiTest.ConsumeStream free = subscribe(channel, "default", 5);
                assertThat(slow.next().hasSubscribed()).isTrue();
                assertThat(free.next().hasSubscribed()).isTrue();
                for (int i = 0; i < 5; i++) {
                    assertThat(slow.next().hasMessage()).isTrue();
                    assertThat(free.next().hasMessage()).isTrue();
                }
                // 5,000 bytes went at 100 bytes/s: the next credits wait about 40 s; the free tenant's do not
                slow.requests.onNext(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(15))
                        .build());
                free.requests.onNext(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(15))
                        .build());
                for (int i = 0; i < 15; i++) {
                    assertThat(free.next().hasMessage()).isTrue();
                }
                assertThat(slow.responses.poll(1, TimeUnit.SECONDS)).as("held back by the consume rate").isNull();

                // the limit lifted, the held credits go on (checked at least once a second)
                access.updateTenant(UpdateTenantRequest.newBuilder().setName("slow").setLimits(TenantLimits
                        .newBuilder().setMaxConsumeBytesPerSecond(0)).build());
                for (int i = 0; i < 15; i++) {
                    assertThat(slow.next().hasMessage()).isTrue();
                }
                slow.requests.onCompleted();
                free.requests.onCompleted();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTenantHasAtMostItsStreamsOpenAndGetsOneBackWhenOneCloses() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                var access = AccessGrpc.newBlockingStub(channel);
                access.createTenant(CreateTenantRequest.newBuilder().setName("few").setLimits(TenantLimits
                        .newBuilder().setMaxConnections(1)).build());
                AdminGrpc.newBlockingStub(channel).createStation(CreateStationRequest.newBuilder().setTenant("few")
                        .setName("s").build());
                // Streams count against the caller's own tenant: root's is default, so the limit is set there.
                access.updateTenant(UpdateTenantRequest.newBuilder().setName("default").setLimits(TenantLimits
                        .newBuilder().setMaxConnections(1)).build());

                GrpcApiTest.ConsumeStream first = subscribe(channel, "few", 1);
                assertThat(first.next().hasSubscribed()).isTrue();
                assertThat(access.getTenant(GetTenantRequest.newBuilder().setName("default").build())
                        .getConnections()).isEqualTo(1);

                GrpcApiTest.ConsumeStream second = subscribe(channel, "few", 1);
                assertThat(Errors.fromStatus(second.ended())).map(io.junction.api.v1.Error::getCode)
                        .hasValue(ErrorCode.QUOTA_EXCEEDED);

                first.requests.onCompleted();
                assertThat(first.ended()).isNull();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (access.getTenant(GetTenantRequest.newBuilder().setName("default").build())
                        .getConnections() > 0) {
                    assertThat(System.nanoTime()).as("the stream's count released").isLessThan(deadline);
                    Thread.sleep(5);
                }
                GrpcApiTest.ConsumeStream third = subscribe(channel, "few", 1);
                assertThat(third.next().hasSubscribed()).isTrue();
                third.requests.onCompleted();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
