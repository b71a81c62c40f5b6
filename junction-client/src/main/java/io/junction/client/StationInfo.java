package io.junction.client;

import java.time.Instant;
import java.util.List;

/**
 * A station as the broker describes it.
 *
 * @param options its settings, with the broker's defaults filled in
 * @param partitions one entry per partition, in partition order
 * @param messages the messages currently kept (fewer than the offsets once compacted)
 * @param bytes the bytes currently kept
 * @param lastRetention the last retention pass since the broker started; null if none yet
 * @param lastCompaction the last compaction pass since the broker started; null if none yet (or not compacted)
 */
public record StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
        long messages, long bytes, Instant createdAt, MaintenanceRun lastRetention, MaintenanceRun lastCompaction) {

    public StationInfo {
        partitions = List.copyOf(partitions);
    }

    /** A station no retention or compaction pass has run on yet. */
    public StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
            long messages, long bytes, Instant createdAt) {
        this(tenant, name, options, partitions, messages, bytes, createdAt, null, null);
    }
}
