package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damages the files of a closed log — garbage, torn tails, flipped bits — and checks that recovery cuts the
 * last segment exactly at the first damaged batch, keeps everything before it, and that no damaged record is
 * ever returned. Every randomized case prints its seed; {@code -Dcorruption.seed=N} replays one.
 */
class RecoveryCorruptionTest {

    private static final int MAX_VALUE = 120;
    private static final long CONTENT_SEED = 3;

    @TempDir
    Path root;

    private Path pristine;
    /** Where each batch of the last segment starts, and the base offset of each. */
    private final List<long[]> lastSegmentBatches = new ArrayList<>();
    private long lastSegmentBase;
    private long totalRecords;

    private static LogConfig config() {
        return LogConfig.builder().segmentBytes(8 * 1024).indexIntervalBytes(512).build();
    }

    @BeforeEach
    void writePristineLog() throws Exception {
        pristine = root.resolve("pristine");
        long offset = 0;
        try (PartitionLog log = PartitionLog.open(pristine, config())) {
            for (int i = 0; i < 150; i++) {
                int n = 1 + i % 4;
                log.append(TestRecords.batch(CONTENT_SEED, offset, n, MAX_VALUE)).get(30, TimeUnit.SECONDS);
                offset += n;
            }
            assertThat(log.segmentCount()).isGreaterThanOrEqualTo(3);
            lastSegmentBase = segmentBases(pristine).get(segmentBases(pristine).size() - 1);
        }
        totalRecords = offset;
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(LogFiles.logFile(pristine, lastSegmentBase)));
        int at = 0;
        while (at < data.limit()) {
            lastSegmentBatches.add(new long[] {at, BatchFormat.baseOffset(data, at)});
            at += BatchFormat.length(data, at);
        }
        assertThat(lastSegmentBatches.size()).isGreaterThan(5);
    }

    private static List<Long> segmentBases(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(LogFiles.LOG_SUFFIX))
                    .map(n -> LogFiles.baseOffsetOf(n, LogFiles.LOG_SUFFIX).getAsLong()).sorted().toList();
        }
    }

    private Path copyOfPristine(String name) throws IOException {
        Path copy = root.resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(pristine)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    /** The base offset of the batch of the last segment that contains file position {@code position}. */
    private long batchHolding(long position) {
        long base = -1;
        for (long[] batch : lastSegmentBatches) {
            if (batch[0] <= position) {
                base = batch[1];
            }
        }
        return base;
    }

    private static long seedFor(String test) {
        String fixed = System.getProperty("corruption.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println(test + ": seed=" + seed + " (replay with -Dcorruption.seed=" + seed + ")");
        return seed;
    }

    /** Opens the damaged copy and checks: offsets end exactly at {@code expectedNext}; every record is exact. */
    private static void assertRecoveredTo(Path dir, long expectedNext, String context) {
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            assertThat(log.nextOffset()).as("next offset after recovery, %s", context).isEqualTo(expectedNext);
            long offset = 0;
            while (offset < log.nextOffset()) {
                FetchResult result = log.read(offset, 4096);
                for (Record record : result.records()) {
                    assertThat(record.offset()).as(context).isEqualTo(offset);
                    assertThat(TestRecords.matches(CONTENT_SEED, record, MAX_VALUE)).as("record %d, %s", offset,
                            context).isTrue();
                    offset++;
                }
            }
        }
    }

    @Test
    void shouldCutTheLastSegmentAtGarbageWrittenAnywhereInIt() throws Exception {
        long seed = seedFor("garbage");
        Random random = new Random(seed);
        for (int round = 0; round < 60; round++) {
            Path dir = copyOfPristine("garbage-" + round);
            Path segment = LogFiles.logFile(dir, lastSegmentBase);
            byte[] bytes = Files.readAllBytes(segment);
            int position = random.nextInt(bytes.length);
            int length = 1 + random.nextInt(Math.min(64, bytes.length - position));
            byte[] garbage = new byte[length];
            random.nextBytes(garbage);
            int firstChanged = -1;
            for (int i = 0; i < length; i++) {
                if (bytes[position + i] != garbage[i] && firstChanged < 0) {
                    firstChanged = position + i;
                }
                bytes[position + i] = garbage[i];
            }
            Files.write(segment, bytes);
            long expectedNext = firstChanged < 0 ? totalRecords : batchHolding(firstChanged);
            assertRecoveredTo(dir, expectedNext, "seed " + seed + " round " + round + " garbage at " + position);
            FileTrees.deleteTree(dir);
        }
    }

    @Test
    void shouldCutATornLastBatchAtEveryByteBoundary() throws Exception {
        long[] last = lastSegmentBatches.get(lastSegmentBatches.size() - 1);
        long fileSize = Files.size(LogFiles.logFile(pristine, lastSegmentBase));
        for (long cut = last[0]; cut < fileSize; cut++) {
            Path dir = copyOfPristine("torn-" + cut);
            try (FileChannel channel = FileChannel.open(LogFiles.logFile(dir, lastSegmentBase),
                    StandardOpenOption.WRITE)) {
                channel.truncate(cut);
            }
            try (PartitionLog log = PartitionLog.open(dir, config())) {
                assertThat(log.recoveryReport().truncatedBytes()).isEqualTo(cut - last[0]);
            }
            assertRecoveredTo(dir, last[1], "cut at " + cut);
            FileTrees.deleteTree(dir);
        }
    }

    @Test
    void shouldCutAtAnEarlierBatchWithOneFlippedBit() throws Exception {
        long seed = seedFor("flipped bit");
        Random random = new Random(seed);
        long fileSize = Files.size(LogFiles.logFile(pristine, lastSegmentBase));
        for (int round = 0; round < 60; round++) {
            Path dir = copyOfPristine("flip-" + round);
            Path segment = LogFiles.logFile(dir, lastSegmentBase);
            // any batch but the last, any bit of it: header fields outside the CRC included
            int batch = random.nextInt(lastSegmentBatches.size() - 1);
            long start = lastSegmentBatches.get(batch)[0];
            long end = lastSegmentBatches.get(batch + 1)[0];
            long position = start + (long) (random.nextDouble() * (end - start));
            flipBit(segment, position, random.nextInt(8));
            assertRecoveredTo(dir, lastSegmentBatches.get(batch)[1],
                    "seed " + seed + " round " + round + " bit flipped at " + position + " of " + fileSize);
            FileTrees.deleteTree(dir);
        }
    }

    @Test
    void shouldNeverServeABatchThatRottedInASealedSegment() throws Exception {
        long seed = seedFor("sealed rot");
        Random random = new Random(seed);
        List<Long> bases = segmentBases(pristine);
        for (int round = 0; round < 30; round++) {
            Path dir = copyOfPristine("rot-" + round);
            long sealedBase = bases.get(random.nextInt(bases.size() - 1));
            Path segment = LogFiles.logFile(dir, sealedBase);
            long position = (long) (random.nextDouble() * Files.size(segment));
            flipBit(segment, position, random.nextInt(8));
            String context = "seed " + seed + " round " + round + " segment " + sealedBase + " position " + position;
            try (PartitionLog log = PartitionLog.open(dir, config())) {
                assertThat(log.nextOffset()).as(context).isEqualTo(totalRecords); // sealed data is not cut
                long offset = 0;
                int corruptReads = 0;
                while (offset < log.nextOffset()) {
                    try {
                        FetchResult result = log.read(offset, 1024);
                        for (Record record : result.records()) {
                            assertThat(record.offset()).as(context).isEqualTo(offset);
                            assertThat(TestRecords.matches(CONTENT_SEED, record, MAX_VALUE)).as(context).isTrue();
                            offset++;
                        }
                    } catch (CorruptBatchException e) {
                        corruptReads++;
                        offset++; // step over the damaged offset, as a consumer told of the error would
                    }
                }
                assertThat(corruptReads).as("reads that reported the damage, %s", context).isPositive();
            }
            FileTrees.deleteTree(dir);
        }
    }

    /**
     * The base offset lies outside the CRC: a flipped bit there must be caught by a read that starts on that very
     * batch (found through the offset index, or through an index rebuilt when the index files are gone), not only
     * by a read crossing into it. Every batch of a sealed segment, the low 16 bits and the sign bit of its base
     * offset, a read starting at every offset: each returns exact records or reports the damage.
     */
    @Test
    void shouldNeverServeARecordUnderAnotherOffsetWhenABaseOffsetRotted() throws Exception {
        Path dir = copyOfPristine("base-rot");
        long sealedBase = segmentBases(dir).get(1);
        long sealedEnd = segmentBases(dir).get(2);
        Path segment = LogFiles.logFile(dir, sealedBase);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Integer> starts = new ArrayList<>();
        for (int at = 0; at < data.limit(); at += BatchFormat.length(data, at)) {
            starts.add(at);
        }
        int[] bits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 63};
        int caught = 0;
        for (int start : starts) {
            for (int bit : bits) {
                long position = start + BatchFormat.BASE_OFFSET + 7 - bit / 8;
                flipBit(segment, position, bit % 8);
                boolean withoutIndexFiles = (start + bit) % 2 == 0;
                if (withoutIndexFiles) {
                    Files.deleteIfExists(LogFiles.indexFile(dir, sealedBase));
                    Files.deleteIfExists(LogFiles.timeIndexFile(dir, sealedBase));
                }
                String context = "batch at " + start + ", bit " + bit + (withoutIndexFiles ? ", index rebuilt" : "");
                try (PartitionLog log = PartitionLog.open(dir, config())) {
                    for (long offset = sealedBase; offset < sealedEnd; offset++) {
                        try {
                            for (Record record : log.read(offset, 1).records()) {
                                assertThat(record.offset()).as(context).isGreaterThanOrEqualTo(offset);
                                assertThat(TestRecords.matches(CONTENT_SEED, record, MAX_VALUE))
                                        .as("record %d read from %d, %s", record.offset(), offset, context).isTrue();
                            }
                        } catch (CorruptBatchException e) {
                            caught++;
                        }
                    }
                }
                flipBit(segment, position, bit % 8);
            }
        }
        assertThat(caught).as("reads that reported a damaged base offset").isGreaterThanOrEqualTo(starts.size());
    }

    @Test
    void shouldReportAnEmptyLogWhenTheOnlySegmentIsGarbage() throws Exception {
        Path dir = root.resolve("garbage-only");
        Files.createDirectories(dir);
        byte[] garbage = new byte[5000];
        new Random(1).nextBytes(garbage);
        Files.write(LogFiles.logFile(dir, 0), garbage);
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            assertThat(log.nextOffset()).isZero();
            assertThat(log.recoveryReport().truncatedBytes()).isEqualTo(5000);
            assertThatThrownBy(() -> log.read(1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            log.append(TestRecords.batch(CONTENT_SEED, 0, 2, MAX_VALUE)).get(30, TimeUnit.SECONDS);
            assertThat(log.read(0, 4096).records()).hasSize(2);
        }
    }

    private static void flipBit(Path file, long position, int bit) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ (1 << bit)));
            one.rewind();
            channel.write(one, position);
        }
    }
}
