package io.junction.broker.internal.group;

import io.junction.broker.internal.HeldBytes;
import io.junction.log.FetchResult;
import io.junction.log.LogException;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A group's reads of its station's partitions, in the view the group reads ({@link io.junction.broker.History}):
 * per partition the {@link ReadAhead} of first deliveries, the messages read again (held back without contents,
 * due again, being dead-lettered) through one {@link RereadCache}, and how many unacked messages retention removed
 * before the group processed them (skipped, since the group opened). When retention removed the start of a
 * partition, the partition's state (floor, journal) and read-ahead move past it here.
 *
 * <p>Threads: the group's owner thread only; {@link ConsumerGroup} creates it and alone calls it.
 */
final class PartitionReads {

    private static final System.Logger LOG = System.getLogger(ConsumerGroup.class.getName());

    /** Partition p as the group reads it. */
    private final IntFunction<PartitionStore> logs;
    private final String groupName;
    private final String stationName;
    private final GroupJournal journal;
    /** The group's own array (a reset replaces its elements, never it). */
    private final GroupJournal.PartitionState[] state;
    /** Per partition: the next offset to read for a first delivery and what was read past it. */
    private final ReadAhead[] readAhead;
    /** Reads of messages read again (held back without contents, redelivered). */
    private final RereadCache rereads;
    /** Per partition: unacked messages retention removed before the group processed them (since it opened). */
    private final long[] skipped;
    /** When a failed read was last logged (one line per 30 s, not one per dispatch). */
    private long lastReadFailureLogNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    PartitionReads(IntFunction<PartitionStore> logs, String groupName, String stationName, GroupJournal journal,
            GroupJournal.PartitionState[] state, long rereadCacheBytes, HeldBytes held) {
        this.logs = logs;
        this.groupName = groupName;
        this.stationName = stationName;
        this.journal = journal;
        this.state = state;
        this.readAhead = new ReadAhead[state.length];
        this.rereads = new RereadCache(rereadCacheBytes, held);
        this.skipped = new long[state.length];
        for (int p = 0; p < state.length; p++) {
            readAhead[p] = new ReadAhead(log(p), state[p]);
        }
    }

    /** Partition {@code p} as the group reads it. */
    PartitionStore log(int p) {
        return logs.apply(p);
    }

    /** The next message read ahead on partition {@code p}, or null when none is (then {@link #fill} reads more). */
    Record poll(int p) {
        return readAhead[p].poll();
    }

    /** The stored batch the message last polled on partition {@code p} came in ({@link ReadAhead#polledBatch()}). */
    ByteBuffer polledBatch(int p) {
        return readAhead[p].polledBatch();
    }

    /**
     * Reads ahead on partition {@code p}; true when a message is ready to {@link #poll}. False as well when the
     * partition cannot be read now (an object store down, a damaged object refused: the group tries again at its
     * next dispatch, and the station reports the cause) or retention removed what was to be read next (then the
     * partition is skipped past it).
     */
    boolean fill(int p) {
        try {
            return readAhead[p].fill();
        } catch (OffsetOutOfRangeException e) {
            skipRemoved(p); // retention removed what the group had not read yet
            return false;
        } catch (LogException e) {
            long now = System.nanoTime();
            if (now - lastReadFailureLogNanos > TimeUnit.SECONDS.toNanos(30)) {
                lastReadFailureLogNanos = now;
                LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: partition {2} cannot be read at "
                        + "{3}: {4}", groupName, stationName, p, readAhead[p].nextFetch(), e.getMessage());
            }
            return false;
        }
    }

    /**
     * The message at {@code offset} of partition {@code p} read again, or null when retention or compaction removed
     * it. Never waits for an object store: {@link NotAtHand} when the message is in a remote segment not in the
     * tier's cache (its download is started and the group woken when it is done) or that cannot be read now.
     */
    Record reread(int p, long offset) {
        try {
            PartitionStore log = log(p);
            return rereads.record(p, offset, (from, bytes) -> {
                FetchResult read = log.tryRead(from, bytes);
                if (read == null) {
                    throw new NotAtHand(null);
                }
                return read;
            });
        } catch (OffsetOutOfRangeException removed) {
            return null; // below the partition's start: retention removed it
        } catch (LogException e) {
            long now = System.nanoTime();
            if (now - lastReadFailureLogNanos > TimeUnit.SECONDS.toNanos(30)) {
                lastReadFailureLogNanos = now;
                LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: partition {2} offset {3} cannot be "
                        + "read again now; it waits: {4}", groupName, stationName, p, offset, e.getMessage());
            }
            throw new NotAtHand(e);
        }
    }

    /**
     * Retention removed the start of partition {@code p}: the group's floor and cursor move to what is still there,
     * and the messages it had not acked are counted as skipped (group info). Messages held in memory (in flight,
     * due again) that are gone are not handed out again.
     */
    void skipRemoved(int p) {
        long first = log(p).firstOffset();
        if (state[p].ackFloor >= first && readAhead[p].nextFetch() >= first) {
            return;
        }
        long floorBefore = state[p].ackFloor;
        long skippedNow = state[p].skipTo(first);
        if (state[p].ackFloor != floorBefore) {
            journal.skipped(p, first);
        }
        skipped[p] += skippedNow;
        readAhead[p].skipTo(first);
        if (skippedNow > 0) {
            LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: partition {2} skipped {3} unacked "
                    + "messages removed by retention; it goes on at {4}", groupName, stationName, p, skippedNow,
                    first);
        }
    }

    /** One more message of partition {@code p} the group had to process was gone from the log. */
    void countSkipped(int p) {
        skipped[p]++;
    }

    long skipped(int p) {
        return skipped[p];
    }

    /** The offset of the next message of partition {@code p} to hand out for the first time, as group info shows. */
    long nextToHandOut(int p) {
        return readAhead[p].nextToHandOut();
    }

    /** The messages of partition {@code p} the group has not acked (nor dead-lettered) yet. */
    long lag(int p) {
        long end = log(p).nextOffset();
        return Math.max(0, end - state[p].ackFloor - state[p].ackedAbove.size() - state[p].gapOffsets)
                + state[p].resent.size();
    }

    /** The group's position on partition {@code p} was reset to {@code s}: reading ahead starts over from it. */
    void reset(int p, GroupJournal.PartitionState s) {
        readAhead[p] = new ReadAhead(log(p), s);
    }

    /** Forgets what was read again (the log changed under it, or the group is idle or closing). */
    void forgetRereads() {
        rereads.clear();
    }
}
