package io.junction.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What {@link PartitionLog#open} does before the log serves anything: finishes interrupted file operations (a
 * compaction's {@code .swap} replaces its segment; {@code .tmp}, {@code .deleted} and {@code .cleaned} files and
 * indexes without a segment are removed), opens every segment, rebuilds missing or inconsistent indexes of sealed
 * segments, and verifies every batch of the last segment (length, magic, CRC32C, expected offset), cutting it at
 * the first bad one. Earlier segments were fsynced when sealed; a batch there that later rots is caught by its CRC
 * when read. See docs/log-format.md, "Recovery".
 */
final class LogRecovery {

    private static final System.Logger LOG = System.getLogger(PartitionLog.class.getName());

    private LogRecovery() {
    }

    /** The segments found (the last one is active, recovered) and what recovery did. */
    record Recovered(ConcurrentSkipListMap<Long, Segment> segments, RecoveryReport report) {
    }

    /** Recovers the partition in {@code dir} (created when missing) and opens its segments. */
    static Recovered recover(Path dir, LogConfig config, ChannelOpener opener) throws IOException {
        Files.createDirectories(dir);
        int unfinished = finishSwaps(dir);
        TreeSet<Long> bases = new TreeSet<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogFiles.TEMP_SUFFIX) || name.endsWith(LogFiles.DELETED_SUFFIX)
                        || name.endsWith(LogFiles.CLEANED_SUFFIX)) {
                    // a write, a delete or a compaction rewrite that did not finish: finish it by deleting
                    Files.delete(file);
                    unfinished++;
                } else if (name.endsWith(LogFiles.LOG_SUFFIX)) {
                    LogFiles.baseOffsetOf(name, LogFiles.LOG_SUFFIX).ifPresent(bases::add);
                } else if (name.endsWith(LogFiles.INDEX_SUFFIX) || name.endsWith(LogFiles.TIME_INDEX_SUFFIX)) {
                    indexFiles.add(file);
                }
            }
        }
        for (Path file : indexFiles) {
            String name = file.getFileName().toString();
            OptionalLong base = LogFiles.baseOffsetOf(name, name.endsWith(LogFiles.INDEX_SUFFIX)
                    ? LogFiles.INDEX_SUFFIX : LogFiles.TIME_INDEX_SUFFIX);
            if (base.isEmpty() || !bases.contains(base.getAsLong())) {
                Files.delete(file); // an index whose segment is gone
                unfinished++;
            }
        }
        if (unfinished > 0) {
            LogFiles.fsyncDirectory(dir);
        }

        ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
        int rebuiltIndexes = 0;
        long truncatedBytes = 0;
        String truncation = null;
        long nowMs = config.clock().millis();
        try {
            if (bases.isEmpty()) {
                segments.put(0L, Segment.create(opener, config.openFiles(), dir, 0L, config.indexIntervalBytes(), nowMs));
            }
            Long previous = null;
            for (long base : bases) {
                Segment segment = Segment.open(opener, config.openFiles(), dir, base, config.indexIntervalBytes());
                segments.put(base, segment);
                if (previous != null) {
                    segments.get(previous).nextOffset(base);
                }
                previous = base;
                if (base != bases.last()) {
                    if (segment.indexNeedsRebuild()) {
                        segment.index(); // rebuilt from the segment's batches
                        segment.seal(); // and written back, so the next open finds it
                        rebuiltIndexes++;
                    }
                }
            }
            if (!bases.isEmpty()) {
                Segment last = segments.lastEntry().getValue();
                String[] why = new String[1];
                truncatedBytes = last.recover(why);
                truncation = why[0];
            }
        } catch (IOException | RuntimeException e) {
            segments.values().forEach(Segment::close);
            throw e;
        }
        RecoveryReport report = new RecoveryReport(segments.size(), unfinished, rebuiltIndexes, truncatedBytes,
                truncation);
        if (truncatedBytes > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cut {1} bytes off the last segment, {2}", dir, truncatedBytes,
                    truncation);
        }
        if (unfinished > 0 || rebuiltIndexes > 0) {
            LOG.log(System.Logger.Level.INFO, "{0}: finished {1} interrupted file operations, rebuilt {2} indexes",
                    dir, unfinished, rebuiltIndexes);
        }
        return new Recovered(segments, report);
    }

    /**
     * Completes the swaps a compaction had started: a {@code BASE.log.swap} is a whole, fsynced rewrite of
     * {@code BASE.log}, so it replaces it (the old index files go; the index is rebuilt from the new file).
     */
    private static int finishSwaps(Path dir) throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + LogFiles.LOG_SUFFIX
                + LogFiles.SWAP_SUFFIX)) {
            files.forEach(swaps::add);
        }
        for (Path swap : swaps) {
            String name = swap.getFileName().toString();
            OptionalLong base = LogFiles.baseOffsetOf(name.substring(0, name.length() - LogFiles.SWAP_SUFFIX.length()),
                    LogFiles.LOG_SUFFIX);
            if (base.isEmpty()) {
                continue;
            }
            Files.deleteIfExists(LogFiles.indexFile(dir, base.getAsLong()));
            Files.deleteIfExists(LogFiles.timeIndexFile(dir, base.getAsLong()));
            Files.move(swap, LogFiles.logFile(dir, base.getAsLong()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        if (!swaps.isEmpty()) {
            LogFiles.fsyncDirectory(dir);
        }
        return swaps.size();
    }
}
