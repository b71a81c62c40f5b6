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
 * @param schema the schema produced values are validated against; null for none
 */
public record StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
        long messages, long bytes, Instant createdAt, MaintenanceRun lastRetention, MaintenanceRun lastCompaction,
        Schema schema) {

    /**
     * A station's schema.
     *
     * @param version the version values are validated against; 0 for the latest at each produce
     * @param deadLetterViolations refused messages are kept in the station's dead-letter station
     */
    public record Schema(String name, int version, boolean deadLetterViolations) {
    }

    /** A station without a schema. */
    public StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
            long messages, long bytes, Instant createdAt, MaintenanceRun lastRetention, MaintenanceRun lastCompaction) {
        this(tenant, name, options, partitions, messages, bytes, createdAt, lastRetention, lastCompaction, null);
    }

    public StationInfo {
        partitions = List.copyOf(partitions);
    }

    /** A station no retention or compaction pass has run on yet. */
    public StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
            long messages, long bytes, Instant createdAt) {
        this(tenant, name, options, partitions, messages, bytes, createdAt, null, null, null);
    }
}
