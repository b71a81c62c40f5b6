package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Predicate;

/**
 * Compaction's first half, off the log's locks: reads a sealed segment (throttled), and when {@code keep} rejects
 * any of its records, writes the kept ones to {@code BASE.log.cleaned} with a fresh index, fsyncs it and renames it
 * to {@code BASE.log.swap} — a whole, durable rewrite that recovery finishes installing after a crash
 * ({@link LogRecovery}). The second half, swapping it in under the write lock, is {@link PartitionLog}'s.
 */
final class SegmentCleaner {

    /**
     * The outcome for one segment: {@code swap} is null when nothing was to go (then only {@code stats.bytesRead}
     * counts).
     */
    record Cleaned(Path swap, SegmentIndex index, long nextOffset, long recordsKept, CompactionStats stats) {
    }

    private interface BatchVisitor {
        void visit(RecordBatch batch) throws IOException;
    }

    private SegmentCleaner() {
    }

    static Cleaned clean(Segment segment, Predicate<Record> keep, Throttle throttle, Path dir, LogConfig config,
            ChannelOpener opener) throws IOException, InterruptedException {
        long base = segment.baseOffset;
        long end = segment.nextOffset();
        int size = segment.size();
        long[] removed = {0};
        long read = forEachBatch(segment, size, throttle, batch -> {
            for (Record r : batch.records()) {
                if (!keep.test(r)) {
                    removed[0]++;
                }
            }
        });
        if (removed[0] == 0) {
            return new Cleaned(null, null, end, 0, new CompactionStats(0, 0, 0, 0, read));
        }
        Path target = LogFiles.logFile(dir, base);
        Path cleaned = LogFiles.withSuffix(target, LogFiles.CLEANED_SUFFIX);
        Path swap = LogFiles.withSuffix(target, LogFiles.SWAP_SUFFIX);
        Files.deleteIfExists(cleaned);
        SegmentIndex index = new SegmentIndex(config.indexIntervalBytes());
        long[] kept = {0};
        long written;
        try (FileChannel out = opener.open(cleaned, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long[] position = {0};
            BatchRewriter rewriter = new BatchRewriter(base, (batch, start) -> {
                int length = batch.remaining();
                long at = position[0];
                while (batch.hasRemaining()) {
                    at += out.write(batch, at);
                }
                index.onBatch((int) (start - base), (int) position[0], length, BatchFormat.indexTimestamp(batch, 0));
                position[0] += length;
            });
            read += forEachBatch(segment, size, throttle, batch -> {
                for (Record r : batch.records()) {
                    if (keep.test(r)) {
                        rewriter.add(r);
                        kept[0]++;
                    }
                }
                rewriter.covered(batch.lastOffset(), BatchFormat.indexTimestamp(batch.bytes(), 0));
            });
            rewriter.finish(end - 1);
            out.force(true);
            written = position[0];
        }
        index.seal();
        Files.move(cleaned, swap, StandardCopyOption.ATOMIC_MOVE);
        LogFiles.fsyncDirectory(dir);
        return new Cleaned(swap, index, end, kept[0], new CompactionStats(1, size, written, removed[0], read));
    }

    /** Reads every batch of a sealed segment in order, throttled; returns the bytes read. */
    private static long forEachBatch(Segment segment, int size, Throttle throttle, BatchVisitor visitor)
            throws IOException, InterruptedException {
        int position = 0;
        while (position < size) {
            ByteBuffer data = segment.readBatches(position, 1 << 20, size);
            if (!data.hasRemaining()) {
                throw new CorruptBatchException("segment " + segment + " ends in a partial batch at " + position);
            }
            throttle.acquire(data.limit());
            for (RecordBatch batch : FetchResult.split(data)) {
                visitor.visit(batch);
            }
            position += data.limit();
        }
        return size;
    }
}
