package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PartitionStore} promises, run against each implementation by a subclass that says how to open
 * one ({@link PartitionLogContractTest}, {@link MemoryPartitionStoreContractTest}). Written against the interface
 * only: a store that passes can stand under the broker.
 */
abstract class PartitionStoreContract {

    private static final long SEED = 11;
    private static final int MAX_VALUE = 200;

    /** A fresh, empty store with {@code config}; closed by the test. */
    protected abstract PartitionStore open(LogConfig config);

    private static LogConfig small() {
        return LogConfig.builder().segmentBytes(4096).indexIntervalBytes(256).build();
    }

    private static AppendResult append(PartitionStore store, ByteBuffer batch) throws Exception {
        return store.append(batch).get(30, TimeUnit.SECONDS);
    }

    /** Appends batches of 1..5 records until {@code count} more records are in, each as {@link TestRecords} has it. */
    private static void appendRecords(PartitionStore store, long count) throws Exception {
        long next = store.nextOffset();
        long end = next + count;
        while (next < end) {
            int n = (int) Math.min(1 + next % 5, end - next);
            AppendResult result = append(store, TestRecords.batch(SEED, next, n, MAX_VALUE));
            assertThat(result.baseOffset()).isEqualTo(next);
            assertThat(result.lastOffset()).isEqualTo(next + n - 1);
            next += n;
        }
    }

    private static List<Record> readAll(PartitionStore store, long from, int maxBytes) {
        List<Record> records = new ArrayList<>();
        long offset = from;
        while (offset < store.nextOffset()) {
            FetchResult result = store.read(offset, maxBytes);
            assertThat(result.isEmpty()).as("a read below the next offset returns something").isFalse();
            records.addAll(result.records());
            offset = result.nextOffset();
        }
        return records;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void appendsTakeDenseOffsetsAndReadBackExactly() throws Exception {
        try (PartitionStore store = open(small())) {
            assertThat(store.firstOffset()).isZero();
            assertThat(store.nextOffset()).isZero();
            appendRecords(store, 300);
            assertThat(store.nextOffset()).isEqualTo(300);
            assertThat(store.recordCount()).isEqualTo(300);
            List<Record> records = readAll(store, 0, 1000);
            assertThat(records).hasSize(300);
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).offset()).isEqualTo(i);
                assertThat(TestRecords.matches(SEED, records.get(i), MAX_VALUE)).as("%s", records.get(i)).isTrue();
            }
            assertThat(store.segments().size()).as("4 KiB segments roll").isGreaterThan(3);
            assertThat(store.sizeInBytes()).isEqualTo(store.segments().stream()
                    .mapToLong(PartitionStore.SegmentInfo::sizeInBytes).sum());
        }
    }

    @Test
    void aReadStartsWithTheBatchHoldingTheOffsetAndGivesWholeBatchesWithinMaxBytes() throws Exception {
        try (PartitionStore store = open(LogConfig.defaults())) {
            append(store, TestRecords.batch(SEED, 0, 5, MAX_VALUE));
            append(store, TestRecords.batch(SEED, 5, 5, MAX_VALUE));
            append(store, TestRecords.batch(SEED, 10, 5, MAX_VALUE));
            FetchResult mid = store.read(7, 1);
            assertThat(mid.batches()).as("at least the batch holding the offset, even over maxBytes").hasSize(1);
            assertThat(mid.batches().get(0).baseOffset()).isEqualTo(5);
            assertThat(mid.records()).extracting(Record::offset).containsExactly(7L, 8L, 9L);
            assertThat(mid.record(8).offset()).isEqualTo(8);
            assertThat(mid.nextOffset()).isEqualTo(10);
            FetchResult all = store.read(0, 1 << 20);
            assertThat(all.batches()).extracting(RecordBatch::baseOffset).containsExactly(0L, 5L, 10L);
            int twoBatches = all.batches().get(0).sizeInBytes() + all.batches().get(1).sizeInBytes();
            assertThat(store.read(0, twoBatches).batches()).hasSize(2);
            assertThat(store.read(0, twoBatches - 1).batches()).hasSize(1);
        }
    }

    @Test
    void aReadAtTheNextOffsetIsEmptyAndOneOutsideTheRangeIsRefused() throws Exception {
        try (PartitionStore store = open(LogConfig.defaults())) {
            assertThat(store.read(0, 100).isEmpty()).isTrue();
            appendRecords(store, 10);
            FetchResult atEnd = store.read(10, 100);
            assertThat(atEnd.isEmpty()).isTrue();
            assertThat(atEnd.nextOffset()).isEqualTo(10);
            assertThatThrownBy(() -> store.read(11, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> store.read(-1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void aRefusedBatchStoresNothing() throws Exception {
        try (PartitionStore store = open(LogConfig.builder().maxBatchBytes(4096).build())) {
            appendRecords(store, 3);
            ByteBuffer corrupt = new RecordBatchBuilder().add(1, bytes("k"), bytes("value")).build();
            corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
            assertFailsWith(store.append(corrupt), InvalidBatchException.class);
            ByteBuffer big = new RecordBatchBuilder().add(1, null, new byte[5000]).build();
            assertFailsWith(store.append(big), InvalidBatchException.class);
            assertThat(store.nextOffset()).isEqualTo(3);
            assertThat(append(store, TestRecords.batch(SEED, 3, 2, MAX_VALUE)).baseOffset()).isEqualTo(3);
            assertThat(readAll(store, 0, 1000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
        }
    }

    @Test
    void retentionRemovesWholeSegmentsBelowTheOffsetAndNeverTheActiveOne() throws Exception {
        try (PartitionStore store = open(small())) {
            appendRecords(store, 300);
            List<PartitionStore.SegmentInfo> before = store.segments();
            long thirdBase = before.get(2).baseOffset();
            assertThat(store.deleteSegmentsBefore(thirdBase + 1)).isEqualTo(2);
            assertThat(store.firstOffset()).isEqualTo(thirdBase);
            assertThatThrownBy(() -> store.read(thirdBase - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(readAll(store, thirdBase, 1000)).extracting(Record::offset).first().isEqualTo(thirdBase);
            store.deleteSegmentsBefore(Long.MAX_VALUE);
            assertThat(store.segments()).hasSize(1);
            long activeBase = before.get(before.size() - 1).baseOffset();
            assertThat(store.firstOffset()).isEqualTo(activeBase);
            assertThat(readAll(store, activeBase, 1000)).hasSize((int) (300 - activeBase));
            appendRecords(store, 5);
            assertThat(store.nextOffset()).isEqualTo(305);
        }
    }

    @Test
    void compactionDropsRejectedRecordsOfSealedSegmentsAndKeepsEveryOffset() throws Exception {
        try (PartitionStore store = open(small())) {
            appendRecords(store, 300);
            long activeBase = store.segments().get(store.segments().size() - 1).baseOffset();
            CompactionStats stats = store.compact(r -> r.offset() % 2 == 0, Throttle.unlimited());
            assertThat(stats.segmentsRewritten()).isEqualTo(store.segments().size() - 1);
            assertThat(stats.recordsRemoved()).isEqualTo(activeBase / 2);
            assertThat(store.nextOffset()).isEqualTo(300);
            assertThat(store.recordCount()).isEqualTo(300 - activeBase / 2);
            List<Record> records = readAll(store, 0, 1000);
            for (Record r : records) {
                assertThat(TestRecords.matches(SEED, r, MAX_VALUE)).as("%s", r).isTrue();
            }
            assertThat(records).extracting(Record::offset)
                    .allMatch(o -> o % 2 == 0 || o >= activeBase, "odd offsets only in the active segment")
                    .hasSize((int) (300 - activeBase / 2));
            for (long dropped = 1; dropped < activeBase; dropped += 2) {
                long o = dropped;
                FetchResult gap = store.read(o, 100);
                assertThat(gap.isEmpty()).as("a read at dropped offset %d returns the batch covering it", o).isFalse();
                assertThat(gap.nextOffset()).isGreaterThan(o);
                assertThat(gap.records()).extracting(Record::offset).allMatch(x -> x > o);
            }
            assertThat(store.compact(r -> r.offset() % 2 == 0, Throttle.unlimited()).recordsRemoved()).isZero();
            appendRecords(store, 3);
            assertThat(store.nextOffset()).isEqualTo(303);
        }
    }

    @Test
    void boundedCompactionRewritesOnlySegmentsEndingAtOrBelowTheBound() throws Exception {
        try (PartitionStore store = open(small())) {
            appendRecords(store, 300);
            List<PartitionStore.SegmentInfo> segments = store.segments();
            assertThat(segments).hasSizeGreaterThanOrEqualTo(4);
            int middle = segments.size() / 2;
            long bound = segments.get(middle).baseOffset(); // the end of segment middle - 1
            long activeBase = segments.get(segments.size() - 1).baseOffset();
            ByteBuffer above = storedBytes(store, bound, activeBase);

            CompactionStats stats = store.compact(r -> r.offset() % 2 == 0, Throttle.unlimited(), bound + 1);

            assertThat(stats.segmentsRewritten()).as("segments ending at or below %d", bound + 1).isEqualTo(middle);
            assertThat(stats.recordsRemoved()).isEqualTo(bound / 2);
            assertThat(storedBytes(store, bound, activeBase)).as("the segments above the bound, byte for byte")
                    .isEqualTo(above);
            assertThat(readAll(store, 0, 1000)).extracting(Record::offset)
                    .allMatch(o -> o % 2 == 0 || o >= bound, "odd offsets only at or above the bound")
                    .hasSize((int) (300 - bound / 2));
            assertThat(store.compact(r -> r.offset() % 2 == 0, Throttle.unlimited(), bound - 1).segmentsRewritten())
                    .as("nothing left below the bound; the segment ending at the bound is not below %d", bound - 1)
                    .isZero();
            assertThat(storedBytes(store, bound, activeBase)).isEqualTo(above);
            assertThat(store.compact(r -> r.offset() % 2 == 0, Throttle.unlimited()).segmentsRewritten())
                    .as("unbounded: the rest").isEqualTo(segments.size() - 1 - middle);
        }
    }

    /** The stored batches covering [from, to), as reads return them. */
    private static ByteBuffer storedBytes(PartitionStore store, long from, long to) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (long offset = from; offset < to; ) {
            FetchResult result = store.read(offset, 1 << 20);
            ByteBuffer bytes = result.bytes();
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            out.writeBytes(copy);
            offset = result.nextOffset();
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    @Test
    void compactionThatDropsAWholeSegmentLeavesItsOffsetsCovered() throws Exception {
        try (PartitionStore store = open(small())) {
            appendRecords(store, 300);
            long activeBase = store.segments().get(store.segments().size() - 1).baseOffset();
            store.compact(r -> false, Throttle.unlimited());
            assertThat(store.recordCount()).isEqualTo(300 - activeBase);
            FetchResult first = store.read(0, 1 << 20);
            assertThat(readAll(store, 0, 1 << 20)).extracting(Record::offset).first().isEqualTo(activeBase);
            assertThat(first.nextOffset()).isPositive();
        }
    }

    @Test
    void findsTheFirstRecordAtATimestampAndTheFirstBatchAtAnAppendTime() throws Exception {
        PartitionLogTest.MutableClock clock = new PartitionLogTest.MutableClock();
        try (PartitionStore store = open(LogConfig.builder().clock(clock).build())) {
            long t0 = clock.millis();
            append(store, new RecordBatchBuilder().appendTime(t0).add(500, null, bytes("a")).add(700, null, bytes("b"))
                    .build());
            clock.advance(Duration.ofMinutes(1));
            long t1 = clock.millis();
            append(store, new RecordBatchBuilder().appendTime(t1).add(600, null, bytes("c")).add(900, null, bytes("d"))
                    .build());
            assertThat(store.offsetForTimestamp(0)).hasValue(0);
            assertThat(store.offsetForTimestamp(650)).hasValue(1);
            assertThat(store.offsetForTimestamp(800)).hasValue(3);
            assertThat(store.offsetForTimestamp(901)).isEmpty();
            assertThat(store.offsetForAppendTime(t0)).hasValue(0);
            assertThat(store.offsetForAppendTime(t0 + 1)).hasValue(2);
            assertThat(store.offsetForAppendTime(t1 + 1)).isEmpty();
        }
    }

    @Test
    void flushAsyncCompletesInOrderAndAClosedStoreRefusesWrites() throws Exception {
        PartitionStore store = open(LogConfig.defaults());
        appendRecords(store, 5);
        CompletableFuture<Void> first = store.flushAsync();
        CompletableFuture<Void> second = store.flushAsync();
        second.get(30, TimeUnit.SECONDS);
        assertThat(first).isDone();
        store.flush();
        store.close();
        store.close();
        assertFailsWith(store.append(TestRecords.batch(SEED, 5, 1, MAX_VALUE)), LogClosedException.class);
        assertFailsWith(store.flushAsync(), LogClosedException.class);
        assertThatThrownBy(() -> store.deleteSegmentsBefore(5)).isInstanceOf(LogClosedException.class);
    }

    /**
     * Random appends, reads, retention and compaction against a model (offset → record) on tiny segments. The seed
     * is printed; {@code -Dstore.seed=N} replays it.
     */
    @Test
    void randomOperationsMatchAModel() throws Exception {
        long seed = Long.getLong("store.seed", System.nanoTime());
        System.out.println(getClass().getSimpleName() + ".randomOperationsMatchAModel seed " + seed);
        Random random = new Random(seed);
        TreeMap<Long, Record> model = new TreeMap<>();
        try (PartitionStore store = open(LogConfig.builder().segmentBytes(2048).indexIntervalBytes(128).build())) {
            for (int step = 0; step < 400; step++) {
                int action = random.nextInt(10);
                String where = "seed " + seed + ", step " + step;
                if (action < 6) {
                    long first = store.nextOffset();
                    int n = 1 + random.nextInt(6);
                    append(store, TestRecords.batch(SEED, first, n, MAX_VALUE));
                    for (Record r : new FetchResult(first, TestRecords.batch(SEED, first, n, MAX_VALUE)
                            .putLong(BatchFormat.BASE_OFFSET, first), first + n).records()) {
                        model.put(r.offset(), r);
                    }
                } else if (action < 8) {
                    long from = store.firstOffset() + (long) (random.nextDouble()
                            * (store.nextOffset() - store.firstOffset() + 1));
                    List<Record> got = readAll(store, from, 1 + random.nextInt(3000));
                    assertThat(got).as(where).isEqualTo(new ArrayList<>(model.tailMap(from).values()));
                } else if (action == 8) {
                    long below = store.firstOffset() + (long) (random.nextDouble()
                            * (store.nextOffset() - store.firstOffset() + 1));
                    store.deleteSegmentsBefore(below);
                    model.headMap(store.firstOffset()).clear();
                    assertThat(store.firstOffset()).as(where).isLessThanOrEqualTo(Math.max(below, 0));
                } else {
                    int modulus = 2 + random.nextInt(4);
                    long activeBase = store.segments().get(store.segments().size() - 1).baseOffset();
                    store.compact(r -> r.offset() % modulus != 0, Throttle.unlimited());
                    model.entrySet().removeIf(e -> e.getKey() < activeBase && e.getKey() % modulus == 0);
                }
                assertThat(store.recordCount()).as(where).isEqualTo(model.size());
            }
            Map.Entry<Long, Record> last = model.lastEntry();
            assertThat(readAll(store, store.firstOffset(), 1 << 20)).as("seed " + seed)
                    .isEqualTo(new ArrayList<>(model.tailMap(store.firstOffset()).values()));
            assertThat(last == null || last.getKey() < store.nextOffset()).isTrue();
        }
    }

    private static void assertFailsWith(CompletableFuture<?> future, Class<? extends Throwable> type) {
        assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(type);
    }
}
