package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.BrokerException;
import io.junction.broker.Ordering;
import io.junction.broker.StationConfig;
import io.junction.errors.ErrorCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The protocol ↔ core mappings of station settings. */
class ConvertTest {

    @Test
    void shouldFillInTheDefaultOrderingOnCreateAndMapEveryNameBothWays() {
        assertThat(Convert.config(io.junction.api.v1.StationConfig.getDefaultInstance()).ordering())
                .isEqualTo(StationConfig.DEFAULT_ORDERING);
        for (Ordering o : Ordering.values()) {
            StationConfig c = Convert.config(io.junction.api.v1.StationConfig.newBuilder()
                    .setOrdering(o.wireName()).build());
            assertThat(c.ordering()).isEqualTo(o);
            assertThat(Convert.config(c).getOrdering()).isEqualTo(o.wireName());
        }
        assertThat(Convert.ordering("")).isNull();
    }

    @Test
    void shouldRefuseAnUnknownOrderingWithInvalidConfig() {
        for (String name : new String[] {"KEY", "fifo", " key"}) {
            assertThatThrownBy(() -> Convert.config(io.junction.api.v1.StationConfig.newBuilder().setOrdering(name)
                    .build())).isInstanceOf(BrokerException.class)
                    .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIG));
        }
    }

    @Test
    void shouldMapTieringBothWaysAndKeepOrClearItsLimitsOnUpdate() {
        StationConfig off = Convert.config(io.junction.api.v1.StationConfig.getDefaultInstance());
        assertThat(off.tiering()).isEqualTo(StationConfig.Tiering.OFF);
        assertThat(Convert.config(off).getTiering()).isFalse();
        assertThat(Convert.config(off).getLocalRetentionMs()).isEqualTo(-1);

        StationConfig on = Convert.config(io.junction.api.v1.StationConfig.newBuilder().setTiering(true)
                .setLocalRetentionMs(Duration.ofDays(2).toMillis()).build());
        assertThat(on.tiering()).isEqualTo(new StationConfig.Tiering(true, Duration.ofDays(2), 0));
        assertThat(Convert.config(on).getLocalRetentionMs()).isEqualTo(Duration.ofDays(2).toMillis());

        StationConfig kept = Convert.config(io.junction.api.v1.StationConfig.getDefaultInstance(), on);
        assertThat(kept.tiering()).isEqualTo(on.tiering());
        StationConfig bySize = Convert.config(io.junction.api.v1.StationConfig.newBuilder()
                .setLocalRetentionBytes(10L << 30).setLocalRetentionMs(-1).build(), on);
        assertThat(bySize.tiering()).isEqualTo(new StationConfig.Tiering(true, null, 10L << 30));
        assertThat(Convert.config(io.junction.api.v1.StationConfig.newBuilder().setTiering(false).build(), on)
                .tiering().enabled()).isFalse();
        assertThatThrownBy(() -> Convert.config(io.junction.api.v1.StationConfig.newBuilder()
                .setLocalRetentionBytes(-5).build())).isInstanceOf(BrokerException.class)
                .hasMessageContaining("local_retention_bytes")
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIG));
    }

    @Test
    void shouldMapTheHistoryOfAGroupAndRefuseAnUnknownOne() {
        assertThat(Convert.history("")).isNull();
        assertThat(Convert.history("full")).isEqualTo(io.junction.broker.History.FULL);
        assertThat(Convert.history("compacted")).isEqualTo(io.junction.broker.History.COMPACTED);
        assertThatThrownBy(() -> Convert.history("everything")).isInstanceOf(BrokerException.class)
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shouldCarryEveryFieldOfATierStatus() {
        io.junction.api.v1.PartitionTierStatus p = Convert.tierStatus(java.util.List.of(
                new io.junction.tier.TierStatus(1, 0, 500, 3, 4096, 400, 1024, 2, 2048, 1_700_000_000_000L, 3, 4096,
                        2, "connection refused", 1_700_000_001_000L),
                new io.junction.tier.TierStatus(2, -1, -1, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, null, 0)))
                .getPartitions(0);
        assertThat(p).isEqualTo(io.junction.api.v1.PartitionTierStatus.newBuilder().setPartition(1)
                .setRemoteFirstOffset(0).setRemoteEndOffset(500).setRemoteSegments(3).setRemoteBytes(4096)
                .setLocalFirstOffset(400).setLocalBytes(1024).setPendingSegments(2).setPendingBytes(2048)
                .setLastUploadMs(1_700_000_000_000L).setUploadedSegments(3).setUploadedBytes(4096).setFailures(2)
                .setLastError("connection refused").setLastErrorMs(1_700_000_001_000L).build());
    }

    @Test
    void shouldKeepTheCurrentValuesAnUpdateLeavesUnset() {
        StationConfig current = new StationConfig(3, null, 1000, 0, Duration.ofSeconds(10), 7, Ordering.NONE);

        StationConfig kept = Convert.config(io.junction.api.v1.StationConfig.getDefaultInstance(), current);
        assertThat(kept).isEqualTo(current);

        StationConfig changed = Convert.config(io.junction.api.v1.StationConfig.newBuilder().setMaxDeliveries(2)
                .setRetentionAgeMs(60_000).setOrdering("key").build(), current);
        assertThat(changed).isEqualTo(new StationConfig(3, Duration.ofMinutes(1), 1000, 0, Duration.ofSeconds(10),
                2, Ordering.KEY));
    }
}
