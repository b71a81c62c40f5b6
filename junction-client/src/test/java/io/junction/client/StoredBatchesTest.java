package io.junction.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The client's reading of stored record batches, against batches written here from docs/log-format.md ("Record
 * batch") on their own: the format is the contract, not the broker's code. (The broker's batches reach the
 * client in the end-to-end tests, which consume through this path.)
 */
class StoredBatchesTest {

    /** One record to write: value null = tombstone; header values may be null. */
    record Rec(int offsetDelta, long timestampDelta, byte[] key, byte[] value, Map<String, byte[]> headers) {
    }

    /** A batch as the log writes it: header, then each record as zig-zag varints and length-prefixed bytes. */
    static ByteBuffer batch(long baseOffset, long appendTime, List<Rec> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Rec r : records) {
            ByteArrayOutputStream rec = new ByteArrayOutputStream();
            rec.write(r.value() == null ? 1 : 0); // attributes (bit 0: tombstone)
            varlong(rec, r.timestampDelta());
            varlong(rec, r.offsetDelta());
            bytes(rec, r.key());
            bytes(rec, r.value());
            varlong(rec, r.headers().size());
            r.headers().forEach((k, v) -> {
                bytes(rec, k.getBytes(StandardCharsets.UTF_8));
                bytes(rec, v);
            });
            varlong(body, rec.size());
            body.writeBytes(rec.toByteArray());
        }
        int length = 56 + body.size();
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putLong(baseOffset).putInt(length).putInt(0).put((byte) 1).put((byte) 0).putShort((short) 0)
                .putInt(records.get(records.size() - 1).offsetDelta()).putLong(appendTime).putLong(appendTime)
                .putLong(-1).putInt(-1).putInt(records.size()).put(body.toByteArray());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 16, length - 16);
        b.putInt(12, (int) crc.getValue());
        return b.flip();
    }

    private static void varlong(ByteArrayOutputStream out, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void bytes(ByteArrayOutputStream out, byte[] b) {
        if (b == null) {
            varlong(out, -1);
        } else {
            varlong(out, b.length);
            out.writeBytes(b);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer sample() {
        return batch(100, 1_700_000_000_000L, List.of(
                new Rec(0, 0, utf8("emp-1"), utf8("hired"), Map.of("source", utf8("hr"))),
                new Rec(1, 5, null, utf8("keyless"), Map.of()),
                new Rec(3, -2, utf8("emp-2"), null, Map.of()), // compaction left a gap at 102; a tombstone
                new Rec(4, 9, utf8("emp-3"), new byte[0], java.util.Collections.singletonMap("h", null))));
    }

    @Test
    void readsTheMessagesAtTheGivenOffsetsWithEveryField() {
        List<StoredBatches.Stored> read = StoredBatches.read(sample(), new long[] {100, 103, 104});

        assertThat(read).extracting(StoredBatches.Stored::offset).containsExactly(100L, 103L, 104L);
        StoredBatches.Stored first = read.get(0);
        assertThat(first.timestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("emp-1");
        assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("hired");
        assertThat(first.headers()).containsOnlyKeys("source");
        assertThat(read.get(1).value()).as("a tombstone").isNull();
        assertThat(read.get(1).timestampMs()).isEqualTo(1_700_000_000_000L - 2);
        assertThat(read.get(2).value()).isEmpty();
        assertThat(read.get(2).headers().get("h")).as("a header without value reads as empty").isEmpty();
    }

    @Test
    void refusesACorruptBatchWhole() {
        ByteBuffer corrupt = sample();
        corrupt.put(70, (byte) (corrupt.get(70) ^ 0x01)); // one bit in a record
        assertThatThrownBy(() -> StoredBatches.read(corrupt, new long[] {100}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CRC32C");

        ByteBuffer cut = sample().limit(60);
        assertThatThrownBy(() -> StoredBatches.read(cut, new long[] {100}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length");
    }

    @Test
    void refusesAnOffsetTheBatchDoesNotHold() {
        assertThatThrownBy(() -> StoredBatches.read(sample(), new long[] {100, 102}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no message at offset 102");
    }
}
