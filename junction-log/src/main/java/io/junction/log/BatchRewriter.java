package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Compaction's writer, shared by the stores: takes the kept records of one segment in offset order and hands its
 * sink batches of about {@link #BATCH_BYTES}, each covering the offsets from the end of the previous one to the
 * last input batch it took records from, so the rewritten segment has no hole in its offsets (a batch may even
 * hold no record at all, when everything it covers was dropped).
 */
final class BatchRewriter {

    /** The size aimed at for the batches written. */
    static final int BATCH_BYTES = 64 * 1024;

    /** Receives each finished batch and the first offset it covers. */
    interface Sink {
        void write(ByteBuffer batch, long firstOffset) throws IOException;
    }

    private final Sink sink;
    private RecordBatchBuilder builder;
    private long start;
    private long coveredMaxTimestamp = Long.MIN_VALUE;

    BatchRewriter(long segmentBase, Sink sink) {
        this.sink = sink;
        this.start = segmentBase;
    }

    void add(Record record) {
        if (builder == null) {
            builder = RecordBatchBuilder.rewrite(start);
        }
        builder.addCopy(record);
    }

    /** An input batch ending at {@code lastOffset}, of time-index value {@code indexTimestamp}, was read whole. */
    void covered(long lastOffset, long indexTimestamp) throws IOException {
        coveredMaxTimestamp = Math.max(coveredMaxTimestamp, indexTimestamp);
        if (builder != null && builder.sizeInBytes() >= BATCH_BYTES) {
            write(lastOffset);
        }
    }

    /** The segment's input ended at {@code lastOffset}: writes what is left (an empty batch covers a dropped tail). */
    void finish(long lastOffset) throws IOException {
        if (start <= lastOffset) {
            write(lastOffset);
        }
    }

    private void write(long lastOffset) throws IOException {
        RecordBatchBuilder b = builder != null ? builder : RecordBatchBuilder.rewrite(start);
        sink.write(b.buildRewritten(lastOffset, coveredMaxTimestamp), start);
        start = lastOffset + 1;
        builder = null;
        coveredMaxTimestamp = Long.MIN_VALUE;
    }
}
