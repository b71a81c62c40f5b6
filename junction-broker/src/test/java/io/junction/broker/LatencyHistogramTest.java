package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void countsEachDurationInTheFirstBucketWhoseBoundItDoesNotExceed() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(500_000);          // exactly 0.5 ms: the first bucket (le 0.0005)
        h.record(500_001);          // just above: the second (le 0.001)
        h.record(3_000_000);        // 3 ms: le 0.005
        h.record(20_000_000_000L);  // 20 s: +Inf
        h.record(-5);               // a clock that stepped back: 0, the first bucket

        LatencyHistogram.Snapshot s = h.snapshot();
        long[] expected = new long[LatencyHistogram.BOUNDS_SECONDS.length + 1];
        expected[0] = 2;
        expected[1] = 1;
        expected[3] = 1;
        expected[expected.length - 1] = 1;
        assertThat(s.bucketCounts()).containsExactly(expected);
        assertThat(s.count()).isEqualTo(5);
        assertThat(s.sumSeconds()).isCloseTo(0.0005 + 0.000500001 + 0.003 + 20, org.assertj.core.data.Offset.offset(
                1e-9));
    }
}
