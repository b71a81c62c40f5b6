package io.junction.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds one batch in the stored layout ({@link BatchFormat}), checksum included; the log fills in the base
 * offset when it appends it. The broker gives each batch it stores its append time ({@link #appendTime}) — the
 * clock the dedup window and retention measure — before adding the records. Not thread-safe: one builder per
 * batch.
 */
public final class RecordBatchBuilder {

    private ByteBuffer buffer = ByteBuffer.allocate(256);
    private final long producerId;
    private final int baseSequence;
    private int count;
    /** The base timestamp every record's timestamp counts from: the append time, else the first record's. */
    private long baseTimestamp;
    private boolean baseTimestampSet;
    private long maxTimestamp = Long.MIN_VALUE;
    /** For a batch rewritten by compaction: the base offset its records' offset deltas count from. */
    private long rewriteBase;

    /** A batch without a producer id. */
    public RecordBatchBuilder() {
        this(BatchFormat.NO_PRODUCER_ID, BatchFormat.NO_SEQUENCE);
    }

    /** A batch from an idempotent producer: its id and the sequence number of the batch's first record. */
    public RecordBatchBuilder(long producerId, int baseSequence) {
        this.producerId = producerId;
        this.baseSequence = baseSequence;
        buffer.position(BatchFormat.HEADER_SIZE);
    }

    /**
     * Sets the batch's base timestamp to {@code appendTimeMs}, the broker's clock (ms since the epoch) when it
     * stores the batch: {@link RecordBatch#appendTime()} reads it back. The records keep their own timestamps
     * (stored as deltas from it, so one dated {@code appendTimeMs} costs one byte). Without it, the base is the
     * first record's timestamp.
     *
     * @throws IllegalStateException when records were added already
     */
    public RecordBatchBuilder appendTime(long appendTimeMs) {
        if (count > 0) {
            throw new IllegalStateException("the append time is set before the first record");
        }
        baseTimestamp = appendTimeMs;
        baseTimestampSet = true;
        return this;
    }

    public RecordBatchBuilder add(long timestamp, byte[] key, byte[] value) {
        return add(timestamp, key, value, List.of());
    }

    public RecordBatchBuilder add(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return add(timestamp, key, value, headers, (byte) 0);
    }

    /**
     * Adds a tombstone for {@code key}: a record with no value that compaction reads as "delete this key"; its
     * headers (e.g. the msg-id it was produced with) are kept.
     */
    public RecordBatchBuilder addTombstone(long timestamp, byte[] key, List<Header> headers) {
        return add(timestamp, key, null, headers, BatchFormat.TOMBSTONE_FLAG);
    }

    /**
     * Copies {@code record} into a batch being rewritten by compaction (see {@link #rewrite}): it keeps its
     * offset, timestamp, attributes, key, value and headers.
     */
    RecordBatchBuilder addCopy(Record record) {
        return add(record.timestamp(), (int) (record.offset() - rewriteBase), record.key(), record.value(),
                record.headers(), record.attributes());
    }

    private RecordBatchBuilder add(long timestamp, byte[] key, byte[] value, List<Header> headers, byte attributes) {
        return add(timestamp, count, key, value, headers, attributes);
    }

    private RecordBatchBuilder add(long timestamp, int offsetDelta, byte[] key, byte[] value, List<Header> headers,
            byte attributes) {
        if (count == 0 && !baseTimestampSet) {
            baseTimestamp = timestamp;
        }
        long timestampDelta = timestamp - baseTimestamp;
        byte[][] headerKeys = new byte[headers.size()][];
        int bodySize = 1 + Varint.sizeOfLong(timestampDelta) + Varint.sizeOfInt(offsetDelta) + sizeOfBytes(key)
                + sizeOfBytes(value) + Varint.sizeOfInt(headers.size());
        for (int i = 0; i < headers.size(); i++) {
            headerKeys[i] = headers.get(i).key().getBytes(StandardCharsets.UTF_8);
            bodySize += sizeOfBytes(headerKeys[i]) + sizeOfBytes(headers.get(i).value());
        }
        ensureRoom(Varint.sizeOfInt(bodySize) + bodySize);
        Varint.writeInt(buffer, bodySize);
        buffer.put(attributes);
        Varint.writeLong(buffer, timestampDelta);
        Varint.writeInt(buffer, offsetDelta);
        writeBytes(key);
        writeBytes(value);
        Varint.writeInt(buffer, headers.size());
        for (int i = 0; i < headers.size(); i++) {
            writeBytes(headerKeys[i]);
            writeBytes(headers.get(i).value());
        }
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        count++;
        return this;
    }

    public int recordCount() {
        return count;
    }

    /** The size the batch will have, in bytes. */
    public int sizeInBytes() {
        return buffer.position();
    }

    /** The finished batch, base offset 0, from position 0 to its limit. The builder must not be used after. */
    public ByteBuffer build() {
        if (count == 0) {
            throw new IllegalStateException("a batch needs at least one record");
        }
        return finish(0L, count - 1, maxTimestamp);
    }

    /**
     * A builder for a batch that compaction writes in place of others: its records keep their offsets (so the
     * offset deltas may have gaps) relative to {@code baseOffset}, and their timestamps; its base timestamp is its
     * first record's (the append times of the batches it merges are not kept, see {@link #buildRewritten}).
     */
    static RecordBatchBuilder rewrite(long baseOffset) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        builder.rewriteBase = baseOffset;
        return builder;
    }

    /**
     * The finished rewritten batch, covering the offsets [{@code rewrite}'s base, {@code lastOffset}] whatever
     * records it kept — none at all is allowed: such a batch only keeps the offsets contiguous. {@code
     * coveredMaxTimestamp}: the largest time-index value ({@link BatchFormat#indexTimestamp}: record timestamps
     * and append times) of the batches it replaces, kept as its max timestamp so that the time index of the
     * rewritten segment stays an upper bound of what it indexed before.
     */
    ByteBuffer buildRewritten(long lastOffset, long coveredMaxTimestamp) {
        if (count == 0) {
            baseTimestamp = coveredMaxTimestamp;
        }
        return finish(rewriteBase, (int) (lastOffset - rewriteBase), Math.max(maxTimestamp, coveredMaxTimestamp));
    }

    private ByteBuffer finish(long baseOffset, int lastOffsetDelta, long batchMaxTimestamp) {
        int length = buffer.position();
        buffer.putLong(BatchFormat.BASE_OFFSET, baseOffset)
                .putInt(BatchFormat.LENGTH, length)
                .put(BatchFormat.MAGIC, BatchFormat.CURRENT_MAGIC)
                .put(BatchFormat.RESERVED, (byte) 0)
                .putShort(BatchFormat.ATTRIBUTES, (short) 0)
                .putInt(BatchFormat.LAST_OFFSET_DELTA, lastOffsetDelta)
                .putLong(BatchFormat.BASE_TIMESTAMP, baseTimestamp)
                .putLong(BatchFormat.MAX_TIMESTAMP, batchMaxTimestamp)
                .putLong(BatchFormat.PRODUCER_ID, producerId)
                .putInt(BatchFormat.BASE_SEQUENCE, baseSequence)
                .putInt(BatchFormat.RECORD_COUNT, count);
        buffer.putInt(BatchFormat.CRC, BatchFormat.crcOf(buffer, 0, length));
        ByteBuffer batch = buffer.flip();
        buffer = null;
        return batch;
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? Varint.sizeOfInt(-1) : Varint.sizeOfInt(bytes.length) + bytes.length;
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            Varint.writeInt(buffer, -1);
        } else {
            Varint.writeInt(buffer, bytes.length);
            buffer.put(bytes);
        }
    }

    private void ensureRoom(int bytes) {
        if (buffer.remaining() < bytes) {
            int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
            ByteBuffer bigger = ByteBuffer.allocate(capacity);
            bigger.put(buffer.flip());
            buffer = bigger;
        }
    }
}
