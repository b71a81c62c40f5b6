package io.junction.broker.internal.station;

import io.junction.broker.CompactionResult;
import io.junction.broker.RetentionResult;
import io.junction.broker.StationConfig;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.group.ConsumerGroup;
import io.junction.log.PartitionStore;
import io.junction.tier.TieredStore;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A station's upkeep on the broker's timer: retention (every {@value #RETENTION_SECONDS} s, or when asked),
 * background key compaction on the broker's compactor thread (checked every {@value #COMPACTION_CHECK_SECONDS} s
 * and when an update turns it on; one pass at a time per station), and the expiry of old dead letters (every
 * {@value #DLS_EXPIRY_MINUTES} min). It remembers the last retention and compaction run for station info.
 *
 * <p>Retention holds the station's lock ({@code stationLock}), as dead-letter resend and drop do, and waits for
 * groups' owner threads (their ack floors); an owner thread never takes the station's lock.
 */
final class StationMaintenance {

    /** How often the station's retention runs. */
    static final long RETENTION_SECONDS = 60;
    /** How often a compacted station checks whether a compaction pass has anything to do. */
    static final long COMPACTION_CHECK_SECONDS = 60;
    /** How often dead letters older than the station's DLS retention are removed. */
    static final long DLS_EXPIRY_MINUTES = 10;
    private static final System.Logger LOG = System.getLogger(StationMaintenance.class.getName());

    /** A retention or compaction pass: when it ran and what it did. */
    record Run<T>(long atMs, T result) {
    }

    private final BrokerContext context;
    private final String name;
    private final PartitionStore[] partitions;
    private final Supplier<StationConfig> settings;
    private final Supplier<Collection<ConsumerGroup>> groups;
    private final DeadLetters deadLetters;
    private final Object stationLock;
    private final ScheduledFuture<?> dlsExpiry;
    private final ScheduledFuture<?> retention;
    private final ScheduledFuture<?> compactionCheck;

    /** Guards the compaction state below: one pass at a time per station. */
    private final Object compactionLock = new Object();
    /** Per partition: its next offset when the last pass started (a pass is due once it moved). */
    private final long[] compactedUpTo;
    /** Per partition: the last pass kept something only because it was not old enough yet. */
    private final boolean[] compactionWaiting;
    private final long[] keysKept;
    private final AtomicBoolean compactionQueued = new AtomicBoolean();
    private volatile Run<RetentionResult> lastRetention;
    private volatile Run<CompactionResult> lastCompaction;

    /** Expires old dead letters once now, then schedules the periodic jobs. */
    StationMaintenance(BrokerContext context, String name, PartitionStore[] partitions,
            Supplier<StationConfig> settings, Supplier<Collection<ConsumerGroup>> groups, DeadLetters deadLetters,
            Object stationLock) {
        this.context = context;
        this.name = name;
        this.partitions = partitions;
        this.settings = settings;
        this.groups = groups;
        this.deadLetters = deadLetters;
        this.stationLock = stationLock;
        this.compactedUpTo = new long[partitions.length];
        Arrays.fill(compactedUpTo, -1);
        this.compactionWaiting = new boolean[partitions.length];
        this.keysKept = new long[partitions.length];
        deadLetters.expire(settings.get().dlsRetention());
        this.dlsExpiry = context.timer().scheduleWithFixedDelay(this::expireDeadLetters, DLS_EXPIRY_MINUTES,
                DLS_EXPIRY_MINUTES, TimeUnit.MINUTES);
        this.retention = context.timer().scheduleWithFixedDelay(this::retainQuietly, RETENTION_SECONDS,
                RETENTION_SECONDS, TimeUnit.SECONDS);
        this.compactionCheck = context.timer().scheduleWithFixedDelay(this::checkCompaction, COMPACTION_CHECK_SECONDS,
                COMPACTION_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    Run<RetentionResult> lastRetention() {
        return lastRetention;
    }

    Run<CompactionResult> lastCompaction() {
        return lastCompaction;
    }

    /** Cancels the periodic jobs (a running pass finishes). */
    void stop() {
        dlsExpiry.cancel(false);
        retention.cancel(false);
        compactionCheck.cancel(false);
    }

    /**
     * Queues a background compaction pass if the station's current configuration has compaction on (every
     * {@value #COMPACTION_CHECK_SECONDS} s, and at once when an update turns it on). One queued pass at most: a
     * pass longer than the period does not pile up more behind it.
     */
    void checkCompaction() {
        if (settings.get().compaction().enabled() && compactionQueued.compareAndSet(false, true)) {
            try {
                context.compactor().execute(this::compactQuietly);
            } catch (RejectedExecutionException stopping) {
                compactionQueued.set(false);
            }
        }
    }

    private void compactQuietly() {
        compactionQueued.set(false);
        try {
            CompactionResult r = compact(true);
            if (r.segmentsRewritten() > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: compaction rewrote {1} segments, removed {2} "
                        + "messages, {3} -> {4} bytes in {5} ms", name, r.segmentsRewritten(), r.messagesRemoved(),
                        r.bytesBefore(), r.bytesAfter(), r.durationMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the broker is stopping
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": compaction failed", e);
        }
    }

    /**
     * One key-compaction pass over every partition ({@link KeyCompaction}), throttled by the broker's compaction
     * rate; appends and reads go on meanwhile. With {@code onlyIfDue}, a partition is skipped when nothing was
     * appended since its last pass and that pass left nothing waiting to grow old enough. A station without
     * compaction is left alone.
     */
    CompactionResult compact(boolean onlyIfDue) throws InterruptedException {
        StationConfig c = settings.get();
        if (!c.compaction().enabled()) {
            return CompactionResult.NONE;
        }
        synchronized (compactionLock) {
            long started = System.nanoTime();
            long now = context.clock().millis();
            int rewritten = 0;
            long removed = 0;
            long before = 0;
            long after = 0;
            long read = 0;
            for (PartitionStore log : partitions) {
                before += log.sizeInBytes();
            }
            for (int p = 0; p < partitions.length; p++) {
                long end = partitions[p].nextOffset();
                if (onlyIfDue && end == compactedUpTo[p] && !compactionWaiting[p]) {
                    continue;
                }
                // A tiered partition compacts its local log, only what is uploaded (the object store keeps it
                // as appended), and reads only the local log for the latest offset of each key.
                PartitionStore log = partitions[p] instanceof TieredStore t ? t.local() : partitions[p];
                long below = partitions[p] instanceof TieredStore t ? t.compactionBound() : Long.MAX_VALUE;
                KeyCompaction.Outcome o = KeyCompaction.run(log, c, now, context.compactionThrottle(), below);
                compactedUpTo[p] = end;
                compactionWaiting[p] = o.waiting();
                keysKept[p] = o.keysKept();
                rewritten += o.stats().segmentsRewritten();
                removed += o.stats().recordsRemoved();
                read += o.stats().bytesRead();
            }
            for (PartitionStore log : partitions) {
                after += log.sizeInBytes();
            }
            if (removed > 0) {
                groups.get().forEach(ConsumerGroup::onCompaction);
            }
            CompactionResult result = new CompactionResult(rewritten, removed, Arrays.stream(keysKept).sum(), before,
                    after, read, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            lastCompaction = new Run<>(now, result);
            return result;
        }
    }

    private void retainQuietly() {
        try {
            RetentionResult r = retain();
            if (r.segments() > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: retention removed {1} segments, {2} messages, {3} "
                        + "bytes", name, r.segments(), r.messages(), r.bytes());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": retention failed", e);
        }
    }

    /** Per partition: the lowest ack floor of the station's groups (everything below is acked by all). */
    private long[] ackedByEveryGroup() {
        long[] floors = new long[partitions.length];
        Arrays.fill(floors, Long.MAX_VALUE);
        for (ConsumerGroup group : groups.get()) {
            long[] groupFloors = group.ackFloors();
            for (int p = 0; p < floors.length; p++) {
                floors[p] = Math.min(floors[p], groupFloors[p]);
            }
        }
        return floors;
    }

    /**
     * Applies the station's retention now: per partition, drops the whole segments that are older than the
     * retention age (a segment is, once its messages' timestamps and its batches' append times — the broker's
     * clock when it stored them — are all older, and those of every segment before it: a message dated in the past
     * is kept for the age after it was stored), or that push it over the retention bytes or messages (never the
     * active segment, never a message that is to be kept). Readers still reading a dropped segment finish their
     * read; groups move past what was removed, counting what they had not acked as skipped. With ack-based
     * retention, the segments every existing group has acked go too (with no group, nothing goes for that reason:
     * a station without groups keeps its messages for the first one, within the other limits).
     */
    RetentionResult retain() {
        synchronized (stationLock) {
            RetentionResult result = retainNow();
            lastRetention = new Run<>(context.clock().millis(), result);
            return result;
        }
    }

    private RetentionResult retainNow() {
        StationConfig c = settings.get();
        long now = context.clock().millis();
        int segments = 0;
        long messages = 0;
        long bytes = 0;
        long[] acked = c.retentionAck() && !groups.get().isEmpty() ? ackedByEveryGroup() : null;
        int segmentsBefore = 0;
        long bytesBefore = 0;
        for (PartitionStore log : partitions) {
            segmentsBefore += log.segmentCount();
            bytesBefore += log.sizeInBytes();
        }
        for (int p = 0; p < partitions.length; p++) {
            PartitionStore log = partitions[p];
            List<PartitionStore.SegmentInfo> segs = log.segments();
            long first = log.firstOffset();
            long next = log.nextOffset();
            long cut = first;
            // On a compacted station the retention age applies to keyless messages only, one by one (compaction
            // removes them): whole segments also hold the latest message of keys, which stays.
            if (c.retentionAge() != null && c.compaction().enabled() && log instanceof TieredStore tiered) {
                // the history behind compaction goes from the object store at the retention age
                segments += tiered.deleteRemoteAppendedBefore(now - c.retentionAge().toMillis());
                first = log.firstOffset();
                cut = first;
            }
            if (c.retentionAge() != null && !c.compaction().enabled()) {
                long oldest = now - c.retentionAge().toMillis();
                OptionalLong dated = log.segmentForTimestamp(oldest); // no download: whole segments go
                OptionalLong stored = log.segmentForAppendTime(oldest);
                cut = Math.max(cut, Math.min(dated.orElse(next), stored.orElse(next)));
            }
            if (c.retentionBytes() > 0) {
                long total = segs.stream().mapToLong(PartitionStore.SegmentInfo::sizeInBytes).sum();
                for (int i = 0; i + 1 < segs.size() && total > c.retentionBytes(); i++) {
                    total -= segs.get(i).sizeInBytes();
                    cut = Math.max(cut, segs.get(i + 1).baseOffset());
                }
            }
            if (acked != null) {
                cut = Math.max(cut, acked[p]);
            }
            if (c.retentionMessages() > 0) {
                for (int i = 0; i + 1 < segs.size() && next - segs.get(i + 1).baseOffset() >= c.retentionMessages();
                        i++) {
                    cut = Math.max(cut, segs.get(i + 1).baseOffset());
                }
            }
            if (cut > first) {
                long sizeBefore = log.sizeInBytes();
                segments += log.deleteSegmentsBefore(cut);
                messages += log.firstOffset() - first;
                bytes += sizeBefore - log.sizeInBytes();
            }
        }
        if (segments > 0) {
            groups.get().forEach(ConsumerGroup::onRetention);
        }
        int segmentsAfter = 0;
        long bytesAfter = 0;
        for (PartitionStore log : partitions) {
            segmentsAfter += log.segmentCount();
            bytesAfter += log.sizeInBytes();
        }
        return new RetentionResult(segments, messages, bytes, segmentsBefore, segmentsAfter, bytesBefore, bytesAfter);
    }

    private void expireDeadLetters() {
        try {
            int dropped = deadLetters.expire(settings.get().dlsRetention());
            if (dropped > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: {1} dead letters older than {2} removed", name,
                        dropped, settings.get().dlsRetention());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": dead-letter retention failed", e);
        }
    }
}
