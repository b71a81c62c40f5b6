package io.junction.tier;

/**
 * One tiered partition as {@code station tier-status} shows it.
 *
 * @param partition the partition
 * @param remoteFirstOffset first offset readable from the store; -1 when it holds nothing
 * @param remoteEndOffset one past the last offset uploaded (the local log is uploaded up to here); -1 when none
 * @param remoteSegments segments readable from the store
 * @param remoteBytes their size in the store
 * @param localFirstOffset first offset on local disk
 * @param localBytes bytes on local disk
 * @param pendingSegments sealed local segments not uploaded yet
 * @param pendingBytes their bytes
 * @param lastUploadMs when the last upload finished (ms since the epoch); 0 = never
 * @param uploadedSegments segments uploaded since the broker started
 * @param uploadedBytes bytes uploaded since the broker started
 * @param failures consecutive failed attempts (0 when the last one worked)
 * @param lastError the last failure, null after a success
 * @param lastErrorMs when it happened; 0 = never
 */
public record TierStatus(int partition, long remoteFirstOffset, long remoteEndOffset, int remoteSegments,
        long remoteBytes, long localFirstOffset, long localBytes, int pendingSegments, long pendingBytes,
        long lastUploadMs, long uploadedSegments, long uploadedBytes, int failures, String lastError,
        long lastErrorMs) {
}
