package io.junction.log;

/**
 * What one {@link PartitionLog#compact} run did: the segments it rewrote, their bytes before and after, the
 * records it removed, and the bytes it read to decide.
 */
public record CompactionStats(int segmentsRewritten, long bytesBefore, long bytesAfter, long recordsRemoved,
        long bytesRead) {

    public static final CompactionStats NONE = new CompactionStats(0, 0, 0, 0, 0);

    public CompactionStats plus(CompactionStats o) {
        return new CompactionStats(segmentsRewritten + o.segmentsRewritten, bytesBefore + o.bytesBefore,
                bytesAfter + o.bytesAfter, recordsRemoved + o.recordsRemoved, bytesRead + o.bytesRead);
    }
}
