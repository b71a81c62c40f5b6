package io.junction.broker;

/**
 * What one compaction pass over a station did (its partitions together).
 *
 * @param segmentsRewritten segments written anew without the messages compaction removed
 * @param messagesRemoved superseded messages, expired tombstones and keyless messages past the retention age
 * @param keysKept distinct keys that still have a message after the pass (tombstoned keys still in their
 *     retention count)
 * @param bytesBefore the station's bytes before the pass
 * @param bytesAfter and after
 * @param bytesRead what the pass read (it reads each partition once to find the latest message per key, and the
 *     segments it rewrites twice more)
 * @param durationMs how long it took, throttle included
 */
public record CompactionResult(int segmentsRewritten, long messagesRemoved, long keysKept, long bytesBefore,
        long bytesAfter, long bytesRead, long durationMs) {

    public static final CompactionResult NONE = new CompactionResult(0, 0, 0, 0, 0, 0, 0);
}
