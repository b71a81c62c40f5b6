package io.junction.connect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitLagTest {

    @Test
    void percentilesOfTheLastSamplesInMilliseconds() {
        CommitLag lag = new CommitLag();
        assertThat(lag.counts()).isEmpty();
        for (int i = 1; i <= 100; i++) {
            lag.record(1_000_000L * 1000, 1_000_000L + i); // committed at 1,000,000 ms, durable i ms later
        }
        assertThat(lag.counts()).containsEntry("lag_ms_p50", 50L).containsEntry("lag_ms_p99", 99L)
                .containsEntry("lag_ms_max", 100L);
        // a commit clock ahead of ours counts as 0, not negative
        lag.record(2_000_000L * 1000, 1_000_000L);
        assertThat(lag.counts().get("lag_ms_max")).isEqualTo(100L);
        // only the last SAMPLES count
        for (int i = 0; i < CommitLag.SAMPLES; i++) {
            lag.record(0, 7);
        }
        assertThat(lag.counts()).containsEntry("lag_ms_p50", 7L).containsEntry("lag_ms_max", 7L);
    }
}
