package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads one segment file that was copied out of its log: a sealed segment the tiered store uploaded and
 * downloaded back into a cache directory. The file may have any name; its base and end offsets come from the
 * caller (the tier's metadata, {@link SealedSegment}), and the file must prove them.
 *
 * <p>{@link #open} verifies the whole file before anything is read: every batch whole, magic, reserved byte,
 * CRC32C, base offsets contiguous from the base offset (compacted segments too: a rewritten batch covers the
 * offsets of the records it dropped), the last batch ending exactly at {@code endOffset - 1} and nothing after
 * it — the check {@link PartitionLog}'s recovery runs on its last segment ({@code Segment.verify}), so a copy
 * that is truncated, padded, bit-flipped or labelled with the wrong offsets fails at open with
 * {@link CorruptBatchException}. The sparse index ({@link SegmentIndex}) is built in memory on the way; the copy's
 * index files are not needed. Reads then go through the log's own read path ({@code Segment.readFrom}), which
 * still checks each batch's CRC: the file is treated as immutable, and a rot after open still never yields a
 * wrong record.
 *
 * <p>Threads: thread-safe. Reads are positional on one read-only channel and take no lock; {@link #close} lets
 * reads in progress finish, then closes the file. The file is held open until then, outside any {@link
 * OpenFiles} budget (the cache that owns the file bounds how many readers it keeps).
 */
public final class SegmentReader implements AutoCloseable {

    /** Readers keep their file open: a budget that never closes one. */
    private static final OpenFiles UNBOUNDED = new OpenFiles(Integer.MAX_VALUE);

    private final Path file;
    private final Segment segment;
    private final long endOffset;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SegmentReader(Path file, Segment segment, long endOffset) {
        this.file = file;
        this.segment = segment;
        this.endOffset = endOffset;
    }

    /**
     * Opens and verifies {@code logFile}, a copy of the sealed segment covering [{@code baseOffset},
     * {@code endOffset}), indexing it every {@link LogConfig#DEFAULT_INDEX_INTERVAL_BYTES} bytes.
     *
     * @throws CorruptBatchException naming the file and position when the file is not exactly that segment
     * @throws java.nio.file.NoSuchFileException when the file is not there
     * @throws IllegalArgumentException when {@code endOffset} is below {@code baseOffset}
     */
    public static SegmentReader open(Path logFile, long baseOffset, long endOffset) throws IOException {
        return open(logFile, baseOffset, endOffset, LogConfig.DEFAULT_INDEX_INTERVAL_BYTES);
    }

    /** As {@link #open(Path, long, long)}, with an index entry every {@code indexIntervalBytes} of batches. */
    public static SegmentReader open(Path logFile, long baseOffset, long endOffset, int indexIntervalBytes)
            throws IOException {
        if (endOffset < baseOffset || baseOffset < 0) {
            throw new IllegalArgumentException("segment offsets [" + baseOffset + ", " + endOffset + ") of "
                    + logFile + " are not a range");
        }
        if (indexIntervalBytes < 1) {
            throw new IllegalArgumentException("indexIntervalBytes must be positive, was " + indexIntervalBytes);
        }
        Segment segment = Segment.openReadOnly(UNBOUNDED, logFile, baseOffset, indexIntervalBytes);
        try {
            segment.verify(endOffset);
        } catch (IOException | RuntimeException e) {
            segment.close();
            throw e;
        }
        return new SegmentReader(logFile, segment, endOffset);
    }

    public long baseOffset() {
        return segment.baseOffset;
    }

    /** Exclusive: one past the last offset the segment covers. */
    public long endOffset() {
        return endOffset;
    }

    public long sizeInBytes() {
        return segment.size();
    }

    /**
     * As {@link PartitionStore#read}: whole batches from the one holding {@code offset} (or, across a compaction
     * gap, the first after it), at least one, then as many as fit in {@code maxBytes}. Reading at the end offset
     * returns an empty result whose next offset is the end offset.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is outside [base offset, end offset]
     * @throws CorruptBatchException when the file changed after it was verified
     * @throws LogClosedException when the reader is closed
     */
    public FetchResult read(long offset, int maxBytes) {
        if (offset < baseOffset() || offset > endOffset) {
            throw new OffsetOutOfRangeException(offset, baseOffset(), endOffset);
        }
        if (offset == endOffset) {
            return new FetchResult(offset, ByteBuffer.allocate(0), endOffset);
        }
        retain();
        try {
            ByteBuffer data = segment.readFrom(offset, maxBytes, segment.size());
            if (data == null || !data.hasRemaining()) {
                throw new CorruptBatchException("segment " + file + " holds no batch at or after offset " + offset
                        + " (it was verified to end at " + (endOffset - 1) + ")");
            }
            return new FetchResult(offset, data, FetchResult.lastOffsetOf(data) + 1);
        } catch (ClosedChannelException e) {
            throw new LogClosedException("segment reader of " + file + " is closed", e);
        } catch (IOException e) {
            throw new LogException("read from " + file + " failed: " + e.getMessage(), e);
        } finally {
            segment.release();
        }
    }

    /** As {@link PartitionStore#offsetForTimestamp}, within this segment. */
    public OptionalLong offsetForTimestamp(long timestamp) {
        return firstMatch(timestamp, Segment.BatchProbe.recordAtOrAfter(timestamp));
    }

    /** As {@link PartitionStore#offsetForAppendTime}, within this segment. */
    public OptionalLong offsetForAppendTime(long appendTimeMs) {
        return firstMatch(appendTimeMs, Segment.BatchProbe.appendedAtOrAfter(appendTimeMs));
    }

    private OptionalLong firstMatch(long timestamp, Segment.BatchProbe probe) {
        retain();
        try {
            long found = segment.firstMatch(timestamp, probe, segment.size());
            return found >= 0 ? OptionalLong.of(found) : OptionalLong.empty();
        } catch (ClosedChannelException e) {
            throw new LogClosedException("segment reader of " + file + " is closed", e);
        } catch (IOException e) {
            throw new LogException("timestamp lookup in " + file + " failed: " + e.getMessage(), e);
        } finally {
            segment.release();
        }
    }

    private void retain() {
        if (closed.get() || !segment.retain()) {
            throw new LogClosedException("segment reader of " + file + " is closed", null);
        }
    }

    /** Closes the file once reads in progress are done. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            segment.release();
        }
    }

    @Override
    public String toString() {
        return "SegmentReader[" + file + ", offsets " + baseOffset() + ".." + endOffset + "]";
    }
}
