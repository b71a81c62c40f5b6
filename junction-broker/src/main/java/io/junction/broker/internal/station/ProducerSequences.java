package io.junction.broker.internal.station;

import io.junction.log.RecordBatch;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjIntConsumer;

/**
 * Idempotent produce by producer id and request sequence: remembers, for the station's dedup window, where each
 * request of an idempotent producer was stored, so that the client's automatic retry of a request (after a
 * timeout or a reconnect) stores nothing again and gets the original receipts.
 *
 * <p>A request of producer {@code P} with sequence {@code S} is stored as one batch per partition it touches, each
 * batch carrying {@code (P, S)} in its header (producer id, base sequence); so this memory is rebuilt from the
 * partitions' last window when the station opens — it survives kill -9. Messages of such a request are routed
 * deterministically (key → murmur3; no key → partition {@code S mod partitions}; or the partition named), so a
 * retry finds each message's partition again, and its offset is its batch's base offset plus its rank among the
 * request's messages of that partition.
 *
 * <p>A request whose batches were stored on some partitions only (a crash or a full disk in between) is completed
 * by its retry: only the missing partitions are appended.
 *
 * <p>The window is measured on the broker's clock, never by the messages' own timestamps: a request is dated when
 * its entry is made, its batches are stored with the broker's time as their append time ({@link
 * RecordBatch#appendTime()}), and the rebuild dates a request by the earliest append time of its batches.
 *
 * <p>Thread-safe: one lock; appends happen outside it.
 */
final class ProducerSequences {

    record Key(long producerId, int sequence) {
    }

    /** One request: the base offset of its batch on each partition (-1: not stored), and its pending store. */
    static final class Entry {
        final Key key;
        final long atMs;
        final long[] bases;
        /** Completes when the store in progress ends (either way); null when none is in progress. */
        CompletableFuture<Void> storing;

        Entry(Key key, long atMs, int partitions) {
            this.key = key;
            this.atMs = atMs;
            this.bases = new long[partitions];
            Arrays.fill(bases, -1);
        }
    }

    private final Map<Key, Entry> byKey = new HashMap<>();
    private final ArrayDeque<Entry> byAge = new ArrayDeque<>();
    private final int partitions;

    private ProducerSequences(int partitions) {
        this.partitions = partitions;
    }

    /**
     * Rebuilds the memory from the batches of the dedup window ({@link DedupWindow#scan}), each request dated by
     * the earliest append time of its batches.
     */
    static final class Rebuild implements ObjIntConsumer<RecordBatch> {
        private final int partitions;
        private final Map<Key, Entry> found = new HashMap<>();

        Rebuild(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public void accept(RecordBatch batch, int partition) {
            if (batch.producerId() < 0) {
                return; // not from an idempotent producer
            }
            Key key = new Key(batch.producerId(), batch.baseSequence());
            Entry entry = found.get(key);
            if (entry == null || batch.appendTime() < entry.atMs) { // dated by its earliest batch
                Entry earlier = new Entry(key, batch.appendTime(), partitions);
                if (entry != null) {
                    System.arraycopy(entry.bases, 0, earlier.bases, 0, partitions);
                }
                entry = earlier;
                found.put(key, entry);
            }
            entry.bases[partition] = batch.baseOffset();
        }

        ProducerSequences done() {
            ProducerSequences sequences = new ProducerSequences(partitions);
            found.values().stream().sorted((a, b) -> Long.compare(a.atMs, b.atMs)).forEach(e -> {
                sequences.byKey.put(e.key, e);
                sequences.byAge.add(e);
            });
            return sequences;
        }
    }

    /**
     * The request's entry, made when missing. Forgets entries older than {@code window} first.
     */
    synchronized Entry entry(Key key, long nowMs, Duration window) {
        while (!byAge.isEmpty() && byAge.peekFirst().atMs < nowMs - window.toMillis()
                && byAge.peekFirst().storing == null) {
            byKey.remove(byAge.pollFirst().key);
        }
        Entry entry = byKey.get(key);
        if (entry == null) {
            entry = new Entry(key, nowMs, partitions);
            byKey.put(key, entry);
            byAge.add(entry);
        }
        return entry;
    }

    /**
     * Claims the store of {@code entry}'s missing partitions among {@code used}: returns those partitions (empty:
     * everything is stored) and marks the entry as storing; or, when another store is in progress, returns null
     * and the caller waits for {@link Entry#storing} and tries again.
     */
    synchronized boolean[] claimMissing(Entry entry, boolean[] used) {
        if (entry.storing != null) {
            return null;
        }
        boolean[] missing = new boolean[partitions];
        boolean any = false;
        for (int p = 0; p < partitions; p++) {
            missing[p] = used[p] && entry.bases[p] < 0;
            any |= missing[p];
        }
        if (any) {
            entry.storing = new CompletableFuture<>();
        }
        return missing;
    }

    /** The store of {@code entry} ended: records the base offsets stored (-1 for a partition that failed). */
    void stored(Entry entry, long[] bases) {
        CompletableFuture<Void> storing;
        synchronized (this) {
            for (int p = 0; p < partitions; p++) {
                if (bases[p] >= 0) {
                    entry.bases[p] = bases[p];
                }
            }
            storing = entry.storing;
            entry.storing = null;
        }
        if (storing != null) {
            storing.complete(null);
        }
    }

    synchronized CompletableFuture<Void> storing(Entry entry) {
        return entry.storing;
    }

    synchronized long base(Entry entry, int partition) {
        return entry.bases[partition];
    }

    /** How many producer requests are remembered. */
    synchronized int size() {
        return byKey.size();
    }
}
