package io.junction.broker;

/**
 * What one retention pass over a station removed: whole segments, the messages and bytes they held; and the
 * station's segments and bytes before and after (its partitions' logs together).
 */
public record RetentionResult(int segments, long messages, long bytes, int segmentsBefore, int segmentsAfter,
        long bytesBefore, long bytesAfter) {
}
