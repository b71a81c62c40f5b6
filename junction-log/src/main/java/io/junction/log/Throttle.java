package io.junction.log;

/**
 * Limits how fast a background job (compaction) reads: {@link #acquire} blocks so that, on average, no more than
 * {@code bytesPerSecond} bytes pass per second. Thread-safe; one throttle may be shared by several jobs, which
 * then share the rate.
 */
public final class Throttle {

    private static final Throttle UNLIMITED = new Throttle(0);

    private final long bytesPerSecond;
    private long availableAtNanos = System.nanoTime();

    private Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** A throttle of {@code bytesPerSecond} (&gt; 0). */
    public static Throttle of(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytes per second must be positive, got " + bytesPerSecond);
        }
        return new Throttle(bytesPerSecond);
    }

    public static Throttle unlimited() {
        return UNLIMITED;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Takes {@code bytes} from the budget, sleeping while the budget is overdrawn. */
    public void acquire(int bytes) throws InterruptedException {
        if (bytesPerSecond == 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            // No credit for idle time beyond one second: a throttle that slept is not followed by a burst.
            availableAtNanos = Math.max(availableAtNanos, now - 1_000_000_000L);
            availableAtNanos += bytes * 1_000_000_000L / bytesPerSecond;
            waitNanos = availableAtNanos - now;
        }
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }
}
