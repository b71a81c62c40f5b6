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
