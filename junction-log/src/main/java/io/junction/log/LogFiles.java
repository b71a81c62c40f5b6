package io.junction.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Every file name and suffix a partition directory holds, in one place.
 *
 * <pre>
 * partition-dir/
 *   00000000000000000000.log          record batches, base offset of the segment in the name (20 digits)
 *   00000000000000000000.index        sparse offset index     (written when the segment is sealed)
 *   00000000000000000000.timeindex    sparse timestamp index  (written when the segment is sealed)
 *   NAME.tmp                          a file being written; on open: deleted (the write did not finish)
 *   NAME.deleted                      a file being deleted; on open: deleted (the deletion did not finish)
 *   BASE.log.cleaned                  a segment being rewritten by compaction; on open: deleted (the old one stays)
 *   BASE.log.swap                     a finished, fsynced rewrite about to replace BASE.log; on open: the swap is
 *                                     completed (BASE's index files deleted, BASE.log.swap renamed to BASE.log)
 * </pre>
 *
 * <p>A file operation that must survive a crash goes through a state-named file: a new index is written as
 * {@code .tmp}, fsynced and renamed; a segment is renamed to {@code .deleted} before it is unlinked. The
 * directory is fsynced after every create, rename and delete, so the state on disk is always one the
 * recovery pass in {@link PartitionLog#open} knows how to finish.
 *
 * <p>Stateless; thread-safe.
 */
final class LogFiles {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String TEMP_SUFFIX = DurableFiles.TEMP_SUFFIX;
    static final String DELETED_SUFFIX = ".deleted";
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    /** Width of the zero-padded base offset in a segment's file names: every long fits and names sort. */
    static final int BASE_OFFSET_DIGITS = 20;

    private LogFiles() {
    }

    static String baseName(long baseOffset) {
        String digits = Long.toString(baseOffset);
        return "0".repeat(BASE_OFFSET_DIGITS - digits.length()) + digits;
    }

    static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + LOG_SUFFIX);
    }

    static Path indexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + INDEX_SUFFIX);
    }

    static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + TIME_INDEX_SUFFIX);
    }

    /** The base offset in a file name like {@code 00000000000000000042.log}, if it has that shape. */
    static OptionalLong baseOffsetOf(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != BASE_OFFSET_DIGITS + suffix.length()) {
            return OptionalLong.empty();
        }
        String digits = fileName.substring(0, BASE_OFFSET_DIGITS);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static Path withSuffix(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** Makes the directory's entries (created, renamed, deleted files) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        DurableFiles.fsyncDirectory(dir);
    }

    /** Writes {@code content} to {@code target} through {@code target.tmp}: fsync, rename, fsync directory. */
    static void writeDurably(Path target, java.nio.ByteBuffer content) throws IOException {
        DurableFiles.write(target, content);
    }
}
