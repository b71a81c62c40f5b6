package io.junction.broker;

import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets, for metrics (produce-ack latency, fsync latency): the broker's own JDK-only
 * histogram, so that the core needs no metrics library; the server maps a {@link Snapshot} to its exposition format.
 * The bounds are fixed ({@link #BOUNDS_SECONDS}, from 0.5 ms to 10 s), so every histogram of a broker has the same
 * buckets and a dashboard can add them up.
 *
 * <p>Thread-safe and cheap: {@link #record} is a search over 14 bounds and two {@link LongAdder} increments, made per
 * produce request or per fsync, never per message. A snapshot taken while others record may count a duration in its
 * bucket but not yet in the sum (or the other way round); each bucket and the count are consistent with each other.
 */
public final class LatencyHistogram {

    /** The buckets' upper bounds in seconds (a last bucket, +Inf, holds everything above). */
    public static final double[] BOUNDS_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** Per bucket (not cumulative); the last is +Inf. */
    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Counts one duration; a negative one (a clock that stepped back) counts as 0. */
    public void record(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(n);
    }

    /** What was recorded so far. */
    public Snapshot snapshot() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            counts[i] = buckets[i].sum();
        }
        return new Snapshot(counts, sumNanos.sum() / 1e9);
    }

    /**
     * A histogram's state.
     *
     * @param bucketCounts per bucket of {@link #BOUNDS_SECONDS}, then +Inf: the durations above the bound before it
     *     and at or below its own (not cumulative)
     * @param sumSeconds the sum of every duration recorded
     */
    public record Snapshot(long[] bucketCounts, double sumSeconds) {

        /** Every duration recorded. */
        public long count() {
            long count = 0;
            for (long n : bucketCounts) {
                count += n;
            }
            return count;
        }
    }
}
