package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SegmentReader} against the log that wrote the segment: a sealed segment's file copied elsewhere (as the
 * tiered store downloads it) reads back exactly as {@link PartitionLog#read} reads it, compacted or not, and a copy
 * that is not exactly that segment (wrong end offset, cut short anywhere, a bit flipped anywhere, bytes after it)
 * fails at open, never yielding a record. Randomized cases print their seed; {@code -Dsegmentreader.seed=N}
 * replays one.
 */
class SegmentReaderTest {

    private static final int[] MAX_BYTES = {1, 300, 1 << 20};

    @TempDir
    Path root;

    private static LogConfig config() {
        return LogConfig.builder().segmentBytes(4096).indexIntervalBytes(256).build();
    }

    /** Segments large enough that a compacted one holds several batches (compaction writes ~64 KiB batches). */
    private static LogConfig large() {
        return LogConfig.builder().segmentBytes(200 * 1024).indexIntervalBytes(4096).build();
    }

    /** Drops one record in five: a compacted 200 KiB segment keeps ~160 KiB, three batches. */
    private static boolean keepFourInFive(Record r) {
        return r.offset() % 5 != 0;
    }

    private static long seed(String test) {
        String fixed = System.getProperty("segmentreader.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("SegmentReaderTest." + test + ": seed=" + seed + " (replay with -Dsegmentreader.seed="
                + seed + ")");
        return seed;
    }

    /**
     * Appends batches of 1..4 records with keys, headers and values of varied sizes; record timestamps out of order
     * by up to a second, append times nearly increasing (now and then a step back): several segments.
     */
    private static void fill(PartitionLog log, long seed, int batches) {
        SplittableRandom random = new SplittableRandom(seed);
        long appendTime = TestRecords.BASE_TIME;
        long offset = log.nextOffset();
        for (int b = 0; b < batches; b++) {
            appendTime += random.nextInt(10) < 8 ? random.nextInt(50) : -random.nextInt(30);
            RecordBatchBuilder builder = new RecordBatchBuilder().appendTime(appendTime);
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++, offset++) {
                byte[] value = new byte[random.nextInt(120)];
                random.nextBytes(value);
                builder.add(appendTime + random.nextInt(-1000, 1000), TestRecords.key(offset), value,
                        TestRecords.headers(offset));
            }
            log.append(builder).join();
        }
    }

    private Path copyOf(SealedSegment segment, String name) throws IOException {
        Path cache = Files.createDirectories(root.resolve("cache"));
        return Files.copy(segment.logFile(), cache.resolve(name));
    }

    @Test
    void readsEveryOffsetOfACopiedSegmentAsTheLogDoes() throws Exception {
        try (PartitionLog log = PartitionLog.open(root.resolve("log"), config())) {
            fill(log, 7, 200);
            List<SealedSegment> sealed = log.sealedSegments();
            assertThat(sealed).hasSizeGreaterThanOrEqualTo(3);
            for (SealedSegment segment : sealed) {
                assertReadsAsTheLog(log, segment, copyOf(segment, "copy-" + segment.baseOffset()));
            }
        }
    }

    @Test
    void readsACompactedSegmentOfSeveralBatchesAsTheLogDoes() throws Exception {
        try (PartitionLog log = PartitionLog.open(root.resolve("log"), large())) {
            fill(log, 12, 2400);
            assertThat(log.compact(SegmentReaderTest::keepFourInFive, Throttle.unlimited()).segmentsRewritten())
                    .isGreaterThanOrEqualTo(2);
            SealedSegment segment = log.sealedSegments().get(1);
            Path copy = copyOf(segment, "compacted");
            assertThat(batchStarts(Files.readAllBytes(copy))).hasSizeGreaterThanOrEqualTo(3);
            assertReadsAsTheLog(log, segment, copy);
        }
    }

    @Test
    void readsACompactedSegmentWithItsGapsAsTheLogDoes() throws Exception {
        try (PartitionLog log = PartitionLog.open(root.resolve("log"), config())) {
            fill(log, 8, 200);
            long second = log.segments().get(1).baseOffset();
            // the first segment loses every record (its batches then only keep the offsets), the others two in three
            CompactionStats stats = log.compact(r -> r.offset() >= second && r.offset() % 3 == 0,
                    Throttle.unlimited());
            assertThat(stats.segmentsRewritten()).isEqualTo(log.segmentCount() - 1);
            for (SealedSegment segment : log.sealedSegments()) {
                assertReadsAsTheLog(log, segment, copyOf(segment, "compacted-" + segment.baseOffset()));
            }
        }
    }

    private static void assertReadsAsTheLog(PartitionLog log, SealedSegment segment, Path copy) throws IOException {
        long base = segment.baseOffset();
        long end = segment.endOffset();
        try (SegmentReader reader = SegmentReader.open(copy, base, end)) {
            assertThat(reader.baseOffset()).isEqualTo(base);
            assertThat(reader.endOffset()).isEqualTo(end);
            assertThat(reader.sizeInBytes()).isEqualTo(segment.sizeInBytes()).isEqualTo(Files.size(copy));
            for (long offset = base; offset < end; offset++) {
                for (int maxBytes : MAX_BYTES) {
                    FetchResult expected = log.read(offset, maxBytes);
                    FetchResult actual = reader.read(offset, maxBytes);
                    String what = "segment " + base + " offset " + offset + " maxBytes " + maxBytes;
                    assertThat(actual.bytes()).as(what).isEqualTo(expected.bytes());
                    assertThat(actual.records()).as(what).containsExactlyElementsOf(expected.records());
                    assertThat(actual.nextOffset()).as(what).isEqualTo(expected.nextOffset());
                    assertThat(actual.isEmpty()).as(what).isFalse();
                }
            }
            FetchResult atEnd = reader.read(end, 100);
            assertThat(atEnd.isEmpty()).isTrue();
            assertThat(atEnd.nextOffset()).isEqualTo(end);
            assertThatThrownBy(() -> reader.read(end + 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            if (base > 0) {
                assertThatThrownBy(() -> reader.read(base - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            }
            assertTimeLookupsAgree(log, reader, recordsOf(log, base, end));
        }
    }

    /** The records of [base, end) and the batches holding them, as the log reads them. */
    private static List<RecordBatch> recordsOf(PartitionLog log, long base, long end) {
        List<RecordBatch> batches = new ArrayList<>();
        for (long offset = base; offset < end; ) {
            FetchResult result = log.read(offset, 1 << 20);
            batches.addAll(result.batches());
            offset = result.nextOffset();
        }
        return batches;
    }

    /**
     * Each lookup answers as a scan of the segment's batches does, and as the log does when the log's answer lies
     * in this segment (the log's may lie in an earlier segment).
     */
    private static void assertTimeLookupsAgree(PartitionLog log, SegmentReader reader, List<RecordBatch> batches) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (RecordBatch b : batches) {
            min = Math.min(min, Math.min(b.appendTime(), b.records().stream().mapToLong(Record::timestamp).min()
                    .orElse(b.appendTime())));
            max = Math.max(max, Math.max(b.appendTime(), b.maxTimestamp()));
        }
        for (long t = min - 1; t <= max + 1; t += 7) {
            OptionalLong byRecord = OptionalLong.empty();
            OptionalLong byAppend = OptionalLong.empty();
            for (RecordBatch b : batches) {
                if (byAppend.isEmpty() && b.appendTime() >= t) {
                    byAppend = OptionalLong.of(b.baseOffset());
                }
                for (Record r : b.records()) {
                    if (byRecord.isEmpty() && r.timestamp() >= t) {
                        byRecord = OptionalLong.of(r.offset());
                    }
                }
            }
            assertThat(reader.offsetForTimestamp(t)).as("timestamp %d", t).isEqualTo(byRecord);
            assertThat(reader.offsetForAppendTime(t)).as("append time %d", t).isEqualTo(byAppend);
            OptionalLong logByRecord = log.offsetForTimestamp(t);
            if (logByRecord.isPresent() && logByRecord.getAsLong() >= reader.baseOffset()
                    && logByRecord.getAsLong() < reader.endOffset()) {
                assertThat(byRecord).as("the log's answer for timestamp %d", t).isEqualTo(logByRecord);
            }
            OptionalLong logByAppend = log.offsetForAppendTime(t);
            if (logByAppend.isPresent() && logByAppend.getAsLong() >= reader.baseOffset()
                    && logByAppend.getAsLong() < reader.endOffset()) {
                assertThat(byAppend).as("the log's answer for append time %d", t).isEqualTo(logByAppend);
            }
        }
    }

    /** A sealed segment in the middle of a log, its file's bytes, and where each of its batches starts. */
    private record Sample(SealedSegment segment, byte[] bytes, List<Integer> batchStarts) {
    }

    /** A segment of small batches, or a compacted one of a few ~64 KiB batches. */
    private Sample sample(boolean compacted) throws Exception {
        Path dir = root.resolve(compacted ? "compacted" : "log");
        try (PartitionLog log = PartitionLog.open(dir, compacted ? large() : config())) {
            fill(log, 9, compacted ? 2400 : 200);
            if (compacted) {
                log.compact(SegmentReaderTest::keepFourInFive, Throttle.unlimited());
            }
            SealedSegment segment = log.sealedSegments().get(1);
            byte[] bytes = Files.readAllBytes(segment.logFile());
            List<Integer> starts = batchStarts(bytes);
            assertThat(starts).hasSizeGreaterThanOrEqualTo(2);
            return new Sample(segment, bytes, starts);
        }
    }

    private static List<Integer> batchStarts(byte[] bytes) {
        List<Integer> starts = new ArrayList<>();
        ByteBuffer data = ByteBuffer.wrap(bytes);
        for (int at = 0; at < bytes.length; at += BatchFormat.length(data, at)) {
            starts.add(at);
        }
        return starts;
    }

    /**
     * Lengths to cut a copy to: every length short of the whole file when it is small; else every batch boundary,
     * the bytes around it and around the end of its header, and random lengths.
     */
    private static java.util.SortedSet<Integer> cutLengths(Sample s, Random random) {
        java.util.SortedSet<Integer> lengths = new java.util.TreeSet<>();
        int size = s.bytes().length;
        if (size <= 16 * 1024) {
            for (int length = 0; length < size; length++) {
                lengths.add(length);
            }
            return lengths;
        }
        for (int start : s.batchStarts()) {
            for (int delta : new int[] {-1, 0, 1, 8, 12, 16, BatchFormat.HEADER_SIZE - 1, BatchFormat.HEADER_SIZE}) {
                lengths.add(start + delta);
            }
        }
        for (int i = 0; i < 300; i++) {
            lengths.add(random.nextInt(size));
        }
        lengths.removeIf(length -> length < 0 || length >= size);
        return lengths;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(Files.createDirectories(root.resolve("damaged")).resolve(name), bytes);
    }

    private static void assertCorruptAtOpen(Path file, long base, long end, String what) {
        assertThatThrownBy(() -> SegmentReader.open(file, base, end).close()).as(what)
                .isInstanceOf(CorruptBatchException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("position");
    }

    @Test
    void refusesACopyOpenedWithTheWrongOffsets() throws Exception {
        for (boolean compacted : new boolean[] {false, true}) {
            Sample s = sample(compacted);
            Path file = write("segment-" + compacted, s.bytes());
            long base = s.segment().baseOffset();
            long end = s.segment().endOffset();
            SegmentReader.open(file, base, end).close();
            assertCorruptAtOpen(file, base, end + 1, "end offset one too high");
            assertCorruptAtOpen(file, base, end - 1, "end offset one too low");
            assertCorruptAtOpen(file, base + 1, end, "base offset one too high");
            assertCorruptAtOpen(file, base - 1, end, "base offset one too low");
            assertThatThrownBy(() -> SegmentReader.open(file, end, base)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refusesACopyCutShortAtAnyByteOrWithBytesAfterIt() throws Exception {
        long seed = seed("cutShort");
        Random random = new Random(seed);
        for (boolean compacted : new boolean[] {false, true}) {
            Sample s = sample(compacted);
            long base = s.segment().baseOffset();
            long end = s.segment().endOffset();
            for (int length : cutLengths(s, random)) {
                Path file = write("cut", java.util.Arrays.copyOf(s.bytes(), length));
                assertCorruptAtOpen(file, base, end, "seed " + seed + ": cut to " + length + " bytes (batches "
                        + "start at " + s.batchStarts() + ")");
            }
            for (int extra : new int[] {1, BatchFormat.HEADER_SIZE, 100}) {
                Path file = write("padded", java.util.Arrays.copyOf(s.bytes(), s.bytes().length + extra));
                assertCorruptAtOpen(file, base, end, extra + " zero bytes after the last batch");
            }
            // a whole batch after the last one (a copy of it): its offsets do not follow
            int lastStart = s.batchStarts().get(s.batchStarts().size() - 1);
            byte[] doubled = java.util.Arrays.copyOf(s.bytes(), s.bytes().length * 2 - lastStart);
            System.arraycopy(s.bytes(), lastStart, doubled, s.bytes().length, s.bytes().length - lastStart);
            assertCorruptAtOpen(write("doubled", doubled), base, end, "the last batch twice");
        }
    }

    @Test
    void refusesACopyWithAnyBitFlipped() throws Exception {
        long seed = seed("flippedBit");
        Random random = new Random(seed);
        for (boolean compacted : new boolean[] {false, true}) {
            Sample s = sample(compacted);
            for (int round = 0; round < 400; round++) {
                byte[] damaged = s.bytes().clone();
                int position = random.nextInt(damaged.length);
                int bit = random.nextInt(8);
                damaged[position] ^= (byte) (1 << bit);
                Path file = write("flipped", damaged);
                assertCorruptAtOpen(file, s.segment().baseOffset(), s.segment().endOffset(), "seed " + seed
                        + (compacted ? " compacted" : "") + " round " + round + ": bit " + bit + " of byte "
                        + position + " (batches start at " + s.batchStarts() + ")");
            }
        }
    }

    @Test
    void refusesABitFlippedInEveryHeaderByteOfEveryBatch() throws Exception {
        Sample s = sample(true);
        for (int start : s.batchStarts()) {
            for (int position = start; position < start + BatchFormat.HEADER_SIZE; position++) {
                byte[] damaged = s.bytes().clone();
                damaged[position] ^= 0x01;
                assertCorruptAtOpen(write("header", damaged), s.segment().baseOffset(), s.segment().endOffset(),
                        "header byte " + (position - start) + " of the batch at " + start);
            }
        }
    }

    @Test
    void aBatchThatRotsAfterOpenFailsItsReadAndAClosedReaderRefusesReads() throws Exception {
        Sample s = sample(false);
        Path file = write("rots", s.bytes());
        long base = s.segment().baseOffset();
        SegmentReader reader = SegmentReader.open(file, base, s.segment().endOffset());
        int second = s.batchStarts().get(1);
        byte[] rotten = s.bytes().clone();
        rotten[second + BatchFormat.HEADER_SIZE] ^= 0x10;
        Files.write(file, rotten); // same inode, same length: the reader's open file sees it
        long secondBase = BatchFormat.baseOffset(ByteBuffer.wrap(s.bytes()), second);
        assertThat(reader.read(base, 1).records()).isNotEmpty();
        assertThatThrownBy(() -> reader.read(secondBase, 1)).isInstanceOf(CorruptBatchException.class);
        reader.close();
        reader.close();
        assertThatThrownBy(() -> reader.read(base, 1)).isInstanceOf(LogClosedException.class);
    }

    @Test
    void listsEverySealedSegmentWithItsOffsetsTimesAndFiles() throws Exception {
        Path dir = root.resolve("log");
        List<SealedSegment> listed;
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            fill(log, 10, 200);
            listed = log.sealedSegments();
            List<PartitionStore.SegmentInfo> all = log.segments();
            assertThat(listed).hasSize(all.size() - 1);
            for (int i = 0; i < listed.size(); i++) {
                SealedSegment s = listed.get(i);
                List<RecordBatch> batches = recordsOf(log, s.baseOffset(), s.endOffset());
                assertThat(s.baseOffset()).isEqualTo(all.get(i).baseOffset());
                assertThat(s.endOffset()).isEqualTo(all.get(i + 1).baseOffset());
                assertThat(s.sizeInBytes()).isEqualTo(all.get(i).sizeInBytes()).isEqualTo(Files.size(s.logFile()));
                assertThat(s.lastAppendTimeMs()).isEqualTo(batches.get(batches.size() - 1).appendTime());
                assertThat(s.maxTimestamp()).isEqualTo(batches.stream()
                        .mapToLong(b -> Math.max(b.appendTime(), b.maxTimestamp())).max().orElseThrow());
                assertThat(s.maxRecordTimestamp()).as("the records' own maximum, append times aside")
                        .isEqualTo(batches.stream().flatMap(b -> b.records().stream())
                                .mapToLong(Record::timestamp).max().orElseThrow());
                assertThat(s.logFile()).isEqualTo(LogFiles.logFile(dir, s.baseOffset()));
                assertThat(s.indexFile()).isEqualTo(LogFiles.indexFile(dir, s.baseOffset())).exists();
                assertThat(s.timeIndexFile()).isEqualTo(LogFiles.timeIndexFile(dir, s.baseOffset())).exists();
            }
            byte[] index = Files.readAllBytes(listed.get(1).indexFile());
            Files.delete(listed.get(1).indexFile());
            Files.delete(listed.get(2).timeIndexFile());
            assertThat(log.sealedSegments()).as("a missing index file is written again").isEqualTo(listed);
            assertThat(listed.get(1).indexFile()).exists().hasBinaryContent(index);
            assertThat(listed.get(2).timeIndexFile()).exists();

            log.deleteSegmentsBefore(listed.get(1).baseOffset());
            assertThat(log.sealedSegments()).isEqualTo(listed.subList(1, listed.size()));
        }
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            assertThat(log.sealedSegments()).as("after a reopen (times read from the files)")
                    .isEqualTo(listed.subList(1, listed.size()));
        }
    }

    /** Backfilled records (dated long before their append): the records' maximum, not the append time. */
    @Test
    void maxRecordTimestampReadsTheBatchHeadersAndRefusesACutFile() throws Exception {
        Path dir = root.resolve("log");
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            long appended = TestRecords.BASE_TIME + 86_400_000L;
            for (int b = 0; b < 60; b++) {
                log.append(new RecordBatchBuilder().appendTime(appended + b)
                        .add(TestRecords.BASE_TIME + 2 * b, null, new byte[100])
                        .add(TestRecords.BASE_TIME + b, null, new byte[100])).join();
            }
            SealedSegment first = log.sealedSegments().get(0);
            long lastOffset = first.endOffset() - 1; // batches of two: batch b holds offsets 2b and 2b + 1
            assertThat(first.maxRecordTimestamp()).isEqualTo(TestRecords.BASE_TIME + 2 * (lastOffset / 2));
            assertThat(first.maxTimestamp()).as("the index's bound is the append time").isGreaterThan(appended);

            Path cut = Files.write(root.resolve("cut.log"), java.util.Arrays.copyOf(Files.readAllBytes(
                    first.logFile()), (int) first.sizeInBytes() - 7));
            SealedSegment damaged = new SealedSegment(first.baseOffset(), first.endOffset(), first.sizeInBytes() - 7,
                    first.lastAppendTimeMs(), first.maxTimestamp(), cut, first.indexFile(), first.timeIndexFile());
            assertThatThrownBy(damaged::maxRecordTimestamp).isInstanceOf(CorruptBatchException.class)
                    .hasMessageContaining("cut.log");
            Files.delete(cut);
            assertThatThrownBy(damaged::maxRecordTimestamp).isInstanceOf(java.nio.file.NoSuchFileException.class);
        }
    }

    @Test
    void aFreshLogHasNoSealedSegment() throws Exception {
        try (PartitionLog log = PartitionLog.open(root.resolve("log"), config())) {
            assertThat(log.sealedSegments()).isEmpty();
            log.append(new RecordBatchBuilder().add(1, null, "v".getBytes(StandardCharsets.UTF_8))).join();
            assertThat(log.sealedSegments()).isEmpty();
        }
    }
}
