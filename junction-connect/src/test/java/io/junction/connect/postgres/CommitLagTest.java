package io.junction.connect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CommitLagTest {

    private static Map<String, Long> counts(CommitLag lag) {
        Map<String, Long> counts = new HashMap<>();
        lag.addTo(counts);
        return counts;
    }

    @Test
    void percentilesOfTheLastTransactionsAndTheLargestEver() {
        CommitLag lag = new CommitLag();
        assertThat(counts(lag)).isEmpty();
        for (int i = 1; i <= 100; i++) {
            lag.record(i);
        }
        assertThat(counts(lag)).containsEntry("lag_ms_p50", 50L).containsEntry("lag_ms_p99", 99L)
                .containsEntry("lag_ms_max", 100L);
        lag.record(-5); // a commit clock ahead of ours counts as 0
        for (int i = 0; i < CommitLag.WINDOW; i++) {
            lag.record(7);
        }
        assertThat(counts(lag)).containsEntry("lag_ms_p50", 7L).containsEntry("lag_ms_p99", 7L)
                .containsEntry("lag_ms_max", 100L);
    }
}
