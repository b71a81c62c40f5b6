package io.junction.log;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs its tasks one at a time, in the order they were given, on a shared executor: a single owner without a
 * thread of its own (a consumer group's commands, a log's completions), so an idle owner costs no thread. At most {@value #BATCH} tasks run in a
 * row before the owner yields its pool thread to others. Each task sees everything the ones before it did (the
 * hand-over from one pool thread to the next goes through {@link #running}). A task that throws is logged by its
 * submitter's wrapper; one that escapes here does not stop the tasks after it.
 *
 * <p>{@link #shutdown()} refuses new tasks ({@link RejectedExecutionException}); those already given still run.
 */
public final class SerialExecutor implements Executor {

    public static final int BATCH = 64;
    private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());

    private final Executor pool;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean shutdown;

    public SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        tasks.add(task);
        schedule();
    }

    public void shutdown() {
        shutdown = true;
    }

    private void schedule() {
        if (running.compareAndSet(false, true)) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                running.set(false); // the pool is shut down: it takes nothing more
                throw e;
            }
        }
    }

    private void drain() {
        try {
            for (int i = 0; i < BATCH; i++) {
                Runnable task = tasks.poll();
                if (task == null) {
                    break;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "a serial task failed", e);
                }
            }
        } finally {
            running.set(false);
            if (!tasks.isEmpty()) {
                try {
                    schedule();
                } catch (RejectedExecutionException closing) {
                    // the pool is shut down: what is left is not run
                }
            }
        }
    }
}
