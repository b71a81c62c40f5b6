package io.junction.connect.postgres;

import java.util.Arrays;
import java.util.Map;

/**
 * How long transactions took from their commit in PostgreSQL (the commit time pgoutput sends, PostgreSQL's clock)
 * to their messages being durable in the station (this broker's clock: skew between the two hosts shows in it), in
 * milliseconds: the 50th and 99th percentiles over the last {@value #WINDOW} transactions, and the largest since
 * the connector was built. What {@code connector info} shows as {@code lag_ms_p50}, {@code lag_ms_p99} and
 * {@code lag_ms_max}.
 *
 * <p>Thread-safe: the worker records, {@code status()} reads (a copy of at most {@value #WINDOW} values, sorted).
 */
final class CommitLag {

    static final int WINDOW = 8192;

    private final long[] recent = new long[WINDOW];
    private int next;
    private int size;
    private long max;

    synchronized void record(long millis) {
        long m = Math.max(0, millis);
        recent[next] = m;
        next = (next + 1) % WINDOW;
        size = Math.min(size + 1, WINDOW);
        max = Math.max(max, m);
    }

    /** Adds {@code lag_ms_p50}, {@code lag_ms_p99} and {@code lag_ms_max} to {@code counts}; nothing before the
     * first transaction. */
    void addTo(Map<String, Long> counts) {
        long[] values;
        long largest;
        synchronized (this) {
            if (size == 0) {
                return;
            }
            values = Arrays.copyOf(recent, size);
            largest = max;
        }
        Arrays.sort(values);
        counts.put("lag_ms_p50", percentile(values, 0.50));
        counts.put("lag_ms_p99", percentile(values, 0.99));
        counts.put("lag_ms_max", largest);
    }

    private static long percentile(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
