package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.internal.HeldBytes;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyLinesTest {

    @TempDir
    Path dir;

    /** Offsets 0..499 of a log: keys a (even) and b (odd) below 4, then k; 100-byte values. */
    private final List<Record> log = new ArrayList<>();

    @BeforeEach
    void fill() throws Exception {
        try (PartitionLog partition = PartitionLog.open(dir, LogConfig.defaults())) {
            RecordBatchBuilder batch = new RecordBatchBuilder();
            for (int o = 0; o < 500; o++) {
                String key = o < 4 ? (o % 2 == 0 ? "a" : "b") : "k";
                batch.add(o, key.getBytes(StandardCharsets.UTF_8), new byte[100]);
            }
            partition.append(batch).join();
            log.addAll(partition.read(0, 1 << 20).records());
        }
    }

    private Record record(long offset, String key, int size) {
        Record r = log.get((int) offset);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(key);
        assertThat(r.value()).hasSize(size);
        return r;
    }

    @Test
    void aKeyGoesToItsWaitingMessagesOneAtATimeInOffsetOrder() {
        KeyLines lines = new KeyLines(1000, 1 << 20, new HeldBytes(1L << 40));
        assertThat(lines.take(record(0, "a", 100))).isTrue();
        assertThat(lines.take(record(1, "b", 100))).isTrue();
        assertThat(lines.take(record(4, "k", 100))).isTrue();
        assertThat(lines.take(record(5, "k", 100))).isFalse();
        assertThat(lines.take(record(2, "a", 100))).isFalse();
        assertThat(lines.take(record(0, "a", 100))).as("the holder itself may go").isTrue();
        assertThat(lines.waitingCount()).isEqualTo(2);
        assertThat(lines.pollNext()).isNull();

        lines.release(0);
        KeyLines.Waiting next = lines.pollNext();
        assertThat(next.offset()).isEqualTo(2);
        assertThat(next.record()).isNotNull();
        assertThat(lines.keyHeldBy(2)).isEqualTo(java.nio.ByteBuffer.wrap("a".getBytes(StandardCharsets.UTF_8)));
        assertThat(lines.pollNext()).isNull();
        lines.release(1);
        assertThat(lines.busyKeys()).as("a (held by 2) and k").isEqualTo(2);
        lines.release(2);
        lines.release(4);
        assertThat(lines.pollNext().offset()).isEqualTo(5);
        lines.release(5);
        assertThat(lines.busyKeys()).isZero();
        assertThat(lines.waitingCount()).isZero();
        assertThat(lines.waitingBytes()).isZero();
    }

    @Test
    void theBrokerWideBudgetBoundsTheContentsKeptAndGetsEverythingBack() {
        HeldBytes held = new HeldBytes(3 * 101);
        KeyLines lines = new KeyLines(10_000, 1 << 20, held);
        KeyLines other = new KeyLines(10_000, 1 << 20, held);
        assertThat(lines.take(record(4, "k", 100))).isTrue();
        assertThat(lines.take(record(5, "k", 100))).isFalse();
        assertThat(lines.take(record(6, "k", 100))).isFalse();
        assertThat(other.take(record(4, "k", 100))).isTrue();
        assertThat(other.take(record(5, "k", 100))).isFalse();
        assertThat(other.take(record(6, "k", 100))).as("the budget is used up: an offset only").isFalse();
        assertThat(held.used()).isEqualTo(3 * 101);
        assertThat(lines.waitingBytes() + other.waitingBytes()).isEqualTo(3 * 101);

        lines.release(4);
        assertThat(lines.pollNext().record()).isNotNull();
        assertThat(held.used()).isEqualTo(2 * 101);
        other.release(4);
        assertThat(other.pollNext().record()).isNotNull();
        other.release(5);
        assertThat(other.pollNext().record()).as("kept as an offset: read again by the group").isNull();
        lines.releaseAll(); // the group closes with offset 6 still waiting, its contents kept
        assertThat(held.used()).isZero();
    }

    @Test
    void pastItsBytesItKeepsOffsetsOnlyAndStopsReadingAheadUntilHalfTheContentsWentOut() {
        KeyLines lines = new KeyLines(10_000, 1000, new HeldBytes(1L << 40));
        assertThat(lines.take(record(4, "k", 100))).isTrue();
        long offset = 5;
        for (; offset <= 14; offset++) { // 10 x 101 bytes: the tenth no longer fits
            assertThat(lines.take(record(offset, "k", 100))).isFalse();
        }
        assertThat(lines.waitingBytes()).isEqualTo(909);
        assertThat(lines.mayReadAhead()).isTrue();
        while (lines.mayReadAhead()) {
            lines.take(record(offset++, "k", 100));
        }
        assertThat(lines.spilling()).isTrue();
        assertThat(offset - 5 - 9).as("spilled before stopping").isEqualTo(lines.spillLimit());

        for (long held = 4; held < 9; held++) { // 5 of the 9 with contents handed out: reading ahead goes on
            lines.release(held);
            assertThat(lines.pollNext().record()).isNotNull();
        }
        assertThat(lines.waitingBytes()).isEqualTo(4 * 101);
        assertThat(lines.mayReadAhead()).isTrue();
    }
    /** A message freed for its key but not at hand (kept as an offset, its segment being fetched) goes first again. */
    @Test
    void aMessageWithoutContentsPutBackIsFirstInLineAgainAndKeepsItsKey() {
        KeyLines lines = new KeyLines(10_000, 0, new HeldBytes(1L << 40)); // no contents kept: offsets only
        assertThat(lines.take(record(0, "a", 100))).isTrue();
        assertThat(lines.take(record(1, "b", 100))).isTrue();
        assertThat(lines.take(record(2, "a", 100))).isFalse();
        assertThat(lines.take(record(3, "b", 100))).isFalse();
        lines.release(0);
        lines.release(1);
        KeyLines.Waiting two = lines.pollNext();
        KeyLines.Waiting three = lines.pollNext();
        assertThat(two.offset()).isEqualTo(2);
        assertThat(two.record()).isNull();
        lines.putBack(List.of(two, three));
        assertThat(lines.keyHeldBy(2)).as("still holds its key").isEqualTo(java.nio.ByteBuffer.wrap(
                "a".getBytes(StandardCharsets.UTF_8)));
        assertThat(lines.take(record(2, "a", 100))).as("the holder may go").isTrue();
        assertThat(lines.pollNext().offset()).isEqualTo(2);
        assertThat(lines.pollNext().offset()).isEqualTo(3);
        assertThat(lines.pollNext()).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lines.putBack(List.of(new KeyLines.Waiting(4,
                record(4, "k", 100))))).isInstanceOf(IllegalArgumentException.class);
    }
}
