package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PartitionLog#compact} at the file level: what it keeps, that offsets survive with gaps, that reads and a
 * reopen see the same thing, and that an interrupted compaction (a {@code .cleaned} or a {@code .swap} file left
 * by a crash) is finished or discarded by the recovery pass.
 */
class CompactionTest {

    @TempDir
    Path dir;

    private static LogConfig config() {
        return LogConfig.builder().segmentBytes(2048).indexIntervalBytes(256).build();
    }

    /** 300 records over 10 keys, one per batch, plus a keyless one every 7th: many small segments. */
    private static void fill(PartitionLog log) {
        for (int i = 0; i < 300; i++) {
            byte[] key = i % 7 == 0 ? null : ("k" + i % 10).getBytes(StandardCharsets.UTF_8);
            log.append(new RecordBatchBuilder().add(1000 + i, key, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                    .join();
        }
    }

    private static List<Record> readAll(PartitionLog log) {
        List<Record> all = new ArrayList<>();
        for (long offset = log.firstOffset(); offset < log.nextOffset(); ) {
            FetchResult result = log.read(offset, 700);
            all.addAll(result.records());
            offset = result.nextOffset();
        }
        return all;
    }

    /** Keeps keyless records and the latest record of each key (as the broker's key compaction does). */
    private static Predicate<Record> latestPerKey(List<Record> all) {
        Map<String, Long> latest = new HashMap<>();
        for (Record r : all) {
            if (r.key() != null) {
                latest.put(new String(r.key(), StandardCharsets.UTF_8), r.offset());
            }
        }
        return r -> r.key() == null || latest.get(new String(r.key(), StandardCharsets.UTF_8)) == r.offset();
    }

    @Test
    void shouldKeepWhatTheFilterKeepsWithTheirOffsetsAndLeaveTheActiveSegmentAlone() throws Exception {
        List<Record> before;
        List<Record> expected;
        long next;
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            fill(log);
            before = readAll(log);
            next = log.nextOffset();
            long activeBase = log.segments().get(log.segments().size() - 1).baseOffset();
            Predicate<Record> keep = latestPerKey(before);
            expected = before.stream().filter(r -> r.offset() >= activeBase || keep.test(r)).toList();

            CompactionStats stats = log.compact(keep, Throttle.unlimited());

            assertThat(stats.recordsRemoved()).isEqualTo(before.size() - expected.size()).isPositive();
            assertThat(stats.bytesAfter()).isLessThan(stats.bytesBefore());
            assertThat(readAll(log)).containsExactlyElementsOf(expected);
            assertThat(log.nextOffset()).as("offsets are kept").isEqualTo(next);
            assertThat(log.recordCount()).isEqualTo(expected.size());
            // A read at a removed offset starts at the next record that is still there.
            long removed = before.stream().filter(r -> !expected.contains(r)).findFirst().orElseThrow().offset();
            assertThat(log.read(removed, 100).records().get(0).offset())
                    .isEqualTo(expected.stream().filter(r -> r.offset() > removed).findFirst().orElseThrow().offset());
            // Looking up one offset: the record that is still there, nothing for one compaction removed.
            for (Record r : before) {
                assertThat(log.read(r.offset(), 1).record(r.offset())).as("offset %d", r.offset())
                        .isEqualTo(expected.contains(r) ? r : null);
            }
            assertThat(log.compact(keep, Throttle.unlimited()).segmentsRewritten())
                    .as("nothing left to remove: nothing rewritten").isZero();
            log.append(new RecordBatchBuilder().add(5000, null, new byte[1])).join();
            assertThat(log.nextOffset()).isEqualTo(next + 1);
        }
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            assertThat(log.recoveryReport().truncatedBytes()).isZero();
            List<Record> after = readAll(log);
            assertThat(after.subList(0, expected.size())).containsExactlyElementsOf(expected);
            assertThat(log.offsetForTimestamp(1000 + 150).getAsLong()).as("time lookups still work")
                    .isEqualTo(expected.stream().filter(r -> r.timestamp() >= 1150).findFirst().orElseThrow()
                            .offset());
        }
    }

    @Test
    void shouldLeaveTheFilesOfSegmentsEndingAboveTheBoundByteForByte() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            fill(log);
            List<SealedSegment> sealed = log.sealedSegments();
            assertThat(sealed).hasSizeGreaterThanOrEqualTo(4);
            int middle = sealed.size() / 2;
            long bound = sealed.get(middle - 1).endOffset(); // segment middle - 1 ends exactly at the bound
            Map<Long, byte[]> before = new HashMap<>();
            for (SealedSegment s : sealed) {
                before.put(s.baseOffset(), Files.readAllBytes(s.logFile()));
            }

            CompactionStats stats = log.compact(latestPerKey(readAll(log)), Throttle.unlimited(), bound);

            assertThat(stats.segmentsRewritten()).isEqualTo(middle);
            for (SealedSegment s : sealed) {
                byte[] now = Files.readAllBytes(s.logFile());
                if (s.endOffset() <= bound) {
                    assertThat(now.length).as("segment %d ends at or below the bound: compacted", s.baseOffset())
                            .isLessThan(before.get(s.baseOffset()).length);
                } else {
                    assertThat(now).as("segment %d ends above the bound: untouched", s.baseOffset())
                            .isEqualTo(before.get(s.baseOffset()));
                }
            }
            assertThat(log.sealedSegments()).extracting(SealedSegment::baseOffset, SealedSegment::endOffset)
                    .containsExactlyElementsOf(sealed.stream().map(s -> org.assertj.core.groups.Tuple.tuple(
                            s.baseOffset(), s.endOffset())).toList());
        }
    }

    @Test
    void shouldKeepOffsetsContiguousWhenASegmentLosesEveryRecord() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            fill(log);
            long next = log.nextOffset();
            long activeBase = log.segments().get(log.segments().size() - 1).baseOffset();
            log.compact(r -> false, Throttle.unlimited());
            List<Record> left = readAll(log);
            assertThat(left).first().extracting(Record::offset).as("only the active segment's records are left")
                    .isEqualTo(activeBase);
            assertThat(log.read(0, 100).records()).as("a read may return batches that hold no record").isEmpty();
            assertThat(log.read(0, 100).nextOffset()).isPositive();
            assertThat(log.nextOffset()).isEqualTo(next);
        }
        try (PartitionLog log = PartitionLog.open(dir, config())) {
            assertThat(log.firstOffset()).isZero();
            assertThat(readAll(log)).isNotEmpty();
        }
    }

    @Test
    void shouldDiscardAnUnfinishedRewriteAndCompleteAFinishedSwapOnOpen() throws Exception {
        // Two copies of one log; the first is compacted, its rewritten segment then plays the crash's leftovers
        // in the second: once as BASE.log.cleaned (the rewrite may be partial: discarded), once as BASE.log.swap
        // (fsynced and renamed: the swap is completed).
        Path compacted = dir.resolve("a");
        Path crashed = dir.resolve("b");
        List<Record> original;
        List<Record> expected;
        try (PartitionLog log = PartitionLog.open(compacted, config())) {
            fill(log);
            original = readAll(log);
        }
        copy(compacted, crashed);
        try (PartitionLog log = PartitionLog.open(compacted, config())) {
            log.compact(latestPerKey(original), Throttle.unlimited());
            expected = readAll(log);
        }
        Path rewritten = compacted.resolve("00000000000000000000.log");
        Path target = crashed.resolve("00000000000000000000.log");

        Files.copy(rewritten, crashed.resolve("00000000000000000000.log.cleaned"));
        try (PartitionLog log = PartitionLog.open(crashed, config())) {
            assertThat(log.recoveryReport().unfinishedOperations()).isEqualTo(1);
            assertThat(readAll(log)).as("the old segment stays").containsExactlyElementsOf(original);
        }
        assertThat(crashed.resolve("00000000000000000000.log.cleaned")).doesNotExist();

        Files.copy(rewritten, crashed.resolve("00000000000000000000.log.swap"));
        try (PartitionLog log = PartitionLog.open(crashed, config())) {
            long secondSegment = log.segments().get(1).baseOffset();
            List<Record> swappedFirst = new ArrayList<>(expected.stream().filter(r -> r.offset() < secondSegment)
                    .toList());
            swappedFirst.addAll(original.stream().filter(r -> r.offset() >= secondSegment).toList());
            assertThat(readAll(log)).as("the swap is completed: the first segment is the compacted one")
                    .containsExactlyElementsOf(swappedFirst);
        }
        assertThat(crashed.resolve("00000000000000000000.log.swap")).doesNotExist();
        assertThat(Files.size(target)).isEqualTo(Files.size(rewritten));
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
