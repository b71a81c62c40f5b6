package io.junction.broker;

import io.junction.log.AppendResult;
import io.junction.log.LogClosedException;
import io.junction.log.PartitionStore;
import io.junction.log.RecordBatchBuilder;
import io.junction.log.SerialExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * One partition of a station as a single-writer state machine: every change to it — an append, with the
 * idempotent producers' sequences it checks and records ({@link ProducerSequences}) — is a command applied in
 * submission order by one owner, a {@link SerialExecutor} on the broker's shared partition threads (an idle
 * partition costs no thread). The owner never waits for the disk: the store completes an append once it is
 * durable, on the flusher's completion threads, and the answer goes on from there. Readers (groups, retention,
 * info) read the store directly: it serves any number of them beside its one writer.
 *
 * <p>This is the seam replication goes into: a Raft log (PRODUCT.md) orders these same commands before they are
 * applied, on every replica, to the same {@link PartitionStore}. What the partition derives from its log (the
 * producers' sequences) is rebuilt from it on open. Not inside the state machine, on purpose: msg-id dedup, which
 * the product promises per station rather than per partition (the {@link Deduplicator} claims msg-ids before the
 * commands are given; it too is rebuilt from the logs), retention and compaction (each replica's own upkeep, under
 * the store's maintenance lock), and consumer groups, which are state machines of their own with their own owner
 * and journal.
 */
final class Partition {

    /** Where a request's batch is on this partition, and whether this command stored it (false: a retry). */
    record Stored(long baseOffset, boolean fresh) {
    }

    private final String name;
    private final PartitionStore store;
    private final SerialExecutor owner;
    /** The idempotent producers' requests stored here inside the window. Owner only. */
    private final ProducerSequences sequences;

    /** Rebuilds the producers' sequences of the last {@code window} from {@code store}. */
    Partition(String name, PartitionStore store, SerialExecutor owner, Duration window, long nowMs) {
        this.name = name;
        this.store = store;
        this.owner = owner;
        this.sequences = ProducerSequences.rebuild(store, window, nowMs);
    }

    PartitionStore store() {
        return store;
    }

    /** Appends {@code batch}; completes once it is durable. */
    CompletableFuture<AppendResult> append(RecordBatchBuilder batch) {
        return command(() -> store.append(batch));
    }

    /**
     * Appends the batch of an idempotent producer's request {@code (producerId, sequence)} unless this partition
     * stored it inside {@code window}: then answers with where it is ({@link Stored#fresh()} false). A retry that
     * comes while the first try is being stored waits for it, and fails if it fails (the client retries again, and
     * that retry appends). {@code batch} is built only when it is appended.
     */
    CompletableFuture<Stored> appendOnce(long producerId, int sequence, long nowMs, Duration window,
            Supplier<RecordBatchBuilder> batch) {
        return command(() -> {
            ProducerSequences.Key key = new ProducerSequences.Key(producerId, sequence);
            ProducerSequences.Entry known = sequences.get(key, nowMs, window);
            if (known != null) {
                return known.stored().thenApply(r -> new Stored(r.baseOffset(), false));
            }
            CompletableFuture<AppendResult> stored = store.append(batch.get());
            ProducerSequences.Entry entry = new ProducerSequences.Entry(key, nowMs, stored);
            sequences.add(entry);
            stored.whenComplete((r, error) -> {
                if (error != null) {
                    forgetLater(entry);
                }
            });
            return stored.thenApply(r -> new Stored(r.baseOffset(), true));
        });
    }

    private void forgetLater(ProducerSequences.Entry entry) {
        try {
            owner.execute(() -> sequences.forget(entry));
        } catch (RejectedExecutionException closed) {
            // the partition closed: its memory goes with it
        }
    }

    /** The idempotent producers' requests remembered, as rebuilt on open (read before the first command). */
    int rememberedRequests() {
        return sequences.size();
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
