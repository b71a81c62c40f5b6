package io.junction.client;

import java.time.Duration;
import java.time.Instant;

/**
 * A retention or compaction pass over a station, as {@link StationInfo} reports its last ones.
 *
 * @param at when it ran
 * @param duration how long it took (compaction; retention reports zero)
 * @param messagesRemoved the messages it removed
 * @param bytesBefore the station's bytes before
 * @param bytesAfter and after
 * @param segmentsBefore retention: segments before
 * @param segmentsAfter retention: segments after
 * @param segmentsRewritten compaction: segments rewritten without the removed messages
 * @param keysKept compaction: keys whose latest message is not a tombstone
 */
public record MaintenanceRun(Instant at, Duration duration, long messagesRemoved, long bytesBefore, long bytesAfter,
        int segmentsBefore, int segmentsAfter, int segmentsRewritten, long keysKept) {
}
