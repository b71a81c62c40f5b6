package io.junction.log;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One message as read back from the log: its offset, timestamp, key, value and headers. Immutable (its arrays
 * are fresh copies made for the reader).
 */
public final class Record {

    private final long offset;
    private final long timestamp;
    private final byte attributes;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;
    /** The stored batch this record was decoded from, when it was decoded with all of it; else null. */
    private final ByteBuffer storedBatch;

    Record(long offset, long timestamp, byte attributes, byte[] key, byte[] value, List<Header> headers) {
        this(offset, timestamp, attributes, key, value, List.copyOf(headers), null);
    }

    private Record(long offset, long timestamp, byte attributes, byte[] key, byte[] value, List<Header> headers,
            ByteBuffer storedBatch) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.attributes = attributes;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.storedBatch = storedBatch;
    }

    /** A record decoded from a stored batch; {@code batch} is that whole batch when it was read whole, else null. */
    static Record decoded(long offset, long timestamp, byte attributes, byte[] key, byte[] value,
            List<Header> headers, ByteBuffer batch) {
        return new Record(offset, timestamp, attributes, key, value, List.copyOf(headers), batch);
    }

    /**
     * A record made outside the log (a copy under another offset, e.g. a dead letter handed back to its group).
     * The arrays are taken as they are, not copied.
     */
    public static Record of(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return new Record(offset, timestamp, (byte) 0, key, value, headers);
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    /** The key, or null when the message has none. */
    public byte[] key() {
        return key;
    }

    /** The value, or null. */
    public byte[] value() {
        return value;
    }

    public List<Header> headers() {
        return headers;
    }

    /**
     * The whole stored batch this record was decoded from (read-only, exactly as stored; see docs/log-format.md),
     * when it was read as part of it ({@link RecordBatch#records()}); else null. A transport may send the batch
     * instead of the record. The records of one batch share this buffer object (so it tells which records came
     * from the same batch): read it through a {@link ByteBuffer#duplicate() duplicate}, never move its position.
     * Holding the record holds the batch's bytes and the read buffer under them: whoever keeps records for long
     * keeps them {@link #detached()}.
     */
    public ByteBuffer storedBatch() {
        return storedBatch;
    }

    /** This record without its stored batch (the same object when it has none). */
    public Record detached() {
        return storedBatch == null ? this : new Record(offset, timestamp, attributes, key, value, headers, null);
    }

    byte attributes() {
        return attributes;
    }

    /** True for a tombstone: a marker that deletes its key when the station is compacted. */
    public boolean isTombstone() {
        return (attributes & BatchFormat.TOMBSTONE_FLAG) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && offset == r.offset && timestamp == r.timestamp && attributes == r.attributes
                && Arrays.equals(key, r.key) && Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Record{offset=" + offset + ", timestamp=" + timestamp + ", key="
                + (key == null ? "null" : key.length + "B") + ", value=" + (value == null ? "null" : value.length + "B")
                + ", headers=" + headers + (isTombstone() ? ", tombstone" : "") + "}";
    }
}
