package io.junction.client;

import java.time.Instant;
import java.util.List;

/**
 * A station as the broker describes it.
 *
 * @param options its settings, with the broker's defaults filled in
 * @param partitions one entry per partition, in partition order
 * @param messages the messages currently kept
 * @param bytes the bytes currently kept
 */
public record StationInfo(String tenant, String name, StationOptions options, List<PartitionInfo> partitions,
        long messages, long bytes, Instant createdAt) {

    public StationInfo {
        partitions = List.copyOf(partitions);
    }
}
