package io.junction.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads delivered messages out of a record batch as the broker stores it (docs/log-format.md, "Record batch"):
 * the broker sends such batches whole ({@code StoredRun}) instead of rebuilding each message. The batch's CRC32C
 * is checked first: a batch that fails it is refused whole ({@link IllegalArgumentException}) and none of its
 * messages reaches the application.
 */
final class StoredBatches {

    // The batch header (all integers big-endian); the layout is junction-log's BatchFormat.
    private static final int LENGTH = 8;
    private static final int CRC = 12;
    private static final int MAGIC = 16;
    private static final int ATTRIBUTES = 18;
    private static final int BASE_TIMESTAMP = 24;
    private static final int RECORD_COUNT = 52;
    private static final int HEADER_SIZE = 56;
    private static final byte CURRENT_MAGIC = 1;
    private static final int COMPRESSION_MASK = 0x7;

    /** One message read out of a batch. {@code value} is null for a tombstone. */
    record Stored(long offset, long timestampMs, byte[] key, byte[] value, Map<String, byte[]> headers) {
    }

    private StoredBatches() {
    }

    /**
     * The messages of {@code batch} at {@code offsets} (increasing), in that order.
     *
     * @throws IllegalArgumentException when the batch is corrupt (length, CRC32C, magic, a record that runs past
     *     it), compressed with a codec this client does not know, or lacks one of the offsets
     */
    static List<Stored> read(ByteBuffer batch, long[] offsets) {
        final ByteBuffer in = batch.duplicate();
        final int start = in.position();
        if (in.remaining() < HEADER_SIZE || in.getInt(start + LENGTH) != in.remaining()) {
            throw new IllegalArgumentException("stored batch of " + in.remaining() + " bytes: its length field says "
                    + (in.remaining() < HEADER_SIZE ? "nothing (shorter than a header)" : in.getInt(start + LENGTH)));
        }
        final CRC32C crc = new CRC32C();
        crc.update(in.duplicate().position(start + MAGIC));
        if ((int) crc.getValue() != in.getInt(start + CRC)) {
            throw new IllegalArgumentException("stored batch fails its CRC32C check: corrupt");
        }
        if (in.get(start + MAGIC) != CURRENT_MAGIC) {
            throw new IllegalArgumentException("stored batch of unknown format " + in.get(start + MAGIC));
        }
        if ((in.getShort(start + ATTRIBUTES) & COMPRESSION_MASK) != 0) {
            throw new IllegalArgumentException("stored batch compressed with codec "
                    + (in.getShort(start + ATTRIBUTES) & COMPRESSION_MASK) + ", which this client does not know");
        }
        final long base = in.getLong(start);
        final long baseTimestamp = in.getLong(start + BASE_TIMESTAMP);
        final int count = in.getInt(start + RECORD_COUNT);
        final List<Stored> out = new ArrayList<>(offsets.length);
        int next = 0;
        in.position(start + HEADER_SIZE);
        for (int i = 0; i < count && next < offsets.length; i++) {
            final int length = readInt(in);
            final int end = in.position() + length;
            if (length < 0 || end > in.limit()) {
                throw new IllegalArgumentException("stored batch: record " + i + " runs past the batch");
            }
            in.get(); // attributes
            final long timestamp = baseTimestamp + readLong(in);
            final long offset = base + readInt(in);
            if (offset == offsets[next]) {
                final byte[] key = readBytes(in);
                final byte[] value = readBytes(in);
                final int headerCount = readInt(in);
                final Map<String, byte[]> headers = new LinkedHashMap<>();
                for (int h = 0; h < headerCount; h++) {
                    final byte[] name = readBytes(in);
                    final byte[] headerValue = readBytes(in);
                    headers.put(new String(name, StandardCharsets.UTF_8), headerValue == null ? new byte[0]
                            : headerValue);
                }
                out.add(new Stored(offset, timestamp, key, value, headers));
                next++;
            }
            in.position(end);
        }
        if (next < offsets.length) {
            throw new IllegalArgumentException("stored batch from offset " + base + " holds no message at offset "
                    + offsets[next]);
        }
        return out;
    }

    private static byte[] readBytes(ByteBuffer in) {
        final int length = readInt(in);
        if (length < 0) {
            return null;
        }
        if (length > in.remaining()) {
            throw new IllegalArgumentException("stored batch: a field of " + length + " bytes runs past the record");
        }
        final byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    // Zig-zag varints, as the log writes them.

    private static int readInt(ByteBuffer in) {
        final long raw = readUnsigned(in, 5);
        if (raw > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("stored batch: a varint does not fit in 32 bits");
        }
        final int v = (int) raw;
        return (v >>> 1) ^ -(v & 1);
    }

    private static long readLong(ByteBuffer in) {
        final long v = readUnsigned(in, 10);
        return (v >>> 1) ^ -(v & 1);
    }

    private static long readUnsigned(ByteBuffer in, int maxBytes) {
        long result = 0;
        for (int i = 0; i < maxBytes; i++) {
            final byte b = in.get();
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("stored batch: a varint longer than " + maxBytes + " bytes");
    }
}
