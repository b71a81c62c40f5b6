package io.junction.log;

/**
 * Limits how fast a background job (compaction) reads: {@link #acquire} blocks so that, on average, no more than
 * {@code bytesPerSecond} bytes pass per second. It is also how such a job is stopped: after {@link #stop}, every
 * {@link #acquire} throws {@link InterruptedException} at once — without interrupting the job's thread, whose
 * file channels an interrupt would close under every other reader. Thread-safe; one throttle may be shared by
 * several jobs, which then share the rate.
 */
public final class Throttle {

    private final long bytesPerSecond;
    private long availableAtNanos = System.nanoTime();
    private boolean stopped;

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

    /** A throttle that never waits (but can be stopped). */
    public static Throttle unlimited() {
        return new Throttle(0);
    }

    /** Makes every {@link #acquire}, current and future, throw {@link InterruptedException}. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /**
     * Takes {@code bytes} from the budget, waiting while the budget is overdrawn.
     *
     * @throws InterruptedException once the throttle is stopped (or the thread interrupted)
     */
    public synchronized void acquire(int bytes) throws InterruptedException {
        if (stopped) {
            throw new InterruptedException("stopped");
        }
        if (bytesPerSecond == 0) {
            return;
        }
        long now = System.nanoTime();
        // No credit for idle time beyond one second: a throttle that slept is not followed by a burst.
        availableAtNanos = Math.max(availableAtNanos, now - 1_000_000_000L);
        availableAtNanos += bytes * 1_000_000_000L / bytesPerSecond;
        // Waiting on the monitor lets other jobs take their share meanwhile, and stop() end the wait.
        for (long wait = availableAtNanos - now; wait > 0 && !stopped; wait = availableAtNanos - System.nanoTime()) {
            wait(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        if (stopped) {
            throw new InterruptedException("stopped");
        }
    }
}
