package io.junction.connect.postgres;

import java.util.Arrays;
import java.util.Map;

/**
 * The lag from a transaction's commit in PostgreSQL (its commit time, from the server's clock) to its messages
 * being durable in the station (this machine's clock), over the last {@value #SAMPLES} transactions: what
 * {@code connector info} shows as {@code lag_ms_p50}, {@code lag_ms_p99} and {@code lag_ms_max}. The clocks are the
 * same one when PostgreSQL runs on the broker's machine; across machines their skew is in it. Bounded memory
 * (one long per sample); thread-safe.
 */
final class CommitLag {

    static final int SAMPLES = 16_384;

    private final long[] millis = new long[SAMPLES];
    private long recorded;

    /** Records one transaction committed at {@code commitUnixMicros}, durable at {@code durableUnixMillis}. */
    synchronized void record(long commitUnixMicros, long durableUnixMillis) {
        millis[(int) (recorded++ % SAMPLES)] = Math.max(0, durableUnixMillis - commitUnixMicros / 1000);
    }

    /** p50, p99 and max of the samples held, in ms; empty before the first. */
    Map<String, Long> counts() {
        long[] copy;
        synchronized (this) {
            copy = Arrays.copyOf(millis, (int) Math.min(recorded, SAMPLES));
        }
        if (copy.length == 0) {
            return Map.of();
        }
        Arrays.sort(copy);
        return Map.of("lag_ms_p50", copy[(copy.length - 1) / 2], "lag_ms_p99",
                copy[(int) Math.ceil(copy.length * 0.99) - 1], "lag_ms_max", copy[copy.length - 1]);
    }
}
