package io.junction.client;

import java.time.Instant;

/**
 * One partition of a station with tiering: what the object store holds, what is still only local, and how the
 * uploads go.
 *
 * @param remoteFirstOffset the first offset readable from the object store; -1 when it holds none
 * @param remoteEndOffset one past the last offset uploaded; -1 when none
 * @param remoteSegments segments in the object store
 * @param remoteBytes their bytes
 * @param localFirstOffset the first offset on the server's disk
 * @param localBytes the bytes on the server's disk
 * @param pendingSegments sealed segments not uploaded yet
 * @param pendingBytes their bytes
 * @param lastUpload when the last upload finished; null if never
 * @param uploadedSegments segments uploaded since the server started
 * @param uploadedBytes bytes uploaded since the server started
 * @param failures consecutive failed attempts; 0 when the last one worked
 * @param lastError the last failure; null after a success
 * @param lastErrorAt when it happened; null if never
 */
public record TierStatus(int partition, long remoteFirstOffset, long remoteEndOffset, int remoteSegments,
        long remoteBytes, long localFirstOffset, long localBytes, int pendingSegments, long pendingBytes,
        Instant lastUpload, long uploadedSegments, long uploadedBytes, int failures, String lastError,
        Instant lastErrorAt) {
}
