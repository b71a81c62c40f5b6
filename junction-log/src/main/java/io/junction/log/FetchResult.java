package io.junction.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link PartitionLog#read} returns: whole batches as stored, so they can be passed on without decoding.
 * Immutable once made; {@link #bytes()} hands out independent read-only views.
 */
public final class FetchResult {

    private final long requestedOffset;
    private final ByteBuffer data;
    private final long nextOffset;

    FetchResult(long requestedOffset, ByteBuffer data, long nextOffset) {
        this.requestedOffset = requestedOffset;
        this.data = data.asReadOnlyBuffer();
        this.nextOffset = nextOffset;
    }

    /** The offset the read asked for. */
    public long requestedOffset() {
        return requestedOffset;
    }

    /** The offset to read next: one past the last record returned (the requested offset when empty). */
    public long nextOffset() {
        return nextOffset;
    }

    public boolean isEmpty() {
        return !data.hasRemaining();
    }

    public int sizeInBytes() {
        return data.remaining();
    }

    /** The batches' bytes, back to back, exactly as stored. */
    public ByteBuffer bytes() {
        return data.duplicate();
    }

    public List<RecordBatch> batches() {
        return split(data);
    }

    /** The records at or after the requested offset, decoded. */
    public List<Record> records() {
        List<Record> records = new ArrayList<>();
        for (RecordBatch batch : batches()) {
            for (Record record : batch.records()) {
                if (record.offset() >= requestedOffset) {
                    records.add(record);
                }
            }
        }
        return records;
    }

    /**
     * The record at {@code offset} if this result holds it, decoded alone (only the batch that covers it is looked
     * into); null when it does not (outside what was read, or removed by compaction).
     */
    public Record record(long offset) {
        if (offset < requestedOffset || offset >= nextOffset) {
            return null;
        }
        ByteBuffer view = data.duplicate();
        int at = view.position();
        while (at < view.limit()) {
            int length = BatchFormat.length(view, at);
            if (BatchFormat.lastOffset(view, at) >= offset) {
                return BatchFormat.baseOffset(view, at) > offset ? null
                        : new RecordBatch(view.duplicate().limit(at + length).position(at)).record(offset);
            }
            at += length;
        }
        return null;
    }

    /** The last offset the batches in {@code batches} (from position 0, back to back) cover; -1 when none. */
    static long lastOffsetOf(ByteBuffer batches) {
        int at = 0;
        long last = -1;
        while (at < batches.limit()) {
            last = BatchFormat.lastOffset(batches, at);
            at += BatchFormat.length(batches, at);
        }
        return last;
    }

    static List<RecordBatch> split(ByteBuffer data) {
        List<RecordBatch> batches = new ArrayList<>();
        ByteBuffer view = data.duplicate();
        int at = view.position();
        while (at < view.limit()) {
            int length = BatchFormat.length(view, at);
            batches.add(new RecordBatch(view.duplicate().limit(at + length).position(at)));
            at += length;
        }
        return batches;
    }

    @Override
    public String toString() {
        return "FetchResult[from " + requestedOffset + ", " + data.remaining() + "B, next " + nextOffset + "]";
    }
}
