package io.junction.log;

/**
 * What the recovery pass of {@link PartitionLog#open} found and did.
 *
 * @param segments segments in the log after recovery
 * @param unfinishedOperations interrupted file operations finished ({@code .tmp} / {@code .deleted} files and
 *     orphaned index files removed)
 * @param rebuiltIndexes sealed segments whose index files were missing or inconsistent and were rebuilt
 * @param truncatedBytes bytes cut off the end of the last segment because they were not whole, valid batches
 * @param truncationReason why the cut was made there, or null when nothing was cut
 */
public record RecoveryReport(int segments, int unfinishedOperations, int rebuiltIndexes, long truncatedBytes,
        String truncationReason) {
}
