package io.junction.broker.internal.station;

import io.junction.log.AppendResult;
import io.junction.log.LogClosedException;
import io.junction.log.PartitionStore;
import io.junction.log.RecordBatchBuilder;
import io.junction.log.SerialExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * One partition of a station as a single-writer state machine: every change to its log — an append — is a command
 * applied in submission order by one owner, a {@link SerialExecutor} on the broker's shared partition threads (an
 * idle partition costs no thread). The owner never waits for the disk: the store completes an append once it is
 * durable, on the flusher's completion threads, and the answer goes on from there. Readers (groups, retention,
 * info) read the store directly: it serves any number of them beside its one writer.
 *
 * <p>This is the seam replication goes into: a Raft log (PRODUCT.md) orders these same commands before they are
 * applied, on every replica, to the same {@link PartitionStore}. Not inside the state machine, on purpose: the dedup
 * window's memory — msg-ids ({@link Deduplicator}: the product promises them per station, and a keyless message's
 * retry may land on another partition) and idempotent producers' requests ({@link ProducerSequences}: one entry per
 * request with a base offset per partition; kept per partition, it took an entry per request and partition: 16
 * where one does for a request spread over 16 partitions) — is claimed station-wide before the commands are given,
 * and rebuilt from the logs on open, so it is derived state a replica can rebuild too; retention and compaction (each
 * store's own upkeep, under its maintenance lock); and consumer groups, state machines of their own with their own
 * owner and journal.
 */
final class Partition {

    private final String name;
    private final PartitionStore store;
    private final SerialExecutor owner;

    Partition(String name, PartitionStore store, SerialExecutor owner) {
        this.name = name;
        this.store = store;
        this.owner = owner;
    }

    PartitionStore store() {
        return store;
    }

    /** Appends {@code batch}; completes once it is durable. */
    CompletableFuture<AppendResult> append(RecordBatchBuilder batch) {
        return command(() -> store.append(batch));
    }

    /**
     * Refuses further commands, lets those already given run (their appends are stored, not refused), then closes
     * the store (which waits for their fsyncs). Called by the station, never by the owner.
     */
    void close() {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        try {
            owner.execute(() -> drained.complete(null));
            owner.shutdown();
            drained.join();
        } catch (RejectedExecutionException alreadyStopped) {
            owner.shutdown(); // closed before, or the shared pool is gone: nothing more runs
        }
        store.close();
    }

    /** Runs {@code command} on the owner; its future's outcome (or what it threw) becomes the answer. */
    private <T> CompletableFuture<T> command(Supplier<CompletableFuture<T>> command) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            owner.execute(() -> {
                try {
                    command.get().whenComplete((value, error) -> {
                        if (error != null) {
                            answer.completeExceptionally(error);
                        } else {
                            answer.complete(value);
                        }
                    });
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(new LogClosedException(name + " is closed", e));
        }
        return answer;
    }

    @Override
    public String toString() {
        return name;
    }
}
