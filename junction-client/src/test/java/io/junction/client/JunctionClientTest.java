package io.junction.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.junction.api.v1.StationConfig;
import io.junction.errors.ErrorCode;

class JunctionClientTest {

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
    void aReadRightAfterTheBrokerCameBackReachesItWithoutWaitingOutTheConnectionsBackoff() throws Exception {
        final int port;
        final JunctionClient c;
        try (FakeBroker first = FakeBroker.overTcp()) {
            port = first.port();
            c = first.client();
            c.createStation("orders", StationOptions.builder().build());
        }
        try {
            assertThatThrownBy(() -> c.station("orders")).isInstanceOf(JunctionException.class)
                    .extracting(e -> ((JunctionException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE);
            // The channel now waits out its reconnect backoff (about a second); the read's own retries are
            // shorter: without connecting at once it would fail although the broker is back.
            try (FakeBroker again = FakeBroker.overTcp(port)) {
                assertThat(again.port()).isEqualTo(port);
                assertThatThrownBy(() -> c.station("orders")).as("reached: the new broker has no such station")
                        .isInstanceOf(JunctionException.class)
                        .extracting(e -> ((JunctionException) e).code()).isEqualTo(ErrorCode.UNKNOWN_STATION);
            }
        } finally {
            c.close();
        }
    }

    @Test
    void createsAStationWithItsOptionsAndReturnsItsInfo() {
        final StationInfo info = client.createStation("orders", StationOptions.builder().partitions(3)
                .retentionAge(Duration.ofDays(1)).retentionBytes(1024).retentionMessages(10)
                .ackTimeout(Duration.ofSeconds(5)).maxDeliveries(7).build());

        final StationConfig sent = broker.stations.get("orders").getConfig();
        assertThat(sent.getPartitions()).isEqualTo(3);
        assertThat(sent.getRetentionAgeMs()).isEqualTo(86_400_000L);
        assertThat(sent.getRetentionBytes()).isEqualTo(1024);
        assertThat(sent.getRetentionMessages()).isEqualTo(10);
        assertThat(sent.getAckTimeoutMs()).isEqualTo(5000);
        assertThat(sent.getMaxDeliveries()).isEqualTo(7);
        assertThat(info.name()).isEqualTo("orders");
        assertThat(info.tenant()).isEqualTo("default");
        assertThat(info.options().retentionAge()).isEqualTo(Duration.ofDays(1));
        assertThat(info.partitions()).containsExactly(new PartitionInfo(0, 0, 3, 42));
        assertThat(info.createdAt()).isEqualTo(Instant.ofEpochMilli(1000));
    }

    @Test
    void sendsUnsetOptionsAsZeroAndUnlimitedAgeAsMinusOne() {
        client.createStation("a", StationOptions.defaults());
        client.createStation("b", StationOptions.builder().retentionAge(Duration.ofMillis(-1)).build());

        assertThat(broker.stations.get("a").getConfig()).isEqualTo(StationConfig.getDefaultInstance());
        assertThat(broker.stations.get("b").getConfig().getRetentionAgeMs()).isEqualTo(-1);
        assertThat(client.station("b").options().unlimitedAge()).isTrue();
        assertThat(client.station("a").options().retentionAge()).isNull();
    }

    @Test
    void sendsTheOrderingAndReadsItBack() {
        final StationInfo info = client.createStation("orders", StationOptions.builder()
                .ordering(Ordering.PARTITION).build());

        assertThat(broker.stations.get("orders").getConfig().getOrdering()).isEqualTo("partition");
        assertThat(info.options().ordering()).isEqualTo(Ordering.PARTITION);
        assertThat(StationOptions.defaults().ordering()).isNull();
        assertThat(new StationOptions(1, null, 0, 0, null, 0).ordering()).isNull();
    }

    @Test
    void mapsEveryOrderingBothWays() {
        for (Ordering o : Ordering.values()) {
            assertThat(Protos.ordering(Protos.ordering(o))).isEqualTo(o);
            final StationOptions options = StationOptions.builder().ordering(o).build();
            assertThat(Protos.options(Protos.config(options)).ordering()).isEqualTo(o);
        }
        assertThat(Protos.ordering((Ordering) null)).isEmpty();
        assertThat(Protos.ordering("")).isNull();
        assertThat(Protos.ordering("fifo")).as("a newer broker's ordering").isNull();
        assertThat(Protos.group(io.junction.api.v1.GroupInfo.newBuilder().setName("g").setOrdering("none")
                .build()).ordering()).isEqualTo(Ordering.NONE);
        assertThat(Protos.group(io.junction.api.v1.GroupInfo.newBuilder().setName("g").build()).ordering())
                .as("an older broker").isNull();
    }

    @Test
    void triesAReadAgainWhileTheBrokerCannotBeReached() {
        client.createStation("orders", StationOptions.defaults());
        broker.breakGetStation.set(2);
        assertThat(client.station("orders").name()).isEqualTo("orders");
        assertThat(broker.getStationCalls.get()).as("two failed tries, then one that worked").isEqualTo(3);

        broker.breakGetStation.set(3);
        assertThatThrownBy(() -> client.station("orders")).isInstanceOfSatisfying(JunctionException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(broker.getStationCalls.get()).as("three tries at most").isEqualTo(6);
    }

    @Test
    void takesAConnectionThatClosedUnderACallForUnavailable() {
        // gRPC reports UNKNOWN when the connection closes under a call; the client's own I/O error is the cause.
        JunctionException e = Protos.exception(io.grpc.Status.UNKNOWN.withDescription("channel closed")
                .withCause(new java.nio.channels.ClosedChannelException()).asRuntimeException(), "b:1");
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.retriable()).isTrue();
        assertThat(Protos.exception(io.grpc.Status.UNKNOWN.withDescription("odd").asRuntimeException(), "b:1").code())
                .as("without an I/O cause it stays UNKNOWN").isEqualTo(ErrorCode.UNKNOWN);
    }

    @Test
    void throwsTheBrokersErrorCodeAndMessage() {
        assertThatThrownBy(() -> client.station("missing")).isInstanceOfSatisfying(JunctionException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_STATION);
            assertThat(e.getMessage()).isEqualTo("station 'missing' does not exist");
            assertThat(e.retriable()).isFalse();
            assertThat(e).hasToString("UNKNOWN_STATION: station 'missing' does not exist");
        });
        client.createStation("orders", StationOptions.defaults());
        assertThatThrownBy(() -> client.createStation("orders", StationOptions.defaults()))
                .isInstanceOfSatisfying(JunctionException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.STATION_EXISTS));
    }

    @Test
    void reportsACallTheBrokerDoesNotOfferAsUnknown() {
        assertThatThrownBy(() -> client.stations()).isInstanceOfSatisfying(JunctionException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN);
            assertThat(e.getMessage()).contains("does not offer this call");
        });
    }

    @Test
    void reportsAnUnreachableBrokerAsUnavailableAndRetriable() {
        try (JunctionClient unreachable = JunctionClient.builder().server("localhost:1")
                .callTimeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(unreachable::stations).isInstanceOfSatisfying(JunctionException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.retriable()).isTrue();
                assertThat(e.getMessage()).startsWith("cannot reach the broker at localhost:1");
            });
        }
    }

    @Test
    void throwsEveryBrokerErrorCodeAsTheJunctionCodeOfTheSameName() {
        for (io.junction.api.v1.ErrorCode code : io.junction.api.v1.ErrorCode.values()) {
            if (code == io.junction.api.v1.ErrorCode.UNRECOGNIZED
                    || code == io.junction.api.v1.ErrorCode.ERROR_CODE_UNSPECIFIED) {
                continue;
            }
            JunctionException e = Protos.exception(io.junction.api.v1.Errors.error(code, "m"));
            assertThat(e.code().name()).isEqualTo(code.name());
            assertThat(e.retriable()).as(code.name()).isEqualTo(e.code().retriable());
        }
        assertThat(Protos.exception(io.junction.api.v1.Errors.error(io.junction.api.v1.ErrorCode.ERROR_CODE_UNSPECIFIED,
                "m")).code()).isEqualTo(ErrorCode.UNKNOWN);
    }

    @Test
    void browsesAPartitionAndReadsThePageBack() {
        BrowsePage page = client.browse("orders", 2, StartPosition.offset(5), 10, "needle");
        io.junction.api.v1.BrowseMessagesRequest sent = broker.browsed.poll();
        assertThat(sent.getStation()).isEqualTo("orders");
        assertThat(sent.getPartition()).isEqualTo(2);
        assertThat(sent.getFrom().getOffset()).isEqualTo(5);
        assertThat(sent.getLimit()).isEqualTo(10);
        assertThat(sent.getSearch()).isEqualTo("needle");
        assertThat(page.nextOffset()).isEqualTo(7);
        assertThat(page.endReached()).isFalse();
        assertThat(page.firstOffset()).isEqualTo(1);
        assertThat(page.endOffset()).isEqualTo(9);
        assertThat(page.schema()).isEqualTo("emp");
        assertThat(page.schemaVersion()).isEqualTo(3);
        BrowsedMessage m = page.messages().get(0);
        assertThat(m.partition()).isEqualTo(2);
        assertThat(m.offset()).isEqualTo(5);
        assertThat(m.keyAsString()).isEqualTo("k");
        assertThat(m.valueAsString()).isEqualTo("v");
        assertThat(new String(m.headers().get("h"), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("x");
        assertThat(m.timestamp()).isEqualTo(Instant.ofEpochMilli(1_000));
        assertThat(m.schema()).isEqualTo("emp");
        assertThat(m.schemaVersion()).isEqualTo(2);
        assertThat(page.messages().get(1).tombstone()).isTrue();
        assertThat(page.messages().get(1).key()).as("keyless").isNull();

        client.browse("orders", 0, null, 100);
        sent = broker.browsed.poll();
        assertThat(sent.hasFrom()).as("null: the broker's default, earliest").isFalse();
        assertThat(sent.getSearch()).isEmpty();
    }

    @Test
    void resetsAGroupOnEveryPartitionOrOne() {
        GroupInfo info = client.resetGroup("orders", "payroll", StartPosition.earliest());
        io.junction.api.v1.ResetGroupRequest sent = broker.reset.poll();
        assertThat(sent.getStation()).isEqualTo("orders");
        assertThat(sent.getGroup()).isEqualTo("payroll");
        assertThat(sent.getPosition().getEarliest()).isTrue();
        assertThat(sent.hasPartition()).as("every partition").isFalse();
        assertThat(info.lag()).isEqualTo(4);

        client.resetGroup("orders", "payroll", StartPosition.timestamp(Instant.ofEpochMilli(9)), 0);
        sent = broker.reset.poll();
        assertThat(sent.getPosition().getTimestampMs()).isEqualTo(9);
        assertThat(sent.hasPartition()).isTrue();
        assertThat(sent.getPartition()).isZero();
    }

    @Test
    void mapsEveryStartPosition() {
        assertThat(Protos.start(StartPosition.earliest()).getEarliest()).isTrue();
        assertThat(Protos.start(StartPosition.latest()).getLatest()).isTrue();
        assertThat(Protos.start(StartPosition.offset(42)).getOffset()).isEqualTo(42);
        assertThat(Protos.start(StartPosition.timestamp(Instant.ofEpochMilli(7))).getTimestampMs()).isEqualTo(7);
        assertThat(Protos.start(StartPosition.lastN(3)).getLastN()).isEqualTo(3);
        assertThat(StartPosition.timestamp(Instant.parse("2026-01-02T03:04:05Z")))
                .hasToString("time:2026-01-02T03:04:05Z");
    }
}
