package io.junction.client;

/**
 * One partition of a station: the offsets it holds and its size; with tiering, what of it is on the server's disk
 * and what in the object store.
 *
 * @param earliestOffset the first offset still kept
 * @param latestOffset the next offset to be written
 * @param bytes the bytes the partition occupies
 * @param localEarliestOffset the first offset on the server's disk
 * @param localBytes the bytes on the server's disk
 * @param remoteEarliestOffset the first offset readable from the object store; -1 when it holds none
 * @param remoteEndOffset one past the last offset uploaded; -1 when none
 * @param remoteBytes the bytes in the object store
 */
public record PartitionInfo(int partition, long earliestOffset, long latestOffset, long bytes,
        long localEarliestOffset, long localBytes, long remoteEarliestOffset, long remoteEndOffset,
        long remoteBytes) {

    /** A partition without tiering: everything on the server's disk. */
    public PartitionInfo(int partition, long earliestOffset, long latestOffset, long bytes) {
        this(partition, earliestOffset, latestOffset, bytes, earliestOffset, bytes, -1, -1, 0);
    }

    /** Whether the object store holds any of it. */
    public boolean remote() {
        return remoteEarliestOffset >= 0;
    }
}
