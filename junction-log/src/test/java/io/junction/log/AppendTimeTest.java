package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch's base timestamp as the broker's append time (issue #12, point 3): record timestamps far from it in
 * either direction read back exactly, a batch built without one reads as before, {@link
 * PartitionLog#offsetForAppendTime} finds batches by when they were stored whatever their records say, and the
 * time index stays an upper bound of record timestamps and append times — live, after a reopen, after an index
 * rebuild and after compaction. The randomized test prints its seed ({@code -Dappendtime.seed=N} replays it).
 */
class AppendTimeTest {

    private static final long T = TestRecords.BASE_TIME;
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long YEAR = Duration.ofDays(365).toMillis();

    @TempDir
    Path dir;

    private static LogConfig small() {
        return LogConfig.builder().segmentBytes(2048).indexIntervalBytes(256).build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadBackEveryRecordTimestampExactlyWhenTheAppendTimeIsFarFromThem() {
        Long[] timestamps = {T - HOUR, T + HOUR, T, 0L, T + YEAR, T - YEAR, 1L, Long.MAX_VALUE / 4, T - 1};
        RecordBatchBuilder builder = new RecordBatchBuilder().appendTime(T);
        for (int i = 0; i < timestamps.length; i++) {
            builder.add(timestamps[i], null, bytes("v" + i));
        }
        ByteBuffer built = builder.build();
        RecordBatch view = new RecordBatch(built.duplicate());
        assertThat(view.appendTime()).isEqualTo(T);
        assertThat(view.maxTimestamp()).isEqualTo(Long.MAX_VALUE / 4);
        assertThat(view.records()).extracting(Record::timestamp).containsExactly(timestamps);

        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            log.append(built).join(); // validateForAppend recomputes the max timestamp from the deltas
            assertThat(log.read(0, 1 << 20).records()).extracting(Record::timestamp).containsExactly(timestamps);
        }
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            RecordBatch reread = log.read(0, 1 << 20).batches().get(0);
            assertThat(reread.appendTime()).isEqualTo(T);
            assertThat(reread.records()).extracting(Record::timestamp).containsExactly(timestamps);
        }
    }

    @Test
    void shouldSpendOneTimestampByteOnARecordDatedAtItsAppendTime() {
        int withAppendTime = new RecordBatchBuilder().appendTime(T).add(T, null, bytes("v")).sizeInBytes();
        int without = new RecordBatchBuilder().add(T, null, bytes("v")).sizeInBytes();
        int datedAnHourEarlier = new RecordBatchBuilder().appendTime(T).add(T - HOUR, null, bytes("v")).sizeInBytes();
        // length, attributes, timestamp delta 0, offset delta, no key, value length, value, header count
        assertThat(withAppendTime).isEqualTo(without).isEqualTo(BatchFormat.HEADER_SIZE + 8);
        assertThat(datedAnHourEarlier).isGreaterThan(withAppendTime);
    }

    @Test
    void shouldReadABatchBuiltWithoutAnAppendTimeAsBefore() {
        ByteBuffer old = new RecordBatchBuilder().add(T + 5, null, bytes("a")).add(T, null, bytes("b"))
                .add(T + 9, null, bytes("c")).build();
        assertThat(old.getLong(24)).as("bytes 24..31 hold the first record's timestamp, as always").isEqualTo(T + 5);
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            log.append(old).join();
            RecordBatch batch = log.read(0, 1 << 20).batches().get(0);
            assertThat(batch.appendTime()).isEqualTo(T + 5);
            assertThat(batch.records()).extracting(Record::timestamp).containsExactly(T + 5, T, T + 9);
            assertThat(log.offsetForAppendTime(T + 5)).hasValue(0);
            assertThat(log.offsetForAppendTime(T + 6)).isEmpty();
        }
    }

    @Test
    void shouldRefuseAnAppendTimeSetAfterTheFirstRecord() {
        RecordBatchBuilder builder = new RecordBatchBuilder().add(T, null, bytes("v"));
        assertThatThrownBy(() -> builder.appendTime(T)).isInstanceOf(IllegalStateException.class);
    }

    /**
     * 120 batches appended a second apart over many small segments, whose records are dated up to a year in the
     * past (the first 40 batches), in the past, the future or at the append time (the next 40), or in the future
     * (the last 40): the lookup by append time finds each batch, before and after a reopen, and after the sealed
     * segments' index files are lost and rebuilt.
     */
    @Test
    void shouldFindTheFirstBatchAppendedAtOrAfterATimeWhateverItsRecordsSay() throws Exception {
        String fixed = System.getProperty("appendtime.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("AppendTimeTest: seed=" + seed + " (replay with -Dappendtime.seed=" + seed + ")");
        Random random = new Random(seed);
        int batches = 120;
        long[] bases = new long[batches];
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            for (int b = 0; b < batches; b++) {
                RecordBatchBuilder builder = new RecordBatchBuilder().appendTime(appendTime(b));
                for (int r = random.nextInt(4); r >= 0; r--) {
                    int direction = b < 40 ? 0 : b < 80 ? random.nextInt(3) : 1;
                    long skew = switch (direction) {
                        case 0 -> -1 - (long) (random.nextDouble() * YEAR);
                        case 1 -> 1 + (long) (random.nextDouble() * YEAR);
                        default -> 0;
                    };
                    builder.add(appendTime(b) + skew, null, new byte[random.nextInt(100)]);
                }
                bases[b] = log.append(builder).join().baseOffset();
            }
            assertThat(log.segmentCount()).as("seed %d", seed).isGreaterThan(5);
            assertFindsEveryBatch(log, bases, seed);
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertFindsEveryBatch(log, bases, seed);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(LogFiles.TIME_INDEX_SUFFIX)).toList()) {
                Files.delete(f);
            }
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.recoveryReport().rebuiltIndexes()).isPositive();
            assertFindsEveryBatch(log, bases, seed);
        }
    }

    private static long appendTime(int batch) {
        return T + batch * 1000L;
    }

    private static void assertFindsEveryBatch(PartitionLog log, long[] bases, long seed) {
        for (int b = 0; b < bases.length; b++) {
            assertThat(log.offsetForAppendTime(appendTime(b))).as("seed %d: appended at batch %d's time", seed, b)
                    .hasValue(bases[b]);
            assertThat(log.offsetForAppendTime(appendTime(b) - 500)).as("seed %d: just before batch %d", seed, b)
                    .hasValue(bases[b]);
        }
        assertThat(log.offsetForAppendTime(Long.MIN_VALUE)).hasValue(0);
        assertThat(log.offsetForAppendTime(appendTime(bases.length - 1) + 1)).as("seed %d: after the last", seed)
                .isEmpty();
    }

    @Test
    void shouldKeepTheTimeIndexAnUpperBoundOfRecordTimestampsAndAppendTimes() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            for (int b = 0; b < 60; b++) {
                long recordTime = b % 2 == 0 ? appendTime(b) - YEAR : appendTime(b) + HOUR;
                log.append(new RecordBatchBuilder().appendTime(appendTime(b)).add(recordTime, null, new byte[80]))
                        .join();
            }
            assertThat(log.segmentCount()).isGreaterThan(2);
            assertTimeIndexesBoundTheirBatches(log);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(LogFiles.TIME_INDEX_SUFFIX)).toList()) {
                Files.delete(f);
            }
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertTimeIndexesBoundTheirBatches(log); // rebuilt from the batch headers
        }
    }

    @Test
    void shouldKeepTheTimeIndexAnUpperBoundOfAppendTimesThroughCompaction() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            for (int b = 0; b < 60; b++) {
                log.append(new RecordBatchBuilder().appendTime(appendTime(b))
                        .add(appendTime(b) - YEAR, bytes("k" + b % 3), new byte[80])).join();
            }
            List<Record> all = new ArrayList<>();
            for (long o = log.firstOffset(); o < log.nextOffset(); ) {
                FetchResult r = log.read(o, 1 << 20);
                all.addAll(r.records());
                o = r.nextOffset();
            }
            CompactionStats stats = log.compact(r -> r.offset() % 3 == 0, Throttle.unlimited());
            assertThat(stats.segmentsRewritten()).isPositive();
            assertTimeIndexesBoundTheirAppendTimes(log, all);
        }
    }

    /**
     * Every sealed segment's time index file: each entry is at least the record timestamps and append times of
     * every batch up to its own, and the last one bounds the whole segment.
     */
    private void assertTimeIndexesBoundTheirBatches(PartitionLog log) throws IOException {
        List<PartitionStore.SegmentInfo> segments = log.segments();
        for (int s = 0; s + 1 < segments.size(); s++) {
            long base = segments.get(s).baseOffset();
            long end = segments.get(s + 1).baseOffset();
            ByteBuffer times = ByteBuffer.wrap(Files.readAllBytes(LogFiles.timeIndexFile(dir, base)));
            List<RecordBatch> batches = new ArrayList<>();
            for (long o = base; o < end; ) {
                FetchResult r = log.read(o, 1 << 20);
                r.batches().stream().filter(b -> b.baseOffset() < end).forEach(batches::add);
                o = r.nextOffset();
            }
            assertThat(times.remaining()).isPositive();
            while (times.hasRemaining()) {
                long bound = times.getLong();
                long rel = times.getInt();
                for (RecordBatch b : batches) {
                    if (b.baseOffset() - base <= rel || !times.hasRemaining()) {
                        assertThat(bound).as("segment %d, entry at %d, batch %s", base, rel, b)
                                .isGreaterThanOrEqualTo(b.appendTime())
                                .isGreaterThanOrEqualTo(b.maxTimestamp());
                    }
                }
            }
        }
    }

    /** After compaction: each sealed segment's last time index entry is at least every append time it covers. */
    private void assertTimeIndexesBoundTheirAppendTimes(PartitionLog log, List<Record> before) throws IOException {
        List<PartitionStore.SegmentInfo> segments = log.segments();
        for (int s = 0; s + 1 < segments.size(); s++) {
            long base = segments.get(s).baseOffset();
            long end = segments.get(s + 1).baseOffset();
            ByteBuffer times = ByteBuffer.wrap(Files.readAllBytes(LogFiles.timeIndexFile(dir, base)));
            long last = times.getLong(times.limit() - SegmentIndex.TIME_ENTRY_SIZE);
            long newestAppend = before.stream().filter(r -> r.offset() >= base && r.offset() < end)
                    .mapToLong(r -> r.timestamp() + YEAR).max().orElseThrow(); // each record was dated a year back
            assertThat(last).as("segment %d", base).isGreaterThanOrEqualTo(newestAppend);
        }
    }

    @Test
    void shouldCountASegmentsAgeFromItsAppendTimeAfterAReopen() throws Exception {
        PartitionLogTest.MutableClock clock = new PartitionLogTest.MutableClock();
        LogConfig config = LogConfig.builder().segmentAge(Duration.ofHours(1)).clock(clock).build();
        try (PartitionLog log = PartitionLog.open(dir, config)) {
            log.append(new RecordBatchBuilder().appendTime(clock.millis()).add(clock.millis() - 2 * HOUR, null,
                    bytes("dated two hours back"))).join();
        }
        clock.advance(Duration.ofMinutes(30));
        try (PartitionLog log = PartitionLog.open(dir, config)) {
            log.append(new RecordBatchBuilder().appendTime(clock.millis()).add(clock.millis(), null, bytes("b")))
                    .join();
            assertThat(log.segmentCount()).as("the segment is 30 minutes old, not two hours").isEqualTo(1);
            clock.advance(Duration.ofMinutes(30));
            log.append(new RecordBatchBuilder().appendTime(clock.millis()).add(clock.millis(), null, bytes("c")))
                    .join();
            assertThat(log.segmentCount()).isEqualTo(2);
        }
    }
}
