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

    /** One partition: the offsets it holds, [earliest, next), and its size. */
    public record PartitionInfo(int partition, long earliestOffset, long nextOffset, long bytes) {
    }
}
