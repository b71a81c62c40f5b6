package io.junction.log;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * What the broker needs of a partition's storage: an ordered, append-only sequence of record batches with
 * offsets, read back whole, trimmed from the front in whole segments (retention) and compacted in place (offsets
 * kept). {@link PartitionLog} keeps it in files with fsync and crash recovery; {@link MemoryPartitionStore} keeps
 * it in memory (tests, and the shape a replicated store takes later: a Raft log applies committed entries to a
 * store like this one). Both pass one shared contract suite ({@code PartitionStoreContract} in the tests), which
 * is what this interface promises; anything else (files, recovery, durability modes) belongs to an
 * implementation.
 *
 * <h2>The contract</h2>
 * <ul>
 *   <li>{@link #append} assigns the batch the next offsets (dense: a batch of n records takes n offsets) and
 *       completes once the batch is as durable as the store makes anything; a refused batch stores nothing.
 *       Completions come in append order.</li>
 *   <li>{@link #read} returns whole batches as stored, starting with the one holding the offset, never a partial
 *       or corrupt one, and never a batch whose append has not completed (in {@code FSYNC} mode) or been written.
 *   </li>
 *   <li>The first offset only moves forward ({@link #deleteSegmentsBefore}); the next offset only moves forward
 *       (appends). Compaction removes records, never offsets: a read sees gaps, never a hole.</li>
 *   <li>One writer at a time (appends, retention, compaction and close are serialized by the store); any number
 *       of readers, concurrently with the writer.</li>
 * </ul>
 */
public interface PartitionStore extends AutoCloseable {

    /**
     * Appends one batch in the stored layout ({@link BatchFormat}, as {@link RecordBatchBuilder} builds it); the
     * store writes its base offset into the buffer and takes ownership of it.
     *
     * @return completed with the batch's offsets once stored; exceptionally with {@link InvalidBatchException}
     *     (nothing stored), {@link LogClosedException}, {@link DiskFullException} or {@link LogException}
     */
    CompletableFuture<AppendResult> append(java.nio.ByteBuffer batch);

    /** Appends the batch a builder holds; see {@link #append(java.nio.ByteBuffer)}. */
    default CompletableFuture<AppendResult> append(RecordBatchBuilder builder) {
        return append(builder.build());
    }

    /**
     * Whole batches from the one that holds {@code offset}: at least that batch, then as many following batches
     * as fit in {@code maxBytes}. The first batch may start before {@code offset} ({@link FetchResult#records()}
     * skips those records); reading at the next offset returns an empty result.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the first or above the next offset
     */
    FetchResult read(long offset, int maxBytes);

    /**
     * As {@link #read}, without waiting for slow storage: null when the batches at {@code offset} are not at hand
     * yet (a tiered store fetching a segment back from its object store; it tells its owner when they are). A
     * store that is all local reads at once.
     */
    default FetchResult tryRead(long offset, int maxBytes) {
        return read(offset, maxBytes);
    }

    /** The offset of the first readable record whose timestamp is at least {@code timestamp}; empty if none. */
    OptionalLong offsetForTimestamp(long timestamp);

    /**
     * The base offset of the first readable batch whose append time ({@link RecordBatch#appendTime()}) is at
     * least {@code appendTimeMs}; empty if none. Exact: no batch before it was appended at or after that time.
     */
    OptionalLong offsetForAppendTime(long appendTimeMs);

    /**
     * Where retention by record timestamp may cut: at or before {@link #offsetForTimestamp}'s answer and in the same
     * segment, found without slow storage (a tiered store answers a remote segment's start from its manifest, where
     * the exact answer would download the segment). Retention removes whole segments below the offset it is given,
     * so it cuts the same with either answer.
     */
    default OptionalLong segmentForTimestamp(long timestamp) {
        return offsetForTimestamp(timestamp);
    }

    /** As {@link #segmentForTimestamp}, by append time ({@link #offsetForAppendTime}). */
    default OptionalLong segmentForAppendTime(long appendTimeMs) {
        return offsetForAppendTime(appendTimeMs);
    }

    /** The first offset still held (the oldest segment's base offset). */
    long firstOffset();

    /** One past the last readable record: the offset the next append gets, as readers see it. */
    long nextOffset();

    /** The bytes the batches take, all segments together. */
    long sizeInBytes();

    /** The records held (fewer than the offset range once compacted). */
    long recordCount();

    /** The segments, oldest first; the last one is the active one (never deleted nor compacted): a snapshot. */
    List<SegmentInfo> segments();

    /** How many segments there are (the active one included). */
    default int segmentCount() {
        return segments().size();
    }

    /** A segment as retention sees it: where it starts and how many bytes it holds. */
    record SegmentInfo(long baseOffset, long sizeInBytes) {
    }

    /**
     * Removes every segment whose records all lie below {@code offset}; never the active one, so retention works
     * in whole segments. Readers in the middle of a removed segment finish their read.
     *
     * @return the number of segments removed
     */
    int deleteSegmentsBefore(long offset);

    /**
     * Rewrites every sealed segment holding a record {@code keep} rejects, without those records; offsets,
     * timestamps, keys, values and headers of the others unchanged.
     *
     * @param keep asked per record in offset order, possibly more than once per record: it must answer the same
     * @param throttle limits the bytes read per second
     */
    default CompactionStats compact(Predicate<Record> keep, Throttle throttle) throws InterruptedException {
        return compact(keep, throttle, Long.MAX_VALUE);
    }

    /**
     * As {@link #compact(Predicate, Throttle)}, but rewrites only the sealed segments whose end offset (the next
     * segment's base offset) is at most {@code belowOffset}; every other segment stays byte for byte. The tiered
     * store passes the end of what it has uploaded, so that no segment is rewritten before its copy is made.
     */
    CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset) throws InterruptedException;

    /**
     * Completed once everything appended before the call is durable (group commit: one fsync may serve many
     * callers); futures complete in the order they were asked for.
     */
    CompletableFuture<Void> flushAsync();

    /** Makes everything appended so far durable before returning. */
    void flush();

    /** Makes pending appends durable and releases the store; appends fail afterwards. Idempotent. */
    @Override
    void close();
}
