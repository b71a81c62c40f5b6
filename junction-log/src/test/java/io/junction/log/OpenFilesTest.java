package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs share a budget of open segment files ({@link OpenFiles}): with more segments than the budget, idle ones are
 * closed and reopened on use, so file descriptors stay bounded while every log still appends and reads exactly.
 * Seed printed; {@code -Dopenfiles.seed=N}.
 */
class OpenFilesTest {

    @TempDir
    Path dir;

    @Test
    void threeHundredLogsKeepAtMostTheBudgetOfFilesOpen() throws Exception {
        OpenFiles budget = new OpenFiles(50);
        long fdsBefore = openDescriptors();
        List<PartitionLog> logs = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                logs.add(PartitionLog.open(dir.resolve("log-" + i), LogConfig.builder().openFiles(budget)
                        .durability(i % 2 == 0 ? Durability.FSYNC : Durability.INTERVAL).segmentBytes(1024)
                        .build()));
            }
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int round = 0; round < 12; round++) { // 12 batches of ~110 bytes: a few 1 KiB segments each
                for (int i = 0; i < logs.size(); i++) {
                    writes.add(logs.get(i).append(new RecordBatchBuilder().add(0, null,
                            value(i, round))));
                }
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            for (PartitionLog log : logs) {
                log.flushAsync().get(1, TimeUnit.MINUTES); // clean: closable
            }
            for (int i = 0; i < logs.size(); i++) {
                List<Record> records = readAll(logs.get(i));
                assertThat(records).hasSize(12);
                for (int round = 0; round < 12; round++) {
                    assertThat(records.get(round).value()).isEqualTo(value(i, round));
                }
            }
            assertThat(logs.get(0).segmentCount()).as("segments per log").isGreaterThan(1);
            assertThat(budget.openCount()).as("segment files open").isLessThanOrEqualTo(50);
            assertThat(openDescriptors() - fdsBefore).as("descriptors added by 300 logs of several segments")
                    .isLessThanOrEqualTo(60);
        } finally {
            logs.forEach(PartitionLog::close);
        }
        assertThat(budget.openCount()).as("open after closing every log").isZero();
    }

    @Test
    void appendsAndReadsStayExactWhileTheBudgetClosesFilesUnderThem() throws Exception {
        String fixed = System.getProperty("openfiles.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("OpenFilesTest: seed=" + seed + " (replay with -Dopenfiles.seed=" + seed + ")");
        OpenFiles budget = new OpenFiles(3); // far fewer than the segments: every use may reopen a file
        List<PartitionLog> logs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            logs.add(PartitionLog.open(dir.resolve("churn-" + i), LogConfig.builder().openFiles(budget)
                    .durability(i % 2 == 0 ? Durability.FSYNC : Durability.INTERVAL)
                    .flushInterval(Duration.ofMillis(5)).segmentBytes(2048).build()));
        }
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Random random = new Random(seed + r);
            Thread reader = new Thread(() -> {
                while (writing.get()) {
                    int i = random.nextInt(logs.size());
                    try {
                        List<Record> records = readAll(logs.get(i));
                        for (int n = 0; n < records.size(); n++) {
                            if (!java.util.Arrays.equals(records.get(n).value(), value(i, n))) {
                                problems.add("log " + i + " offset " + n + ": wrong value");
                            }
                        }
                    } catch (RuntimeException e) {
                        problems.add("log " + i + ": " + e);
                    }
                }
            });
            reader.start();
            readers.add(reader);
        }
        try {
            for (int n = 0; n < 150; n++) {
                List<CompletableFuture<?>> writes = new ArrayList<>();
                for (int i = 0; i < logs.size(); i++) {
                    writes.add(logs.get(i).append(new RecordBatchBuilder().add(0, null, value(i, n))));
                }
                CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            }
        } finally {
            writing.set(false);
            for (Thread reader : readers) {
                reader.join();
            }
        }
        for (int i = 0; i < logs.size(); i++) {
            assertThat(readAll(logs.get(i))).hasSize(150);
        }
        logs.forEach(PartitionLog::close);
        assertThat(problems).as("seed %d", seed).isEmpty();
        assertThat(budget.closedIdle()).as("files the budget closed under the readers and writers").isPositive();
        for (int i = 0; i < logs.size(); i++) { // and after a reopen, every record is there
            try (PartitionLog log = PartitionLog.open(dir.resolve("churn-" + i), LogConfig.defaults())) {
                List<Record> records = readAll(log);
                assertThat(records).as("seed %d log %d", seed, i).hasSize(150);
                assertThat(records.get(149).value()).isEqualTo(value(i, 149));
            }
        }
    }

    @Test
    void readersOfASegmentCompactionReplacesFinishOnTheOldFileWhileTheBudgetClosesFiles() throws Exception {
        OpenFiles budget = new OpenFiles(1);
        try (PartitionLog log = PartitionLog.open(dir.resolve("compacted"), LogConfig.builder().openFiles(budget)
                .segmentBytes(2048).build())) {
            for (int n = 0; n < 200; n++) {
                log.append(new RecordBatchBuilder().add(0, null, value(0, n))).get(1, TimeUnit.MINUTES);
            }
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            AtomicBoolean compacting = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (compacting.get()) {
                    try {
                        for (Record r : readAll(log)) { // whatever is still there has its own value
                            if (!java.util.Arrays.equals(r.value(), value(0, (int) r.offset()))) {
                                problems.add("offset " + r.offset() + ": wrong value");
                            }
                        }
                    } catch (RuntimeException e) {
                        problems.add(e.toString());
                    }
                }
            });
            reader.start();
            CompactionStats stats;
            try {
                stats = log.compact(r -> r.offset() % 2 == 0, Throttle.unlimited()); // odd offsets go
            } finally {
                compacting.set(false);
                reader.join();
            }
            assertThat(problems).isEmpty();
            assertThat(stats.segmentsRewritten()).isPositive();
            List<Record> left = readAll(log);
            assertThat(left).allSatisfy(r -> assertThat(r.value()).isEqualTo(value(0, (int) r.offset())));
            assertThat(left.stream().filter(r -> r.offset() % 2 == 1 && r.offset() < 100)).as("odd ones compacted")
                    .isEmpty();
            assertThat(budget.closedIdle()).isPositive();
        }
    }

    @Test
    void aSegmentCompactionReplacedIsNeverReopenedByNameForItsLastReaders() throws Exception {
        OpenFiles budget = new OpenFiles(1);
        try (PartitionLog log = PartitionLog.open(dir.resolve("old"), LogConfig.builder().openFiles(budget)
                .segmentBytes(2048).build());
                PartitionLog other = PartitionLog.open(dir.resolve("other"), LogConfig.builder().openFiles(budget)
                        .build())) {
            for (int n = 0; n < 60; n++) {
                log.append(new RecordBatchBuilder().add(0, null, value(0, n))).get(1, TimeUnit.MINUTES);
            }
            Segment first = log.retainSegment(0); // a reader that got the segment just before the swap
            assertThat(first).isNotNull();
            int oldSize = first.size();
            assertThat(log.compact(r -> r.offset() % 2 == 0, Throttle.unlimited()).segmentsRewritten()).isPositive();
            // Other files open: the budget of 1 closes what it can.
            other.append(new RecordBatchBuilder().add(0, null, value(1, 0))).get(1, TimeUnit.MINUTES);
            readAll(other);
            readAll(log);
            // The last reader of the replaced segment still reads the old file, every record of it.
            List<Record> old = new FetchResult(0, first.readBatches(0, 1 << 20, oldSize), 0).records();
            first.release();
            assertThat(old).isNotEmpty().allSatisfy(r -> assertThat(r.value()).isEqualTo(value(0, (int) r.offset())));
            assertThat(old.stream().filter(r -> r.offset() % 2 == 1)).as("the old file's odd offsets").isNotEmpty();
        }
    }

    private static byte[] value(int log, int n) {
        return ("log " + log + " record " + n + " " + "x".repeat(80)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<Record> readAll(PartitionLog log) {
        List<Record> records = new ArrayList<>();
        for (long at = log.firstOffset(); at < log.nextOffset(); ) {
            FetchResult result = log.read(at, 1 << 20);
            records.addAll(result.records());
            at = result.nextOffset();
        }
        return records;
    }

    private static long openDescriptors() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
