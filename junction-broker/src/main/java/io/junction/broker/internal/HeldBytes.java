package io.junction.broker.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker-wide budget of message contents its consumer groups keep in memory beyond what they hand out: the
 * messages waiting behind busy keys ({@link KeyLines}) and what they read again ({@link RereadCache}). Each group
 * has its own bound besides; this one holds whatever the number of groups. When it is used up, a group keeps
 * offsets only and reads contents again when it needs them: slower, never more memory. Thread-safe.
 */
public final class HeldBytes {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    public HeldBytes(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} from the budget if they fit; false (and nothing taken) when they do not. */
    public boolean tryTake(long bytes) {
        while (true) {
            long u = used.get();
            if (u + bytes > max) {
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    /** Gives back what {@link #tryTake} took. */
    public void give(long bytes) {
        used.addAndGet(-bytes);
    }

    /** What is left of the budget now (another thread may take it the next moment). */
    public long available() {
        return Math.max(0, max - used.get());
    }

    public long used() {
        return used.get();
    }

    long max() {
        return max;
    }
}
