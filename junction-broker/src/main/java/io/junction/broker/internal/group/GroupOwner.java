package io.junction.broker.internal.group;

import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;
import io.junction.log.SerialExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * The way into a group's owner: every command on the group's state runs on the group's {@link SerialExecutor} —
 * one at a time, in the order given, on any thread of the broker's shared group pool — and is handed to it here:
 * to run and be forgotten ({@link #submit}), to wait for its answer ({@link #call}), or to complete a future of
 * the caller's ({@link #tryExecute}). Once the group is closed its executor refuses commands: a submitted one is
 * dropped (late commands of members have nothing left to act on), a call fails with SHUTTING_DOWN.
 *
 * <p>Thread-safe: any thread hands commands over; the commands themselves run on the owner only.
 */
final class GroupOwner {

    private static final System.Logger LOG = System.getLogger(ConsumerGroup.class.getName());

    private final SerialExecutor executor;
    private final String groupName;
    private final String stationName;

    GroupOwner(SerialExecutor executor, String groupName, String stationName) {
        this.executor = executor;
        this.groupName = groupName;
        this.stationName = stationName;
    }

    /** Runs {@code command} on the owner; a command that fails is logged, and the group goes on. */
    void submit(Runnable command) {
        tryExecute(() -> {
            try {
                command.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "group " + groupName + " of station " + stationName + " failed a "
                        + "command", e);
            }
        });
    }

    /**
     * Runs {@code command} on the owner and returns its answer.
     *
     * @throws BrokerException the command's own; SHUTTING_DOWN when the group is closed; INTERNAL for any other
     */
    <T> T call(Callable<T> command) {
        FutureTask<T> result = new FutureTask<>(command);
        if (!tryExecute(result)) {
            throw closed();
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException(ErrorCode.INTERNAL, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BrokerException b) {
                throw b;
            }
            throw new BrokerException(ErrorCode.INTERNAL, "group '" + groupName + "': " + e.getCause(), e.getCause());
        }
    }

    /** Hands {@code command} to the owner as it is; false when the group is closed (it will never run). */
    boolean tryExecute(Runnable command) {
        try {
            executor.execute(command);
            return true;
        } catch (RejectedExecutionException closedAlready) {
            return false;
        }
    }

    /** What a command of a closed group fails with. */
    BrokerException closed() {
        return new BrokerException(ErrorCode.SHUTTING_DOWN, "group '" + groupName + "' is closed");
    }

    /** After the group's last command: the executor refuses any other. */
    void shutdown() {
        executor.shutdown();
    }
}
