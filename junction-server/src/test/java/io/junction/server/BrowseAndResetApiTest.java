package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.AuditEntry;
import io.junction.api.v1.BrowseMessagesRequest;
import io.junction.api.v1.BrowseMessagesResponse;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.GroupInfo;
import io.junction.api.v1.ListAuditRequest;
import io.junction.api.v1.ResetGroupRequest;
import io.junction.api.v1.StartPosition;
import io.junction.api.v1.StationConfig;
import io.junction.api.v1.Subscribe;

/**
 * Admin.BrowseMessages and Admin.ResetGroup over a real server: pages that go on where the last one stopped, the
 * group's position moved and shown, every bad request with its own code, a reset audited and a browse not.
 */
class BrowseAndResetApiTest {

    @TempDir
    Path dir;

    private static void assertCode(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(Errors.fromStatus(e).orElseThrow().getCode()).as(e.getStatus().getDescription())
                        .isEqualTo(code));
    }

    private static StartPosition offset(long offset) {
        return StartPosition.newBuilder().setOffset(offset).build();
    }

    @Test
    void shouldBrowsePageByPageAndResetAGroupsPositionWithEveryBadRequestRefusedByItsCode() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                var admin = AdminGrpc.newBlockingStub(channel);
                admin.createStation(CreateStationRequest.newBuilder().setName("s")
                        .setConfig(StationConfig.newBuilder().setPartitions(2)).build());
                for (int i = 0; i < 5; i++) {
                    AccessMatrixTest.produce(channel, "", "s", "value-" + i);
                }
                // keyless messages go round robin: 3 on one partition, 2 on the other
                BrowseMessagesResponse p0 = admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setPartition(0).setLimit(2).build());
                BrowseMessagesResponse p1 = admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setPartition(1).build());
                assertThat(p0.getMessagesCount()).isEqualTo(2);
                assertThat(p0.getNextOffset()).isEqualTo(2);
                BrowseMessagesResponse rest = admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setPartition(0).setFrom(offset(p0.getNextOffset())).build());
                assertThat(p0.getEndReached() || rest.getMessagesCount() > 0).isTrue();
                assertThat(p0.getMessagesCount() + rest.getMessagesCount() + p1.getMessagesCount()).isEqualTo(5);
                assertThat(rest.getEndReached()).isTrue();
                assertThat(p1.getEndReached()).isTrue();
                assertThat(p1.getMessages(0).getValue().toStringUtf8()).startsWith("value-");
                assertThat(p1.getMessages(0).hasKey()).isFalse();
                assertThat(admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s").setPartition(1)
                        .setSearch("value-").setLimit(1000).build()).getMessagesCount())
                        .isEqualTo(p1.getMessagesCount());

                assertCode(() -> admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setLimit(1001).build()), ErrorCode.INVALID_ARGUMENT);
                assertCode(() -> admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setLimit(-1).build()), ErrorCode.INVALID_ARGUMENT);
                assertCode(() -> admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setFrom(offset(-5)).build()), ErrorCode.INVALID_ARGUMENT);
                assertCode(() -> admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("s")
                        .setPartition(2).build()), ErrorCode.INVALID_PARTITION);
                assertCode(() -> admin.browseMessages(BrowseMessagesRequest.newBuilder().setStation("nope").build()),
                        ErrorCode.UNKNOWN_STATION);

                admin.createGroup(CreateGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setStart(StartPosition.newBuilder().setLatest(true)).build());
                GroupInfo reset = admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(StartPosition.newBuilder().setEarliest(true)).build());
                assertThat(reset.getLag()).isEqualTo(5);
                reset = admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(StartPosition.newBuilder().setLatest(true)).setPartition(1).build());
                assertThat(reset.getPartitions(1).getAckFloor()).isEqualTo(p1.getEndOffset());
                assertThat(reset.getPartitions(0).getAckFloor()).isZero();

                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .build()), ErrorCode.INVALID_ARGUMENT);
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(StartPosition.getDefaultInstance()).build()), ErrorCode.INVALID_ARGUMENT);
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("nope")
                        .setPosition(offset(0)).build()), ErrorCode.UNKNOWN_GROUP);
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(offset(0)).setPartition(7).build()), ErrorCode.INVALID_PARTITION);
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(offset(99)).build()), ErrorCode.OFFSET_OUT_OF_RANGE);
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(offset(-1)).build()), ErrorCode.INVALID_ARGUMENT);

                GrpcApiTest.ConsumeStream member = new GrpcApiTest.ConsumeStream(channel);
                member.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setStation("s")
                        .setGroup("g").setInitialCredits(0)).build());
                assertThat(member.next().hasSubscribed()).isTrue();
                assertCode(() -> admin.resetGroup(ResetGroupRequest.newBuilder().setStation("s").setGroup("g")
                        .setPosition(StartPosition.newBuilder().setEarliest(true)).build()), ErrorCode.GROUP_IN_USE);
                member.requests.onCompleted();

                // refused changes are recorded behind the answer: wait for the last one
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<AuditEntry> audit;
                while ((audit = AccessGrpc.newBlockingStub(channel).listAudit(ListAuditRequest.getDefaultInstance())
                        .getEntriesList()).stream().noneMatch(e -> e.getResult().equals("GROUP_IN_USE"))) {
                    assertThat(System.nanoTime()).as("the refusal audited within 10 s").isLessThan(deadline);
                    Thread.sleep(5);
                }
                assertThat(audit).filteredOn(e -> e.getAction().equals("ResetGroup") && e.getResult().equals("OK"))
                        .hasSize(2).allSatisfy(e -> assertThat(e.getTarget()).isEqualTo("station s, group g"));
                assertThat(audit).filteredOn(e -> e.getAction().equals("ResetGroup")
                        && e.getResult().equals("GROUP_IN_USE")).hasSize(1);
                assertThat(audit).as("a browse is a read: not audited").noneMatch(e -> e.getAction()
                        .equals("BrowseMessages"));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
