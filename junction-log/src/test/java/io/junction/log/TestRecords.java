package io.junction.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic test messages: the content of the record at an offset is a pure function of (seed, offset),
 * so any reader, in this JVM or after a crash in another, can tell whether a record is exactly right.
 */
final class TestRecords {

    static final long BASE_TIME = 1_700_000_000_000L;

    private TestRecords() {
    }

    static byte[] key(long offset) {
        return offset % 5 == 0 ? null : ("key-" + (offset % 17)).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(long seed, long offset, int size) {
        SplittableRandom random = new SplittableRandom(seed * 31 + offset);
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        byte[] tag = ("o" + offset + ":").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, value, 0, Math.min(tag.length, size));
        return value;
    }

    static int valueSize(long seed, long offset, int maxSize) {
        return new SplittableRandom(seed ^ (offset * 0x9E3779B97F4A7C15L)).nextInt(maxSize + 1);
    }

    static long timestamp(long offset) {
        return BASE_TIME + offset * 10;
    }

    static List<Header> headers(long offset) {
        return offset % 3 == 0 ? List.of() : List.of(new Header("h" + (offset % 4), ("v" + offset).getBytes(
                StandardCharsets.UTF_8)), new Header("n", null));
    }

    /** A batch holding the expected records for offsets [first, first + count). */
    static ByteBuffer batch(long seed, long first, int count, int maxValueSize) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (long o = first; o < first + count; o++) {
            builder.add(timestamp(o), key(o), value(seed, o, valueSize(seed, o, maxValueSize)), headers(o));
        }
        return builder.build();
    }

    /** True when {@code record} is exactly the record expected at its offset. */
    static boolean matches(long seed, Record record, int maxValueSize) {
        long o = record.offset();
        Record expected = new Record(o, timestamp(o), (byte) 0, key(o), value(seed, o, valueSize(seed, o, maxValueSize)),
                headers(o));
        return expected.equals(record);
    }
}
