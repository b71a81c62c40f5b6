package io.junction.broker;

import java.util.List;

/** A station as seen by an admin: settings, partitions, totals. */
public record StationInfo(String tenant, String name, StationConfig config, List<PartitionInfo> partitions,
        long messages, long bytes, long createdAtMs) {

    /** One partition: the offsets it holds, [earliest, next), and its size. */
    public record PartitionInfo(int partition, long earliestOffset, long nextOffset, long bytes) {
    }
}
