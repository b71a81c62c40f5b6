package io.junction.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The record batch: the unit the log appends, indexes, checksums and hands to readers. The same bytes travel
 * from producer to disk to consumer, so nothing is re-encoded per message on the way.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      base offset (int64)                      |  0
 * |                                                               |
 * +---------------------------------------------------------------+
 * |        batch length: header + records, in bytes (int32)       |  8
 * +---------------------------------------------------------------+
 * |     CRC32C of bytes [16, batch length) (int32, unsigned)      | 12
 * +---------------+---------------+-------------------------------+
 * |  magic (= 1)  | reserved (= 0)|       attributes (int16)      | 16
 * +---------------+---------------+-------------------------------+
 * |     last offset delta: last offset - base offset (int32)      | 20
 * +---------------------------------------------------------------+
 * |  base timestamp (*): append time, ms since the epoch (int64)  | 24
 * |                                                               |
 * +---------------------------------------------------------------+
 * |          max timestamp, ms since the epoch (int64)            | 32
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 producer id, -1 = none (int64)                | 40
 * |                                                               |
 * +---------------------------------------------------------------+
 * |               base sequence, -1 = none (int32)                | 48
 * +---------------------------------------------------------------+
 * |                      record count (int32)                     | 52
 * +---------------------------------------------------------------+
 * |                       records ...                             | 56
 * +---------------------------------------------------------------+
 *
 * record (every "varint" is a zig-zag LEB128 varint, as in protobuf's sint32/sint64):
 *   varint  length of the rest of the record, in bytes
 *   int8    attributes (bit 0: tombstone)
 *   varlong timestamp delta (record timestamp - base timestamp; may be negative)
 *   varint  offset delta (record offset - base offset)
 *   varint  key length (-1 = no key)      bytes key
 *   varint  value length (-1 = no value)  bytes value
 *   varint  header count
 *     header: varint key length, bytes key (UTF-8); varint value length (-1 = null), bytes value
 * </pre>
 *
 * <p>(*) The base timestamp is the broker's clock when it built the batch to append it (its <em>append time</em>,
 *     {@link RecordBatch#appendTime()}), whatever the records' own timestamps say: a producer may date its
 *     messages in the past or the future, the append time still says when the broker stored them, which is what
 *     the dedup window and retention measure. Every record's timestamp is a delta from it, so a message with no
 *     timestamp of its own (dated "now") costs one byte. A batch built without an append time (every batch
 *     written before the field meant this, a batch rewritten by compaction, a builder not given one) holds its
 *     first record's timestamp there: the same bytes, read the same way, and for such a batch the "append time"
 *     is only that timestamp. The time index counts {@code max(max timestamp, base timestamp)} per batch (see
 *     {@link #indexTimestamp}), an upper bound of both.
 *
 * <p>All integers are big-endian. The CRC does not cover the base offset and the length, so the broker can
 * assign offsets to a batch a client has checksummed without computing the CRC again; the recovery pass
 * checks those two fields against the expected offset and the file size instead.
 *
 * <p>Stateless; thread-safe.
 */
final class BatchFormat {

    static final int BASE_OFFSET = 0;
    static final int LENGTH = 8;
    static final int CRC = 12;
    static final int MAGIC = 16;
    static final int RESERVED = 17;
    static final int ATTRIBUTES = 18;
    static final int LAST_OFFSET_DELTA = 20;
    static final int BASE_TIMESTAMP = 24;
    static final int MAX_TIMESTAMP = 32;
    static final int PRODUCER_ID = 40;
    static final int BASE_SEQUENCE = 48;
    static final int RECORD_COUNT = 52;
    static final int HEADER_SIZE = 56;

    /** The checksum covers everything from the magic byte to the end of the batch. */
    static final int CRC_START = MAGIC;

    static final byte CURRENT_MAGIC = 1;
    static final long NO_PRODUCER_ID = -1L;
    static final int NO_SEQUENCE = -1;
    static final byte TOMBSTONE_FLAG = 0x01;

    private BatchFormat() {
    }

    static int crcOf(ByteBuffer batch, int batchStart, int batchLength) {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = batch.duplicate();
        covered.limit(batchStart + batchLength).position(batchStart + CRC_START);
        crc.update(covered);
        return (int) crc.getValue();
    }

    static long baseOffset(ByteBuffer b, int at) {
        return b.getLong(at + BASE_OFFSET);
    }

    static int length(ByteBuffer b, int at) {
        return b.getInt(at + LENGTH);
    }

    static long lastOffset(ByteBuffer b, int at) {
        return b.getLong(at + BASE_OFFSET) + b.getInt(at + LAST_OFFSET_DELTA);
    }

    /**
     * What the time index counts for the batch at {@code at}: the larger of its max timestamp and its base
     * timestamp (append time), so that an index entry below {@code t} says both "no record timestamp at or above
     * t" and "not appended at or after t" for every batch up to it.
     */
    static long indexTimestamp(ByteBuffer b, int at) {
        return Math.max(b.getLong(at + MAX_TIMESTAMP), b.getLong(at + BASE_TIMESTAMP));
    }

    /**
     * Checks everything the recovery pass and a reader can check without knowing the expected offset: length
     * bounds, magic, reserved bits and the CRC. Returns null when the batch is sound, else the reason.
     */
    static String checkIntegrity(ByteBuffer b, int at, int available) {
        if (available < HEADER_SIZE) {
            return "only " + available + " bytes, less than a batch header";
        }
        int length = b.getInt(at + LENGTH);
        if (length < HEADER_SIZE) {
            return "batch length " + length + " is shorter than the header";
        }
        if (length > available) {
            return "batch length " + length + " runs past the end of the data (" + available + " bytes)";
        }
        if (b.get(at + MAGIC) != CURRENT_MAGIC) {
            return "unknown magic " + b.get(at + MAGIC);
        }
        if (b.get(at + RESERVED) != 0) {
            return "reserved byte is " + b.get(at + RESERVED);
        }
        int stored = b.getInt(at + CRC);
        int actual = crcOf(b, at, length);
        if (stored != actual) {
            return String.format("CRC mismatch: stored %08x, computed %08x", stored, actual);
        }
        // A compacted batch may hold fewer records than its offset range, even none (it then only keeps the
        // offsets contiguous); an appended batch is checked further by validateForAppend.
        if (b.getInt(at + LAST_OFFSET_DELTA) < 0 || b.getInt(at + RECORD_COUNT) < 0) {
            return "negative last offset delta or record count";
        }
        return null;
    }

    /**
     * Full validation of a batch handed to {@link PartitionLog#append}: integrity, then the records themselves
     * (lengths, dense offset deltas, count, timestamps), so that no structurally broken batch is ever stored.
     *
     * @throws InvalidBatchException naming what is wrong
     */
    static void validateForAppend(ByteBuffer b, int maxBatchBytes) {
        int at = b.position();
        int available = b.remaining();
        if (available > maxBatchBytes) {
            throw new InvalidBatchException("batch of " + available + " bytes exceeds the limit of "
                    + maxBatchBytes + " bytes");
        }
        String problem = checkIntegrity(b, at, available);
        if (problem != null) {
            throw new InvalidBatchException(problem);
        }
        int length = b.getInt(at + LENGTH);
        if (length != available) {
            throw new InvalidBatchException("batch length field says " + length + " bytes but the buffer holds "
                    + available);
        }
        int count = b.getInt(at + RECORD_COUNT);
        if (b.getInt(at + LAST_OFFSET_DELTA) != count - 1) {
            throw new InvalidBatchException("last offset delta " + b.getInt(at + LAST_OFFSET_DELTA)
                    + " does not match " + count + " records");
        }
        long baseTimestamp = b.getLong(at + BASE_TIMESTAMP);
        long maxTimestamp = Long.MIN_VALUE;
        ByteBuffer records = b.duplicate();
        records.position(at + HEADER_SIZE).limit(at + length);
        try {
            for (int i = 0; i < count; i++) {
                int recordLength = Varint.readInt(records);
                if (recordLength < 0 || recordLength > records.remaining()) {
                    throw new InvalidBatchException("record " + i + " has length " + recordLength);
                }
                int end = records.position() + recordLength;
                records.get(); // attributes
                long timestamp = baseTimestamp + Varint.readLong(records);
                maxTimestamp = Math.max(maxTimestamp, timestamp);
                int offsetDelta = Varint.readInt(records);
                if (offsetDelta != i) {
                    throw new InvalidBatchException("record " + i + " has offset delta " + offsetDelta);
                }
                skipBytes(records, end, "key");
                skipBytes(records, end, "value");
                int headers = Varint.readInt(records);
                if (headers < 0) {
                    throw new InvalidBatchException("record " + i + " has " + headers + " headers");
                }
                for (int h = 0; h < headers; h++) {
                    if (skipBytes(records, end, "header key") < 0) {
                        throw new InvalidBatchException("record " + i + " has a header without a key");
                    }
                    skipBytes(records, end, "header value");
                }
                if (records.position() != end) {
                    throw new InvalidBatchException("record " + i + " is " + recordLength + " bytes long but its "
                            + "fields end at " + (records.position() - end + recordLength));
                }
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            if (e instanceof InvalidBatchException invalid) {
                throw invalid;
            }
            throw new InvalidBatchException("malformed records: " + e);
        }
        if (records.hasRemaining()) {
            throw new InvalidBatchException(records.remaining() + " bytes after the last of " + count + " records");
        }
        if (maxTimestamp != b.getLong(at + MAX_TIMESTAMP)) {
            throw new InvalidBatchException("max timestamp " + b.getLong(at + MAX_TIMESTAMP)
                    + " differs from the records' maximum " + maxTimestamp);
        }
    }

    private static int skipBytes(ByteBuffer records, int recordEnd, String what) {
        int length = Varint.readInt(records);
        if (length < -1 || records.position() + Math.max(length, 0) > recordEnd) {
            throw new InvalidBatchException(what + " length " + length + " runs past the record");
        }
        if (length > 0) {
            records.position(records.position() + length);
        }
        return length;
    }
}
