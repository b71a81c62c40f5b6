package io.junction.broker;

import java.util.List;

/**
 * A station as seen by an admin: settings, partitions, totals, and its last retention and compaction passes
 * since the broker started (0 and null when none ran yet).
 *
 * @param messages the messages it holds (fewer than its offset range once compacted)
 */
public record StationInfo(String tenant, String name, StationConfig config, List<PartitionInfo> partitions,
        long messages, long bytes, long createdAtMs, long lastRetentionMs, RetentionResult lastRetention,
        long lastCompactionMs, CompactionResult lastCompaction) {

    /**
     * One partition: the offsets it holds, [earliest, next), and its size; with tiering, what of it is on local
     * disk and what in the object store (-1 and 0 when nothing is).
     *
     * @param localEarliestOffset the first offset on local disk
     * @param localBytes the bytes on local disk
     * @param remoteEarliestOffset the first offset readable from the object store; -1 when it holds none
     * @param remoteEndOffset one past the last offset uploaded; -1 when none
     * @param remoteBytes the bytes in the object store
     */
    public record PartitionInfo(int partition, long earliestOffset, long nextOffset, long bytes,
            long localEarliestOffset, long localBytes, long remoteEarliestOffset, long remoteEndOffset,
            long remoteBytes) {

        /** A partition without tiering: everything local. */
        public PartitionInfo(int partition, long earliestOffset, long nextOffset, long bytes) {
            this(partition, earliestOffset, nextOffset, bytes, earliestOffset, bytes, -1, -1, 0);
        }
    }
}
