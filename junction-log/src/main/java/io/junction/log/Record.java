package io.junction.log;

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

    Record(long offset, long timestamp, byte attributes, byte[] key, byte[] value, List<Header> headers) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.attributes = attributes;
        this.key = key;
        this.value = value;
        this.headers = List.copyOf(headers);
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
