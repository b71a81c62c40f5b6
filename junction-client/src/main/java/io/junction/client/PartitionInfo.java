package io.junction.client;

/**
 * One partition of a station.
 *
 * @param earliestOffset the first offset still kept
 * @param latestOffset the next offset to be written
 * @param bytes the bytes the partition occupies
 */
public record PartitionInfo(int partition, long earliestOffset, long latestOffset, long bytes) {
}
