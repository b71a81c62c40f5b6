package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {

    private static final long SEED = 7;
    private static final int MAX_VALUE = 200;

    @TempDir
    Path dir;

    private static LogConfig small() {
        return LogConfig.builder().segmentBytes(4096).indexIntervalBytes(256).build();
    }

    private static AppendResult appendNow(PartitionLog log, ByteBuffer batch) throws Exception {
        return log.append(batch).get(30, TimeUnit.SECONDS);
    }

    /** Appends batches of 1..5 records until {@code count} records are in, in expected-content form. */
    private static void appendRecords(PartitionLog log, long count) throws Exception {
        long next = log.nextOffset();
        long end = next + count;
        while (next < end) {
            int n = (int) Math.min(1 + next % 5, end - next);
            AppendResult result = appendNow(log, TestRecords.batch(SEED, next, n, MAX_VALUE));
            assertThat(result.baseOffset()).isEqualTo(next);
            assertThat(result.lastOffset()).isEqualTo(next + n - 1);
            next += n;
        }
    }

    private static List<Record> readAll(PartitionLog log, long from) {
        List<Record> records = new ArrayList<>();
        long offset = from;
        while (offset < log.nextOffset()) {
            FetchResult result = log.read(offset, 1000);
            records.addAll(result.records());
            offset = result.nextOffset();
        }
        return records;
    }

    private static void assertExact(List<Record> records, long from, long to) {
        assertThat(records).hasSize((int) (to - from));
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).offset()).isEqualTo(from + i);
            assertThat(TestRecords.matches(SEED, records.get(i), MAX_VALUE)).as("record %s", records.get(i)).isTrue();
        }
    }

    @Test
    void shouldReadBackKeysValuesHeadersAndTimestampsExactly() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            byte[] binary = {0, (byte) 0xFF, 10, 13};
            ByteBuffer batch = new RecordBatchBuilder()
                    .add(1000, "emp-1".getBytes(StandardCharsets.UTF_8), "first".getBytes(StandardCharsets.UTF_8),
                            List.of(new Header("type", "rename".getBytes(StandardCharsets.UTF_8))))
                    .add(999, null, binary)
                    .add(1005, "emp-1".getBytes(StandardCharsets.UTF_8), new byte[0], List.of(new Header("x", null)))
                    .build();
            AppendResult result = appendNow(log, batch);
            assertThat(result.baseOffset()).isZero();
            assertThat(result.lastOffset()).isEqualTo(2);

            List<Record> records = log.read(0, 1 << 20).records();
            assertThat(records).hasSize(3);
            assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("emp-1");
            assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("first");
            assertThat(records.get(0).headers()).containsExactly(
                    new Header("type", "rename".getBytes(StandardCharsets.UTF_8)));
            assertThat(records.get(0).timestamp()).isEqualTo(1000);
            assertThat(records.get(1).key()).isNull();
            assertThat(records.get(1).value()).containsExactly(binary);
            assertThat(records.get(1).timestamp()).isEqualTo(999);
            assertThat(records.get(2).value()).isEmpty();
            assertThat(records.get(2).headers()).containsExactly(new Header("x", null));
            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(log.read(0, 1 << 20).batches().get(0).maxTimestamp()).isEqualTo(1005);
        }
    }

    @Test
    void shouldAssignDenseOffsetsAcrossBatchesAndSegments() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 300);
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.firstOffset()).isZero();
            assertThat(log.nextOffset()).isEqualTo(300);
            assertThat(log.lastOffset()).isEqualTo(299);
            assertExact(readAll(log, 0), 0, 300);
            assertExact(readAll(log, 137), 137, 300);
        }
    }

    @Test
    void shouldKeepEverythingAcrossACleanReopen() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 250);
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.recoveryReport().truncatedBytes()).isZero();
            assertThat(log.nextOffset()).isEqualTo(250);
            appendRecords(log, 50);
            assertExact(readAll(log, 0), 0, 300);
        }
    }

    @Test
    void shouldRollBySize() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 200);
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> logs = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
                assertThat(logs).hasSize(log.segmentCount());
                for (Path file : logs.subList(0, logs.size() - 1)) {
                    assertThat(Files.size(file)).isLessThanOrEqualTo(4096);
                    assertThat(LogFiles.withSuffix(file, "").resolveSibling(
                            file.getFileName().toString().replace(".log", ".index"))).exists();
                }
            }
        }
    }

    @Test
    void shouldRollByAge() throws Exception {
        MutableClock clock = new MutableClock();
        LogConfig config = LogConfig.builder().segmentAge(Duration.ofHours(1)).clock(clock).build();
        try (PartitionLog log = PartitionLog.open(dir, config)) {
            appendRecords(log, 10);
            clock.advance(Duration.ofMinutes(59));
            appendRecords(log, 10);
            assertThat(log.segmentCount()).isEqualTo(1);
            clock.advance(Duration.ofMinutes(1));
            appendRecords(log, 10);
            assertThat(log.segmentCount()).isEqualTo(2);
            assertExact(readAll(log, 0), 0, 30);
        }
    }

    @Test
    void shouldReturnWholeBatchesWithinMaxBytesButAlwaysAtLeastOne() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            for (int i = 0; i < 10; i++) {
                appendNow(log, TestRecords.batch(SEED, i * 4L, 4, MAX_VALUE));
            }
            FetchResult one = log.read(5, 1);
            assertThat(one.batches()).hasSize(1);
            assertThat(one.batches().get(0).baseOffset()).isEqualTo(4);
            assertThat(one.records()).extracting(Record::offset).containsExactly(5L, 6L, 7L);
            assertThat(one.nextOffset()).isEqualTo(8);

            int twoBatches = log.read(0, 1).sizeInBytes() + log.read(4, 1).sizeInBytes();
            FetchResult two = log.read(0, twoBatches + 10);
            assertThat(two.batches()).hasSize(2);
            assertThat(two.sizeInBytes()).isEqualTo(twoBatches);
        }
    }

    @Test
    void shouldDecodeOneRecordByItsOffsetAsRecordsDecodesIt() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 60);
            FetchResult firstSegment = log.read(0, 1 << 20);
            List<Record> expected = readAll(log, 0);
            assertThat(firstSegment.nextOffset()).isBetween(2L, 59L);
            for (Record r : expected) {
                assertThat(firstSegment.record(r.offset())).isEqualTo(r.offset() < firstSegment.nextOffset() ? r : null);
                FetchResult one = log.read(r.offset(), 1);
                assertThat(one.record(r.offset())).isEqualTo(r);
                assertThat(one.batches()).singleElement().satisfies(b -> assertThat(b.record(r.offset())).isEqualTo(r));
            }
            FetchResult middle = log.read(20, 1);
            assertThat(middle.record(19)).as("below the offset asked for").isNull();
            assertThat(middle.record(middle.nextOffset())).as("past what was read").isNull();
            assertThat(middle.batches().get(0).record(middle.nextOffset())).isNull();
        }
    }

    @Test
    void shouldRefuseOffsetsOutsideTheLogAndReturnNothingAtTheEnd() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            appendRecords(log, 10);
            assertThat(log.read(10, 1000).isEmpty()).isTrue();
            assertThat(log.read(10, 1000).nextOffset()).isEqualTo(10);
            assertThatThrownBy(() -> log.read(11, 1000)).isInstanceOf(OffsetOutOfRangeException.class)
                    .hasMessageContaining("[0, 10]");
            assertThatThrownBy(() -> log.read(-1, 1000)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void shouldFindTheFirstOffsetAtOrAfterATimestamp() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 300); // record o has timestamp BASE_TIME + 10 * o
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.offsetForTimestamp(0)).hasValue(0);
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(123))).hasValue(123);
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(123) - 5)).hasValue(123);
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(299))).hasValue(299);
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(299) + 1)).isEmpty();
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(200))).hasValue(200);
        }
    }

    @Test
    void shouldFindTimestampsThatAreNotInOrder() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            appendNow(log, new RecordBatchBuilder().add(500, null, new byte[1]).add(100, null, new byte[1]).build());
            appendNow(log, new RecordBatchBuilder().add(300, null, new byte[1]).add(900, null, new byte[1]).build());
            assertThat(log.offsetForTimestamp(400)).hasValue(0);
            assertThat(log.offsetForTimestamp(600)).hasValue(3);
        }
    }

    @Test
    void shouldDeleteOnlyWholeSegmentsBelowAnOffsetAndNeverTheActiveOne() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 300);
            int before = log.segmentCount();
            int deleted = log.deleteSegmentsBefore(150);
            assertThat(deleted).isPositive();
            assertThat(log.segmentCount()).isEqualTo(before - deleted);
            assertThat(log.firstOffset()).isLessThanOrEqualTo(150).isPositive();
            long first = log.firstOffset();
            assertThatThrownBy(() -> log.read(first - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            assertExact(readAll(log, first), first, 300);

            log.deleteSegmentsBefore(Long.MAX_VALUE);
            assertThat(log.segmentCount()).isEqualTo(1);
            appendRecords(log, 5);
            assertThat(log.nextOffset()).isEqualTo(305);
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.nextOffset()).isEqualTo(305);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".deleted"));
            }
        }
    }

    @Test
    void shouldTruncateToABatchBoundaryAndReuseTheOffsets() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            for (int i = 0; i < 60; i++) {
                appendNow(log, TestRecords.batch(SEED, i * 5L, 5, MAX_VALUE));
            }
            int segmentsBefore = log.segmentCount();
            assertThatThrownBy(() -> log.truncateTo(102)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not the first offset of a batch");
            log.truncateTo(100);
            assertThat(log.nextOffset()).isEqualTo(100);
            assertThat(log.segmentCount()).isLessThan(segmentsBefore);
            assertExact(readAll(log, 0), 0, 100);
            appendRecords(log, 20);
            assertExact(readAll(log, 0), 0, 120);
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.nextOffset()).isEqualTo(120);
            assertExact(readAll(log, 0), 0, 120);
        }
    }

    @Test
    void shouldRefuseMalformedBatchesAndStoreNothing() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.builder().maxBatchBytes(1000).build())) {
            appendRecords(log, 3);
            ByteBuffer badCrc = TestRecords.batch(SEED, 0, 2, 10);
            badCrc.put(BatchFormat.HEADER_SIZE + 3, (byte) (badCrc.get(BatchFormat.HEADER_SIZE + 3) ^ 1));
            ByteBuffer shortBuffer = TestRecords.batch(SEED, 0, 2, 10);
            shortBuffer.limit(shortBuffer.limit() - 1);
            ByteBuffer tooBig = new RecordBatchBuilder().add(1, null, new byte[2000]).build();
            ByteBuffer garbage = ByteBuffer.wrap("definitely not a batch, just some text long enough".repeat(3)
                    .getBytes(StandardCharsets.UTF_8));

            assertRefused(log.append(badCrc), "CRC mismatch");
            assertRefused(log.append(shortBuffer), "batch length");
            assertRefused(log.append(tooBig), "exceeds the limit of 1000 bytes");
            assertRefused(log.append(garbage), "invalid batch");
            assertThat(log.nextOffset()).isEqualTo(3);
            appendRecords(log, 2);
            assertExact(readAll(log, 0), 0, 5);
        }
    }

    private static void assertRefused(CompletableFuture<AppendResult> future, String reason) {
        assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(InvalidBatchException.class).hasMessageContaining(reason);
    }

    @Test
    void shouldFinishInterruptedFileOperationsOnOpen() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 100);
        }
        Files.writeString(dir.resolve(LogFiles.baseName(0) + LogFiles.INDEX_SUFFIX + LogFiles.TEMP_SUFFIX), "half");
        Files.writeString(dir.resolve(LogFiles.baseName(999) + LogFiles.LOG_SUFFIX + LogFiles.DELETED_SUFFIX), "x");
        Files.writeString(dir.resolve(LogFiles.baseName(999) + LogFiles.INDEX_SUFFIX), "orphan");
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.recoveryReport().unfinishedOperations()).isEqualTo(3);
            assertExact(readAll(log, 0), 0, 100);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".deleted") || n.startsWith(LogFiles.baseName(999)));
        }
    }

    @Test
    void shouldRebuildMissingOrCorruptIndexes() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            appendRecords(log, 300);
        }
        Files.delete(LogFiles.indexFile(dir, 0));
        List<Path> timeIndexes;
        try (Stream<Path> files = Files.list(dir)) {
            timeIndexes = files.filter(f -> f.toString().endsWith(LogFiles.TIME_INDEX_SUFFIX)).sorted().toList();
        }
        Files.write(timeIndexes.get(1), new byte[] {1, 2, 3}); // not a whole entry
        Path thirdIndex = timeIndexes.get(2).resolveSibling(
                timeIndexes.get(2).getFileName().toString().replace(LogFiles.TIME_INDEX_SUFFIX, LogFiles.INDEX_SUFFIX));
        byte[] entries = Files.readAllBytes(thirdIndex);
        entries[entries.length - 1] ^= 0x10; // last entry points into the middle of a batch
        Files.write(thirdIndex, entries);
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.recoveryReport().rebuiltIndexes()).isEqualTo(3);
            assertExact(readAll(log, 0), 0, 300);
            assertThat(log.offsetForTimestamp(TestRecords.timestamp(77))).hasValue(77);
        }
        try (PartitionLog log = PartitionLog.open(dir, small())) {
            assertThat(log.recoveryReport().rebuiltIndexes()).isZero();
        }
    }

    @Test
    void shouldCompleteAnAppendOnlyAfterTheFsyncThatCoversIt() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), FaultyFileChannel.opener(faults))) {
            appendRecords(log, 3);
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            faults.forceGate = gate;
            CompletableFuture<AppendResult> first;
            CompletableFuture<AppendResult> second;
            try {
                first = log.append(TestRecords.batch(SEED, 3, 2, MAX_VALUE));
                second = log.append(TestRecords.batch(SEED, 5, 2, MAX_VALUE));
                // The flusher is held inside fsync: neither append may be acknowledged or visible to readers yet.
                assertThat(first).isNotDone();
                assertThat(second).isNotDone();
                assertThat(log.nextOffset()).isEqualTo(3);
                assertThat(log.read(3, 1000).isEmpty()).isTrue();
            } finally {
                faults.forceGate = null;
                gate.countDown();
            }
            assertThat(second.get(30, TimeUnit.SECONDS).lastOffset()).isEqualTo(6);
            assertThat(first).isCompleted();
            assertThat(log.nextOffset()).isEqualTo(7);
            assertExact(readAll(log, 0), 0, 7);
        }
    }

    @Test
    void shouldCompleteAnIntervalAppendAtOnceAndFsyncInTheBackground() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        LogConfig config = LogConfig.builder().durability(Durability.INTERVAL).flushInterval(Duration.ofMillis(20))
                .build();
        try (PartitionLog log = PartitionLog.open(dir, config, FaultyFileChannel.opener(faults))) {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            faults.forceGate = gate;
            try {
                AppendResult result = log.append(TestRecords.batch(SEED, 0, 3, MAX_VALUE)).getNow(null);
                assertThat(result).isNotNull();
                assertThat(log.nextOffset()).isEqualTo(3); // visible before it is durable: that is this mode
            } finally {
                faults.forceGate = null;
                gate.countDown();
            }
            Path segment = LogFiles.logFile(dir, 0).toAbsolutePath();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (faults.forcedSize(segment) < Files.size(segment) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(faults.forcedSize(segment)).isEqualTo(Files.size(segment));
        }
    }

    @Test
    void shouldMakeIntervalAppendsDurableOnAnExplicitFlush() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        LogConfig config = LogConfig.builder().durability(Durability.INTERVAL).flushInterval(Duration.ofHours(1))
                .build();
        try (PartitionLog log = PartitionLog.open(dir, config, FaultyFileChannel.opener(faults))) {
            log.append(TestRecords.batch(SEED, 0, 3, MAX_VALUE)).get();
            Path segment = LogFiles.logFile(dir, 0).toAbsolutePath();
            assertThat(faults.forcedSize(segment)).isLessThan(Files.size(segment));
            log.flush();
            assertThat(faults.forcedSize(segment)).isEqualTo(Files.size(segment));
        }
    }

    @Test
    void shouldFailTheLogAfterAFailedFsyncAndRecoverOnReopen() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), FaultyFileChannel.opener(faults));
        appendRecords(log, 5);
        faults.failForce = true;
        CompletableFuture<AppendResult> failed = log.append(TestRecords.batch(SEED, 5, 1, MAX_VALUE));
        assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS)).hasMessageContaining("fsync")
                .cause().cause().isNotInstanceOf(DiskFullException.class);
        assertThatThrownBy(() -> log.append(TestRecords.batch(SEED, 6, 1, MAX_VALUE)).get())
                .hasCauseInstanceOf(LogClosedException.class).hasMessageContaining("reopen");
        faults.failForce = false;
        log.close();
        try (PartitionLog reopened = PartitionLog.open(dir, LogConfig.defaults())) {
            assertThat(reopened.nextOffset()).isBetween(5L, 6L); // the failed append may or may not have landed
            assertExact(readAll(reopened, 0), 0, reopened.nextOffset());
        }
    }

    @Test
    void shouldStoreNothingPartialWhenTheDiskIsFullAndWorkAgainWhenSpaceReturns() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults(), FaultyFileChannel.opener(faults))) {
            appendRecords(log, 5);
            long sizeBefore = Files.size(LogFiles.logFile(dir, 0));
            faults.spaceLeft.set(20); // less than one batch: the write is cut in the middle
            CompletableFuture<AppendResult> full = log.append(TestRecords.batch(SEED, 5, 3, MAX_VALUE));
            assertThatThrownBy(() -> full.get(30, TimeUnit.SECONDS)).hasMessageContaining("No space left")
                    .cause().isInstanceOf(LogException.class).cause().isInstanceOf(DiskFullException.class);
            assertThat(Files.size(LogFiles.logFile(dir, 0))).isEqualTo(sizeBefore);
            assertThat(log.nextOffset()).isEqualTo(5);
            faults.spaceLeft.set(Long.MAX_VALUE);
            appendRecords(log, 3);
            assertExact(readAll(log, 0), 0, 8);
        }
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            assertThat(log.recoveryReport().truncatedBytes()).isZero();
            assertExact(readAll(log, 0), 0, 8);
        }
    }

    @Test
    void shouldRefuseBadSettingsNamingTheField() {
        assertThatThrownBy(() -> LogConfig.builder().segmentBytes(10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("segmentBytes");
        assertThatThrownBy(() -> LogConfig.builder().flushInterval(Duration.ZERO).build())
                .hasMessageStartingWith("flushInterval");
        assertThatThrownBy(() -> LogConfig.builder().segmentAge(Duration.ofSeconds(-1)).build())
                .hasMessageStartingWith("segmentAge");
        assertThatThrownBy(() -> LogConfig.builder().indexIntervalBytes(0).build())
                .hasMessageStartingWith("indexIntervalBytes");
    }

    @Test
    void shouldRefuseWritesAfterClose() throws Exception {
        PartitionLog log = PartitionLog.open(dir, LogConfig.defaults());
        appendRecords(log, 2);
        log.close();
        log.close();
        assertThatThrownBy(() -> log.append(TestRecords.batch(SEED, 2, 1, 10)).get())
                .hasCauseInstanceOf(LogClosedException.class);
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
