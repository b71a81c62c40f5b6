package io.junction.broker.internal;

import java.util.function.LongSupplier;

/**
 * Holds a flow of bytes to a rate, the way Kafka's quotas do: nothing is refused; each use of {@code n} bytes
 * reports how long the caller should hold its answer back so that the flow stays at the rate, with up to one
 * second's worth let through at once. A rate of 0 is no limit. Thread-safe.
 */
public final class Pace {

    static final long BURST_NANOS = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private volatile long bytesPerSecond;
    /** When the bytes taken so far will have drained at the rate (GCRA's theoretical arrival time). Guarded by this. */
    private long drainedAt;

    public Pace(LongSupplier nanoTime, long bytesPerSecond) {
        this.nanoTime = nanoTime;
        this.bytesPerSecond = bytesPerSecond;
        this.drainedAt = nanoTime.getAsLong();
    }

    public void rate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Takes {@code bytes}; the nanoseconds to hold back the answer (0: none). */
    public synchronized long take(long bytes) {
        long rate = bytesPerSecond;
        if (rate == 0) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        drainedAt = Math.max(drainedAt, now) + (long) (bytes * 1e9 / rate);
        return Math.max(0, drainedAt - now - BURST_NANOS);
    }

    /** How long until what was taken has drained (0: nothing pending, or no limit). */
    public synchronized long debt() {
        return bytesPerSecond == 0 ? 0 : Math.max(0, drainedAt - nanoTime.getAsLong() - BURST_NANOS);
    }
}
