package io.junction.broker.internal.station;

import io.junction.broker.StationConfig;
import io.junction.log.CompactionStats;
import io.junction.log.FetchResult;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.Throttle;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One compaction pass over one partition (see {@link StationConfig.Compaction}): a first read finds the latest
 * offset of every key; then {@link PartitionLog#compact} rewrites the sealed segments without
 * <ul>
 *   <li>a keyed message that a later message of its key supersedes,</li>
 *   <li>a tombstone that is its key's latest message and older than the tombstone retention,</li>
 *   <li>a keyless message older than the station's retention age (if it has one),</li>
 * </ul>
 * unless the message is younger than the horizon: the compaction lag or the dedup window, whichever is longer
 * (inside the dedup window the log is what a retried msg-id or producer request is recognised by). The active
 * segment is never rewritten. Ages are measured on the message timestamps.
 *
 * <p>Memory: the key map holds each distinct key of the partition once (its bytes plus about 80 bytes), for the
 * duration of the pass; partitions are compacted one after the other.
 */
final class KeyCompaction {

    /**
     * What the pass did; the keys whose latest message is not a tombstone; and whether a later pass will find
     * more to remove with no new message (something was kept only because it was not old enough yet).
     */
    record Outcome(CompactionStats stats, long keysKept, boolean waiting) {
    }

    private KeyCompaction() {
    }

    static Outcome run(PartitionStore log, StationConfig config, long nowMs, Throttle throttle)
            throws InterruptedException {
        return run(log, config, nowMs, throttle, Long.MAX_VALUE);
    }

    /** As above, rewriting only segments that end at or below {@code below} (a tiered log: what is uploaded). */
    static Outcome run(PartitionStore log, StationConfig config, long nowMs, Throttle throttle, long below)
            throws InterruptedException {
        StationConfig.Compaction c = config.compaction();
        long horizon = nowMs - Math.max(c.lag().toMillis(), config.dedupWindow().toMillis());
        long tombstoneHorizon = nowMs - c.tombstoneRetention().toMillis();
        long keylessHorizon = config.retentionAge() == null ? Long.MIN_VALUE
                : nowMs - config.retentionAge().toMillis();

        Map<ByteBuffer, Long> latest = new HashMap<>();
        long tombstoned = 0; // keys whose latest message is a tombstone
        long readBytes = 0;
        long end = log.nextOffset();
        for (long offset = log.firstOffset(); offset < end; ) {
            FetchResult result = log.read(offset, 1 << 20);
            throttle.acquire(result.sizeInBytes());
            readBytes += result.sizeInBytes();
            for (Record r : result.records()) {
                if (r.key() != null && r.offset() < end) {
                    Long before = latest.put(ByteBuffer.wrap(r.key()), r.offset() * 2 + (r.isTombstone() ? 1 : 0));
                    tombstoned += (r.isTombstone() ? 1 : 0) - (before != null && before % 2 == 1 ? 1 : 0);
                }
            }
            offset = result.nextOffset();
        }
        boolean[] waiting = {false};
        CompactionStats stats = log.compact(r -> {
            boolean removable;
            boolean later; // not removable yet, but will be once older
            if (r.key() == null) {
                removable = r.timestamp() < keylessHorizon;
                later = !removable && config.retentionAge() != null;
            } else {
                Long last = latest.get(ByteBuffer.wrap(r.key()));
                // A key first seen after the map was built cannot be in a sealed segment: last is never null here.
                boolean superseded = last != null && r.offset() < last / 2;
                boolean expiredTombstone = r.isTombstone() && !superseded && r.timestamp() <= tombstoneHorizon;
                removable = superseded || expiredTombstone;
                later = r.isTombstone() && !removable;
            }
            if (removable && r.timestamp() > horizon) {
                removable = false; // inside the lag / dedup window
                later = true;
            }
            waiting[0] |= later;
            return !removable;
        }, throttle, below);
        return new Outcome(new CompactionStats(stats.segmentsRewritten(), stats.bytesBefore(), stats.bytesAfter(),
                stats.recordsRemoved(), stats.bytesRead() + readBytes), latest.size() - tombstoned, waiting[0]);
    }
}
