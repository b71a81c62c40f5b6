package io.junction.broker.internal.station;

import io.junction.broker.Receipt;
import io.junction.log.Header;
import io.junction.log.Record;
import io.junction.log.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjIntConsumer;

/**
 * Idempotent produce by msg-id: remembers, for the station's dedup window, where each msg-id was stored, so a
 * retried message is not stored again and gets the original's receipt. The msg-id travels with the message as
 * the header {@value #MSG_ID_HEADER} (the {@code junction-} prefix is reserved to the broker), so the memory
 * is rebuilt from the log when the station opens — it survives a clean stop and kill -9 alike.
 *
 * <p>The window is measured on the broker's clock, never by the messages' own timestamps (a producer may date
 * them in the past or the future): a msg-id is dated when it is claimed, and its batch is stored with that same
 * time as its append time ({@link RecordBatch#appendTime()}), from which the rebuild dates it again.
 *
 * <p>A msg-id is claimed before its message is appended (a pending receipt), so two producers racing with the
 * same msg-id store it once: the second waits for the first's receipt. A failed append releases its claims.
 *
 * <p>Thread-safe: one lock; appends happen outside it.
 */
public final class Deduplicator {

    static final String MSG_ID_HEADER = "junction-msg-id";
    static final int MAX_MSG_ID_BYTES = 256;

    private record Entry(String msgId, long atMs, CompletableFuture<Receipt> receipt) {
    }

    private final Map<String, Entry> byId = new HashMap<>();
    private final ArrayDeque<Entry> byAge = new ArrayDeque<>();

    /**
     * Rebuilds the memory from the batches of the dedup window ({@link DedupWindow#scan}), each msg-id dated by its
     * batch's append time.
     */
    static final class Rebuild implements ObjIntConsumer<RecordBatch> {
        private final List<Entry> found = new ArrayList<>();

        @Override
        public void accept(RecordBatch batch, int partition) {
            for (Record record : batch.records()) {
                String msgId = msgIdOf(record);
                if (msgId != null) {
                    found.add(new Entry(msgId, batch.appendTime(),
                            CompletableFuture.completedFuture(new Receipt(partition, record.offset()))));
                }
            }
        }

        Deduplicator done() {
            Deduplicator dedup = new Deduplicator();
            found.sort(Comparator.comparingLong(Entry::atMs));
            for (Entry e : found) {
                dedup.byId.put(e.msgId(), e);
                dedup.byAge.add(e);
            }
            return dedup;
        }
    }

    public static String msgIdOf(Record record) {
        for (Header h : record.headers()) {
            if (h.key().equals(MSG_ID_HEADER) && h.value() != null) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /**
     * For each msg-id (null entries are skipped): the receipt of the message already stored (or being stored)
     * with it, or — when none is remembered — a new pending receipt that this caller now owns and must
     * complete once stored, or {@link #release} when the append failed. {@code owned[i]} says which.
     */
    synchronized List<CompletableFuture<Receipt>> claim(List<String> msgIds, long nowMs, Duration window,
            boolean[] owned) {
        expire(nowMs, window);
        List<CompletableFuture<Receipt>> receipts = new ArrayList<>(msgIds.size());
        for (int i = 0; i < msgIds.size(); i++) {
            String id = msgIds.get(i);
            if (id == null) {
                receipts.add(null);
                continue;
            }
            Entry existing = byId.get(id);
            if (existing != null) {
                receipts.add(existing.receipt());
                continue;
            }
            Entry claimed = new Entry(id, nowMs, new CompletableFuture<>());
            byId.put(id, claimed);
            byAge.add(claimed);
            owned[i] = true;
            receipts.add(claimed.receipt());
        }
        return receipts;
    }

    /** The claimed messages were not stored: forget them, so a retry can store them. */
    synchronized void release(List<String> msgIds, Throwable why) {
        for (String id : msgIds) {
            Entry e = byId.remove(id);
            if (e != null) {
                e.receipt().completeExceptionally(why);
            }
        }
    }

    private void expire(long nowMs, Duration window) {
        long oldest = nowMs - window.toMillis();
        while (!byAge.isEmpty() && byAge.peek().atMs() < oldest) {
            Entry e = byAge.poll();
            if (byId.get(e.msgId()) == e && e.receipt().isDone()) {
                byId.remove(e.msgId());
            }
        }
    }

    synchronized int size() {
        return byId.size();
    }
}
