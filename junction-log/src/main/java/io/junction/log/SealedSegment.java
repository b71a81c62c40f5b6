package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sealed segment of a {@link PartitionLog} as {@link PartitionLog#sealedSegments()} lists it: for the tiered
 * store, which uploads it and later reads the copy back with {@link SegmentReader}.
 *
 * <p>The files may change under a caller who copies them: compaction replaces {@code logFile}
 * ({@code BASE.log.swap} renamed over it) and rewrites the index files, retention deletes all three. A caller
 * copying them must hold off compaction of this segment (compact with {@code belowOffset} at most this
 * segment's base offset until it is copied: {@link PartitionStore#compact(java.util.function.Predicate, Throttle,
 * long)}) and must tolerate {@link java.nio.file.NoSuchFileException} (retention deleted it: skip it).
 *
 * @param baseOffset the first offset the segment covers
 * @param endOffset exclusive: the next segment's base offset (the last batch ends at {@code endOffset - 1})
 * @param sizeInBytes the bytes of the log file
 * @param lastAppendTimeMs the append time ({@link RecordBatch#appendTime()}) of its last batch, for retention by
 *     age; for a batch rewritten by compaction, its first kept record's timestamp (or, if it kept none, the largest
 *     time-index value it replaced: see docs/log-format.md)
 * @param maxTimestamp the segment's largest time-index value: an upper bound of its records' timestamps and its
 *     batches' append times ({@link BatchFormat#indexTimestamp}), as {@link PartitionStore#offsetForTimestamp}
 *     uses to skip it
 * @param logFile the batches ({@code BASE.log})
 * @param indexFile the sparse offset index ({@code BASE.index}); exists when listed
 * @param timeIndexFile the sparse time index ({@code BASE.timeindex}); exists when listed
 */
public record SealedSegment(long baseOffset, long endOffset, long sizeInBytes, long lastAppendTimeMs,
        long maxTimestamp, Path logFile, Path indexFile, Path timeIndexFile) {

    /**
     * The largest record timestamp in the log file, from its batch headers (read through one buffer, only the
     * headers looked at): tighter than {@link #maxTimestamp}, which also bounds append times — records produced with
     * timestamps older than their append (a backfill) make that one the append time. {@link Long#MIN_VALUE} for a
     * segment with no record.
     *
     * @throws java.nio.file.NoSuchFileException retention removed the segment
     * @throws CorruptBatchException a header whose length does not fit the file
     */
    public long maxRecordTimestamp() throws IOException {
        long max = Long.MIN_VALUE;
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
            long size = channel.size();
            long bufferStart = 0; // the file position of the buffer's first byte
            buffer.limit(0);
            for (long position = 0; position < size; ) {
                int at = (int) (position - bufferStart);
                if (at < 0 || at + BatchFormat.HEADER_SIZE > buffer.limit()) { // the header is not all in the buffer
                    buffer.clear();
                    bufferStart = position;
                    while (buffer.hasRemaining() && channel.read(buffer, bufferStart + buffer.position()) >= 0) {
                        if (bufferStart + buffer.position() >= size) {
                            break;
                        }
                    }
                    buffer.flip();
                    at = 0;
                    if (buffer.limit() < BatchFormat.HEADER_SIZE) {
                        throw new CorruptBatchException("batch header at " + position + " of " + logFile
                                + " ends the file");
                    }
                }
                int length = BatchFormat.length(buffer, at);
                if (length < BatchFormat.HEADER_SIZE || position + length > size) {
                    throw new CorruptBatchException("batch at " + position + " of " + logFile + " has length "
                            + length + ", the file has " + size + " bytes");
                }
                if (buffer.getInt(at + BatchFormat.RECORD_COUNT) > 0) {
                    max = Math.max(max, buffer.getLong(at + BatchFormat.MAX_TIMESTAMP));
                }
                position += length;
            }
        }
        return max;
    }
}
