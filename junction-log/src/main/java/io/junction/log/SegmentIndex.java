package io.junction.log;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The sparse offset and time indexes of one segment, kept in memory and written next to the segment when it is
 * sealed. An entry is added every {@code indexIntervalBytes} of batches, so a lookup ends in a short scan.
 *
 * <pre>
 * NNN.index      entries of 8 bytes, in offset order
 *   +-----------------------------+-----------------------------+
 *   | relative offset (int32)     | position in NNN.log (int32) |   relative offset = batch base - segment base
 *   +-----------------------------+-----------------------------+
 *
 * NNN.timeindex  entries of 12 bytes, timestamps and offsets both non-decreasing
 *   +-----------------------------------------------------------+-----------------------------+
 *   | largest timestamp in the segment up to this batch (int64) | relative offset (int32)     |
 *   +-----------------------------------------------------------+-----------------------------+
 *     where the relative offset is that of the batch holding that timestamp, and a batch's "timestamp" here is
 *     the larger of its max timestamp and its append time (BatchFormat.indexTimestamp): an upper bound of both,
 *     so an entry below t means no batch up to it holds a record dated t or later, nor was appended at t or later
 * </pre>
 *
 * <p>Both files are derived data: a missing or inconsistent file is rebuilt from the segment. Not thread-safe:
 * the log's writer adds entries; readers of sealed segments only read a completely built index, and readers of
 * the active segment go through {@link Segment}, which publishes entries safely.
 */
final class SegmentIndex {

    static final int OFFSET_ENTRY_SIZE = 8;
    static final int TIME_ENTRY_SIZE = 12;

    private final int intervalBytes;

    // Arrays are replaced when they grow; volatile so a reader that sees a new array also sees its contents.
    private volatile int[] relOffsets = new int[16];
    private volatile int[] positions = new int[16];
    private volatile int offsetCount;

    private volatile long[] timestamps = new long[16];
    private volatile int[] timeRelOffsets = new int[16];
    private volatile int timeCount;

    private int bytesSinceOffsetEntry;
    private int bytesSinceTimeEntry;
    private long maxTimestamp = Long.MIN_VALUE;
    private int maxTimestampRelOffset = -1;

    SegmentIndex(int intervalBytes) {
        this.intervalBytes = intervalBytes;
    }

    /**
     * Records a batch appended (or found by a scan) at {@code position}; {@code batchMaxTimestamp} is its
     * {@link BatchFormat#indexTimestamp} (record timestamps and append time).
     */
    void onBatch(int relOffset, int position, int size, long batchMaxTimestamp) {
        if (offsetCount == 0 || bytesSinceOffsetEntry >= intervalBytes) {
            addOffsetEntry(relOffset, position);
            bytesSinceOffsetEntry = 0;
        }
        bytesSinceOffsetEntry += size;
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            maxTimestampRelOffset = relOffset;
        }
        if ((timeCount == 0 || bytesSinceTimeEntry >= intervalBytes) && maxTimestamp > lastIndexedTimestamp()) {
            addTimeEntry(maxTimestamp, maxTimestampRelOffset);
            bytesSinceTimeEntry = 0;
        }
        bytesSinceTimeEntry += size;
    }

    /** Adds the segment's largest timestamp as a last entry, so a sealed segment's index knows its maximum. */
    void seal() {
        if (maxTimestamp > lastIndexedTimestamp()) {
            addTimeEntry(maxTimestamp, maxTimestampRelOffset);
        }
    }

    /** The largest index value: an upper bound of the segment's record timestamps and append times. */
    long maxTimestamp() {
        return maxTimestamp;
    }

    /** Position of the last indexed batch whose relative offset is at most {@code relOffset}; 0 when none. */
    int floorPosition(long relOffset) {
        return (int) floorEntry(relOffset);
    }

    /**
     * The last indexed batch whose relative offset is at most {@code relOffset}, as {@code relative offset << 32 |
     * position}; the segment's first batch (0, 0) when none. A reader checks the batch it lands on against it.
     */
    long floorEntry(long relOffset) {
        int count = offsetCount;
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (relOffsets[mid] <= relOffset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : (long) relOffsets[found] << 32 | (positions[found] & 0xFFFF_FFFFL);
    }

    /**
     * The relative offset of a batch at or before the first record with a timestamp of at least
     * {@code timestamp}, and at or before the first batch appended at or after it: the batch of the last entry
     * whose timestamp is below it, or -1 (scan from the start).
     */
    int relOffsetBeforeTimestamp(long timestamp) {
        int count = timeCount;
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (timestamps[mid] < timestamp) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? -1 : timeRelOffsets[found];
    }

    private long lastIndexedTimestamp() {
        return timeCount == 0 ? Long.MIN_VALUE : timestamps[timeCount - 1];
    }

    private void addOffsetEntry(int relOffset, int position) {
        int count = offsetCount;
        if (count == relOffsets.length) {
            relOffsets = Arrays.copyOf(relOffsets, count * 2);
            positions = Arrays.copyOf(positions, count * 2);
        }
        relOffsets[count] = relOffset;
        positions[count] = position;
        offsetCount = count + 1; // volatile write publishes the entry
    }

    private void addTimeEntry(long timestamp, int relOffset) {
        int count = timeCount;
        if (count == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, count * 2);
            timeRelOffsets = Arrays.copyOf(timeRelOffsets, count * 2);
        }
        timestamps[count] = timestamp;
        timeRelOffsets[count] = relOffset;
        timeCount = count + 1;
    }

    ByteBuffer encodeOffsets() {
        ByteBuffer out = ByteBuffer.allocate(offsetCount * OFFSET_ENTRY_SIZE);
        for (int i = 0; i < offsetCount; i++) {
            out.putInt(relOffsets[i]).putInt(positions[i]);
        }
        return out.flip();
    }

    ByteBuffer encodeTimes() {
        ByteBuffer out = ByteBuffer.allocate(timeCount * TIME_ENTRY_SIZE);
        for (int i = 0; i < timeCount; i++) {
            out.putLong(timestamps[i]).putInt(timeRelOffsets[i]);
        }
        return out.flip();
    }

    /**
     * Reads the two index files of a sealed segment of {@code segmentSize} bytes, or returns null when they are
     * not a consistent index (wrong size, entries out of order or past the end); the caller then rebuilds.
     */
    static SegmentIndex decode(ByteBuffer offsets, ByteBuffer times, int intervalBytes, int segmentSize) {
        if (offsets.remaining() % OFFSET_ENTRY_SIZE != 0 || times.remaining() % TIME_ENTRY_SIZE != 0) {
            return null;
        }
        if (segmentSize > 0 && (offsets.remaining() == 0 || times.remaining() == 0)) {
            return null;
        }
        SegmentIndex index = new SegmentIndex(intervalBytes);
        int lastRel = -1;
        int lastPosition = -1;
        while (offsets.hasRemaining()) {
            int rel = offsets.getInt();
            int position = offsets.getInt();
            if (rel <= lastRel || position <= lastPosition || position >= segmentSize
                    || (lastPosition < 0 && position != 0)) {
                return null;
            }
            index.addOffsetEntry(rel, position);
            lastRel = rel;
            lastPosition = position;
        }
        long lastTimestamp = Long.MIN_VALUE;
        int lastTimeRel = -1;
        while (times.hasRemaining()) {
            long timestamp = times.getLong();
            int rel = times.getInt();
            if (timestamp <= lastTimestamp || rel < lastTimeRel) {
                return null;
            }
            index.addTimeEntry(timestamp, rel);
            lastTimestamp = timestamp;
            lastTimeRel = rel;
        }
        index.maxTimestamp = lastTimestamp;
        index.maxTimestampRelOffset = lastTimeRel;
        return index;
    }

    /** The last offset entry, as {relative offset, position}, for a spot check against the segment; null if none. */
    int[] lastOffsetEntry() {
        int count = offsetCount;
        return count == 0 ? null : new int[] {relOffsets[count - 1], positions[count - 1]};
    }
}
