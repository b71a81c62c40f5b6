package io.junction.broker;

import io.junction.log.AppendResult;
import io.junction.log.FetchResult;
import io.junction.log.PartitionStore;
import io.junction.log.RecordBatch;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Idempotent produce by producer id and request sequence, for one partition: remembers, for the station's dedup
 * window, where each request of an idempotent producer was stored on this partition, so that the client's
 * automatic retry of a request (after a timeout or a reconnect) stores nothing again and gets the original
 * receipts. Part of the partition's state ({@link Partition}): used by its owner only, so it takes no lock.
 *
 * <p>A request of producer {@code P} with sequence {@code S} is stored as one batch per partition it touches, each
 * carrying {@code (P, S)} in its header (producer id, base sequence); so this memory is rebuilt from the
 * partition's last window when the station opens — it survives kill -9. Messages of such a request are routed
 * deterministically (key → murmur3; no key → partition {@code S mod partitions}; or the partition named), so a
 * retry finds each message's partition again, and each partition decides for itself whether its part is stored:
 * a request a crash or a full disk stopped after some partitions is completed by its retry.
 *
 * <p>The window is measured on the broker's clock, never by the messages' own timestamps: a request is dated when
 * its batch is appended, which is also the batch's append time ({@link RecordBatch#appendTime()}), and the rebuild
 * dates it by that append time.
 */
final class ProducerSequences {

    record Key(long producerId, int sequence) {
    }

    /** A request's batch on this partition: when it was made, and its append (durable once complete). */
    record Entry(Key key, long atMs, CompletableFuture<AppendResult> stored) {
    }

    private final Map<Key, Entry> byKey = new HashMap<>();
    private final ArrayDeque<Entry> byAge = new ArrayDeque<>();

    /**
     * Rebuilds the memory from the partition's batches appended within the last {@code window} (by the broker's
     * clock: their append times).
     */
    static ProducerSequences rebuild(PartitionStore log, Duration window, long nowMs) {
        ProducerSequences sequences = new ProducerSequences();
        Map<Key, Entry> found = new HashMap<>();
        long oldest = nowMs - window.toMillis();
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
                if (entry == null || batch.appendTime() < entry.atMs()) {
                    found.put(key, new Entry(key, batch.appendTime(), CompletableFuture.completedFuture(
                            new AppendResult(batch.baseOffset(), batch.lastOffset(), batch.appendTime()))));
                }
            }
            offset = result.nextOffset();
        }
        List<Entry> oldestFirst = new ArrayList<>(found.values());
        oldestFirst.sort(Comparator.comparingLong(Entry::atMs));
        for (Entry e : oldestFirst) {
            sequences.byKey.put(e.key(), e);
            sequences.byAge.add(e);
        }
        return sequences;
    }

    /**
     * The request's entry, or null when this partition has not stored it inside the window. Forgets the entries
     * older than {@code window} first (not those still being stored).
     */
    Entry get(Key key, long nowMs, Duration window) {
        while (!byAge.isEmpty() && byAge.peekFirst().atMs() < nowMs - window.toMillis()
                && byAge.peekFirst().stored().isDone()) {
            byKey.remove(byAge.pollFirst().key());
        }
        return byKey.get(key);
    }

    void add(Entry entry) {
        byKey.put(entry.key(), entry);
        byAge.add(entry);
    }

    /** {@code entry}'s append failed: forgotten, so that a retry appends it. */
    void forget(Entry entry) {
        if (byKey.get(entry.key()) == entry) {
            byKey.remove(entry.key());
            byAge.remove(entry);
        }
    }

    /** How many requests this partition remembers. */
    int size() {
        return byKey.size();
    }
}
