package io.junction.log;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads every {@link PartitionLog} shares for its fsyncs, so that threads do not grow with the number of
 * logs: a few fsync threads (each log's group commits run on them, one at a time per log), a few threads that
 * complete the append futures (off the fsync threads, in each log's order), and one timer that wakes the
 * {@code INTERVAL} flushes. Every thread is a daemon and ends after a minute idle: an idle broker holds none.
 *
 * <p>{@link #shared()} is the one the logs use unless their {@link LogConfig} names another.
 */
public final class Flusher {

    /** Fsync threads of {@link #shared()}: fsyncs of different files overlap on the device. */
    public static final int DEFAULT_FSYNC_THREADS = 4;
    /** Threads that complete append futures in {@link #shared()}. */
    public static final int DEFAULT_COMPLETION_THREADS = 2;

    private static final long IDLE_SECONDS = 60;
    private static final Flusher SHARED = new Flusher("junction", DEFAULT_FSYNC_THREADS, DEFAULT_COMPLETION_THREADS);

    private final ThreadPoolExecutor fsyncs;
    private final ThreadPoolExecutor completions;
    private final ScheduledThreadPoolExecutor timer;

    /**
     * @param name the prefix of its threads' names
     * @param fsyncThreads at most this many fsyncs at once
     * @param completionThreads at most this many threads completing append futures
     */
    public Flusher(String name, int fsyncThreads, int completionThreads) {
        if (fsyncThreads < 1 || completionThreads < 1) {
            throw new IllegalArgumentException("a flusher needs at least one thread of each kind");
        }
        this.fsyncs = pool(fsyncThreads, threads(name + "-fsync-"));
        this.completions = pool(completionThreads, threads(name + "-log-completion-"));
        this.timer = new ScheduledThreadPoolExecutor(1, threads(name + "-flush-timer-"));
        timer.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
    }

    /** The flusher of every log whose configuration names none. */
    public static Flusher shared() {
        return SHARED;
    }

    private static ThreadPoolExecutor pool(int threads, ThreadFactory factory) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Runs an fsync task (a log's commit round or interval flush). */
    void fsync(Runnable task) {
        fsyncs.execute(task);
    }

    /** Where a log's serial completion executor runs. */
    Executor completions() {
        return completions;
    }

    /** Runs {@code task} on an fsync thread after {@code delayNanos}. */
    ScheduledFuture<?> fsyncAfter(long delayNanos, Runnable task) {
        return timer.schedule(() -> fsyncs.execute(task), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Threads alive now (for tests and metrics). */
    public int liveThreads() {
        return fsyncs.getPoolSize() + completions.getPoolSize() + timer.getPoolSize();
    }
}
