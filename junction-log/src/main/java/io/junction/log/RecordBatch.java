package io.junction.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only view of one stored batch (layout in {@link BatchFormat}). Handing out views instead of decoded
 * messages lets the broker pass a batch on to a consumer as the bytes it read. The view does not copy; it is
 * as thread-safe as the buffer under it (the log gives every reader buffers of its own).
 */
public final class RecordBatch {

    private final ByteBuffer buffer;

    /** @param buffer exactly one batch, from position to limit */
    RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer.slice();
    }

    public long baseOffset() {
        return buffer.getLong(BatchFormat.BASE_OFFSET);
    }

    public long lastOffset() {
        return BatchFormat.lastOffset(buffer, 0);
    }

    public int recordCount() {
        return buffer.getInt(BatchFormat.RECORD_COUNT);
    }

    public int sizeInBytes() {
        return buffer.getInt(BatchFormat.LENGTH);
    }

    /**
     * The batch's base timestamp: for a batch the broker stored, its append time — the broker's clock when it
     * stored the batch (ms since the epoch), whatever its records' timestamps say. For a batch built without one
     * (written before batches carried it, or rewritten by compaction) it is the first record's timestamp.
     * Every record's timestamp is stored as a delta from it.
     */
    public long appendTime() {
        return buffer.getLong(BatchFormat.BASE_TIMESTAMP);
    }

    /**
     * The largest record timestamp (for a batch rewritten by compaction, an upper bound: the largest time-index
     * value of the batches it replaced).
     */
    public long maxTimestamp() {
        return buffer.getLong(BatchFormat.MAX_TIMESTAMP);
    }

    public long producerId() {
        return buffer.getLong(BatchFormat.PRODUCER_ID);
    }

    public int baseSequence() {
        return buffer.getInt(BatchFormat.BASE_SEQUENCE);
    }

    public short attributes() {
        return buffer.getShort(BatchFormat.ATTRIBUTES);
    }

    /** The batch's bytes, exactly as stored (read-only). */
    public ByteBuffer bytes() {
        return buffer.asReadOnlyBuffer();
    }

    /** Decodes every record. */
    public List<Record> records() {
        int count = recordCount();
        List<Record> records = new ArrayList<>(count);
        ByteBuffer in = buffer.duplicate();
        in.position(BatchFormat.HEADER_SIZE);
        long base = baseOffset();
        long baseTimestamp = appendTime();
        for (int i = 0; i < count; i++) {
            int length = Varint.readInt(in);
            int end = in.position() + length;
            byte attributes = in.get();
            long timestamp = baseTimestamp + Varint.readLong(in);
            records.add(rest(in, base + Varint.readInt(in), timestamp, attributes));
            in.position(end);
        }
        return records;
    }

    /** A record's key, value and headers, read from {@code in} (positioned right after its offset delta). */
    private static Record rest(ByteBuffer in, long offset, long timestamp, byte attributes) {
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        int headerCount = Varint.readInt(in);
        List<Header> headers = new ArrayList<>(headerCount);
        for (int h = 0; h < headerCount; h++) {
            byte[] headerKey = readBytes(in);
            headers.add(new Header(new String(headerKey, StandardCharsets.UTF_8), readBytes(in)));
        }
        return new Record(offset, timestamp, attributes, key, value, headers);
    }

    /**
     * The record at {@code offset}, decoded alone (the others are skipped by their lengths, not decoded), or null
     * when the batch has none there (outside its range, or removed by compaction).
     */
    public Record record(long offset) {
        long base = baseOffset();
        if (offset < base || offset > lastOffset()) {
            return null;
        }
        int count = recordCount();
        ByteBuffer in = buffer.duplicate();
        in.position(BatchFormat.HEADER_SIZE);
        for (int i = 0; i < count; i++) {
            int length = Varint.readInt(in);
            int end = in.position() + length;
            byte attributes = in.get();
            long timestampDelta = Varint.readLong(in);
            long at = base + Varint.readInt(in);
            if (at == offset) {
                return rest(in, at, appendTime() + timestampDelta, attributes);
            }
            if (at > offset) {
                return null; // offsets grow within a batch: compaction removed this one
            }
            in.position(end);
        }
        return null;
    }

    private static byte[] readBytes(ByteBuffer in) {
        int length = Varint.readInt(in);
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordBatch[" + baseOffset() + ".." + lastOffset() + ", " + sizeInBytes() + "B]";
    }
}
