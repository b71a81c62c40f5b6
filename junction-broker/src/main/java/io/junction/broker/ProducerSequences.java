package io.junction.broker;

import io.junction.log.FetchResult;
import io.junction.log.PartitionStore;
import io.junction.log.RecordBatch;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

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
     * Rebuilds the memory from the batches of every partition appended within the last {@code window} (by the
     * broker's clock: their append times), each request dated by the earliest append time of its batches.
     */
    static ProducerSequences rebuild(PartitionStore[] logs, Duration window, long nowMs) {
        ProducerSequences sequences = new ProducerSequences(logs.length);
        Map<Key, Entry> found = new HashMap<>();
        long oldest = nowMs - window.toMillis();
        for (int p = 0; p < logs.length; p++) {
            PartitionStore log = logs[p];
            OptionalLong from = log.offsetForAppendTime(oldest);
            long offset = from.isPresent() ? from.getAsLong() : log.nextOffset();
            while (offset < log.nextOffset()) {
                FetchResult result = log.read(offset, 1 << 20);
                for (RecordBatch batch : result.batches()) {
                    if (batch.producerId() < 0 || batch.appendTime() < oldest) {
                        continue; // or before the window: append times are only nearly in offset order
                    }
                    Key key = new Key(batch.producerId(), batch.baseSequence());
                    Entry entry = found.get(key);
                    if (entry == null || batch.appendTime() < entry.atMs) { // dated by its earliest batch
                        Entry earlier = new Entry(key, batch.appendTime(), logs.length);
                        if (entry != null) {
                            System.arraycopy(entry.bases, 0, earlier.bases, 0, logs.length);
                        }
                        entry = earlier;
                        found.put(key, entry);
                    }
                    entry.bases[p] = batch.baseOffset();
                }
                offset = result.nextOffset();
            }
        }
        found.values().stream().sorted((a, b) -> Long.compare(a.atMs, b.atMs)).forEach(e -> {
            sequences.byKey.put(e.key, e);
            sequences.byAge.add(e);
        });
        return sequences;
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
