package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A {@link PartitionStore} in memory: the same batches, offsets, segments, retention and compaction as {@link
 * PartitionLog}, without files — so nothing survives the process. For tests that want the broker without a disk,
 * and as the second implementation that keeps the interface honest (both pass one contract suite). It rolls
 * segments by {@link LogConfig#segmentBytes()} and {@link LogConfig#segmentAge()} and refuses batches over {@link
 * LogConfig#maxBatchBytes()}, as the file store does; durability settings do not apply (an append completes at
 * once). One lock serializes everything, readers included: simple, and fast enough for what it is for.
 */
public final class MemoryPartitionStore implements PartitionStore {

    private final LogConfig config;
    /** Segments by base offset; the last one is active. Guarded by {@code this}. */
    private final TreeMap<Long, MemorySegment> segments = new TreeMap<>();
    private long nextOffset;
    private boolean closed;

    /** A segment: its batches in offset order, each a read-only buffer holding exactly one stored batch. */
    private static final class MemorySegment {
        final long baseOffset;
        final List<ByteBuffer> batches = new ArrayList<>();
        long sizeInBytes;
        long firstBatchTimeMs;

        MemorySegment(long baseOffset) {
            this.baseOffset = baseOffset;
        }

        void add(ByteBuffer batch, long nowMs) {
            if (batches.isEmpty()) {
                firstBatchTimeMs = nowMs;
            }
            batches.add(batch);
            sizeInBytes += batch.remaining();
        }
    }

    public MemoryPartitionStore(LogConfig config) {
        this.config = config;
        segments.put(0L, new MemorySegment(0));
    }

    /**
     * A new open store holding what this one holds, as if the process had restarted without losing memory: for
     * tests that restart a broker on memory stores. This store is closed first (pending appends are complete by
     * then: every append completes at once).
     */
    public synchronized MemoryPartitionStore reopen() {
        closed = true;
        MemoryPartitionStore copy = new MemoryPartitionStore(config);
        copy.segments.clear();
        segments.forEach((base, segment) -> {
            MemorySegment s = new MemorySegment(base);
            s.batches.addAll(segment.batches);
            s.sizeInBytes = segment.sizeInBytes;
            s.firstBatchTimeMs = segment.firstBatchTimeMs;
            copy.segments.put(base, s);
        });
        copy.nextOffset = nextOffset;
        return copy;
    }

    @Override
    public CompletableFuture<AppendResult> append(ByteBuffer batch) {
        try {
            BatchFormat.validateForAppend(batch, config.maxBatchBytes());
        } catch (InvalidBatchException e) {
            return CompletableFuture.failedFuture(e);
        }
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new LogClosedException("memory store is closed", null));
            }
            int at = batch.position();
            int length = batch.remaining();
            long base = nextOffset;
            long last = base + batch.getInt(at + BatchFormat.LAST_OFFSET_DELTA);
            long nowMs = config.clock().millis();
            MemorySegment active = segments.lastEntry().getValue();
            if (!active.batches.isEmpty() && (active.sizeInBytes + length > config.segmentBytes()
                    || nowMs - active.firstBatchTimeMs >= config.segmentAge().toMillis())) {
                active = new MemorySegment(base);
                segments.put(base, active);
            }
            batch.putLong(at + BatchFormat.BASE_OFFSET, base);
            ByteBuffer copy = ByteBuffer.allocate(length).put(batch.duplicate()).flip();
            active.add(copy.asReadOnlyBuffer(), nowMs);
            nextOffset = last + 1;
            return CompletableFuture.completedFuture(new AppendResult(base, last, nowMs));
        }
    }

    @Override
    public synchronized FetchResult read(long offset, int maxBytes) {
        long first = segments.firstKey();
        if (offset < first || offset > nextOffset) {
            throw new OffsetOutOfRangeException(offset, first, nextOffset);
        }
        for (MemorySegment segment : segments.tailMap(segments.floorKey(offset), true).values()) {
            List<ByteBuffer> found = new ArrayList<>();
            int bytes = 0;
            for (ByteBuffer batch : segment.batches) {
                if (found.isEmpty() && BatchFormat.lastOffset(batch, 0) < offset) {
                    continue;
                }
                if (!found.isEmpty() && bytes + batch.remaining() > maxBytes) {
                    break;
                }
                found.add(batch);
                bytes += batch.remaining();
            }
            if (!found.isEmpty()) {
                ByteBuffer data = ByteBuffer.allocate(bytes);
                found.forEach(b -> data.put(b.duplicate()));
                data.flip();
                return new FetchResult(offset, data, BatchFormat.lastOffset(found.get(found.size() - 1), 0) + 1);
            }
        }
        return new FetchResult(offset, ByteBuffer.allocate(0), nextOffset);
    }

    @Override
    public synchronized OptionalLong offsetForTimestamp(long timestamp) {
        for (RecordBatch batch : allBatches()) {
            if (batch.maxTimestamp() >= timestamp) {
                for (Record record : batch.records()) {
                    if (record.timestamp() >= timestamp) {
                        return OptionalLong.of(record.offset());
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public synchronized OptionalLong offsetForAppendTime(long appendTimeMs) {
        for (RecordBatch batch : allBatches()) {
            if (batch.appendTime() >= appendTimeMs) {
                return OptionalLong.of(batch.baseOffset());
            }
        }
        return OptionalLong.empty();
    }

    private List<RecordBatch> allBatches() {
        List<RecordBatch> all = new ArrayList<>();
        for (MemorySegment segment : segments.values()) {
            segment.batches.forEach(b -> all.add(new RecordBatch(b.duplicate())));
        }
        return all;
    }

    @Override
    public synchronized long firstOffset() {
        return segments.firstKey();
    }

    @Override
    public synchronized long nextOffset() {
        return nextOffset;
    }

    @Override
    public synchronized long sizeInBytes() {
        return segments.values().stream().mapToLong(s -> s.sizeInBytes).sum();
    }

    @Override
    public synchronized long recordCount() {
        return allBatches().stream().mapToLong(RecordBatch::recordCount).sum();
    }

    @Override
    public synchronized List<SegmentInfo> segments() {
        return segments.values().stream().map(s -> new SegmentInfo(s.baseOffset, s.sizeInBytes)).toList();
    }

    @Override
    public synchronized int deleteSegmentsBefore(long offset) {
        checkOpen();
        int deleted = 0;
        while (true) {
            Long next = segments.higherKey(segments.firstKey());
            if (next == null || next > offset) {
                return deleted;
            }
            segments.pollFirstEntry();
            deleted++;
        }
    }

    @Override
    public synchronized CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset)
            throws InterruptedException {
        checkOpen();
        CompactionStats total = CompactionStats.NONE;
        Map.Entry<Long, MemorySegment> active = segments.lastEntry();
        for (MemorySegment segment : new ArrayList<>(segments.headMap(active.getKey(), false).values())) {
            if (segments.higherKey(segment.baseOffset) > belowOffset) {
                break; // this one and every later one may not be rewritten yet
            }
            throttle.acquire((int) segment.sizeInBytes);
            long removed = 0;
            for (ByteBuffer b : segment.batches) {
                removed += new RecordBatch(b.duplicate()).records().stream().filter(r -> !keep.test(r)).count();
            }
            if (removed == 0) {
                total = total.plus(new CompactionStats(0, 0, 0, 0, segment.sizeInBytes));
                continue;
            }
            throttle.acquire((int) segment.sizeInBytes);
            MemorySegment fresh = new MemorySegment(segment.baseOffset);
            fresh.firstBatchTimeMs = segment.firstBatchTimeMs;
            BatchRewriter rewriter = new BatchRewriter(segment.baseOffset,
                    (batch, firstOffset) -> fresh.add(batch.asReadOnlyBuffer(), fresh.firstBatchTimeMs));
            try {
                for (ByteBuffer b : segment.batches) {
                    RecordBatch batch = new RecordBatch(b.duplicate());
                    for (Record r : batch.records()) {
                        if (keep.test(r)) {
                            rewriter.add(r);
                        }
                    }
                    rewriter.covered(batch.lastOffset(), BatchFormat.indexTimestamp(b, 0));
                }
                long end = segments.higherKey(segment.baseOffset);
                rewriter.finish(end - 1);
            } catch (IOException e) {
                throw new AssertionError("a memory sink does no I/O", e);
            }
            segments.put(segment.baseOffset, fresh);
            total = total.plus(new CompactionStats(1, segment.sizeInBytes, fresh.sizeInBytes, removed,
                    2 * segment.sizeInBytes));
        }
        return total;
    }

    @Override
    public synchronized CompletableFuture<Void> flushAsync() {
        if (closed) {
            return CompletableFuture.failedFuture(new LogClosedException("memory store is closed", null));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void flush() {
        checkOpen();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new LogClosedException("memory store is closed", null);
        }
    }

    @Override
    public synchronized String toString() {
        return "MemoryPartitionStore[offsets " + firstOffset() + ".." + nextOffset + "]";
    }
}
