package io.junction.broker.internal.group;

import io.junction.broker.internal.BrokerContext;
import io.junction.log.FetchResult;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The durable state of one consumer group, kept as a journal of events in an internal partition log
 * ({@code INTERVAL} durability: fsynced every flush interval, or at once by {@link #flush()}).
 *
 * <pre>
 * every record value is one event; integers big-endian:
 *   SNAPSHOT  (4) | int32 partitions | per partition: int64 ack floor, int32 n, n × int64 acked offset above
 *                 |   the floor, int32 m, m × (int64 offset, int32 delivery count),
 *                 |   int32 k, k × (int64 offset, int64 dead-letter id)   (resent dead letters not acked yet)
 *   ACK       (2) | int32 partition | int64 offset
 *   DELIVERED (3) | int32 partition | int64 offset | int32 delivery count
 *   RESENT    (5) | int32 partition | int64 offset | int64 dead-letter id: a done offset is to be processed again
 *   SKIPPED   (6) | int32 partition | int64 offset: retention removed everything below it; the floor moves there
 *   ACKS      (7) | int32 n | n × (int32 partition, int64 first offset, int32 length): each offset of each range
 *                 |   acked
 *   DELIVERIES(8) | int32 n | n × (int32 partition, int64 first offset, int32 length, int32 delivery count): each
 *                 |   offset of each range delivered, with that count
 *   (1 is the snapshot of format 1, without the resent list; 2 and 3, one offset per event, are what ACKS and
 *   DELIVERIES replaced: all three are still read)
 * </pre>
 *
 * Adjacent acks, and adjacent deliveries, are written as one ACKS or DELIVERIES event of offset ranges (acks and
 * deliveries of one dispatch round or one ack command mostly are consecutive offsets): an event, a record and an
 * allocation per range, not per message. Only adjacent ones are merged, so events keep their order.
 *
 * A snapshot replaces the whole state; after writing one, the journal drops the segments before it, so replay
 * (from the first offset still in the journal) is short. A group is created by writing its first snapshot.
 *
 * <p>Not thread-safe: used by the group's owner thread only.
 */
public final class GroupJournal implements AutoCloseable {

    static final byte SNAPSHOT_V1 = 1;
    public static final byte ACK = 2;
    public static final byte DELIVERED = 3;
    static final byte SNAPSHOT = 4;
    static final byte RESENT = 5;
    public static final byte SKIPPED = 6;
    public static final byte ACKS = 7;
    public static final byte DELIVERIES = 8;
    /** The most ranges one ACKS or DELIVERIES event holds (20 bytes each at most). */
    static final int MAX_RANGES_PER_EVENT = 4096;
    /** Events after which a snapshot is written, so the journal does not grow without bound. */
    static final int SNAPSHOT_EVERY = 50_000;

    /** The state of one partition, as the journal knows it. */
    static final class PartitionState {
        long ackFloor;
        /** The offsets acked above the floor (a bitmap). */
        final AckSet ackedAbove = new AckSet();
        final Map<Long, Integer> deliveries = new HashMap<>();
        /** Offsets done once (dead-lettered), resent, not acked again yet → the dead letter's id. */
        final TreeMap<Long, Long> resent = new TreeMap<>();

        /**
         * Offset ranges [start, end) above the floor that hold no message (compaction removed them), found by
         * reading: the floor moves over them as over acked offsets. Not journaled: a restart reads them again.
         */
        final TreeMap<Long, Long> gaps = new TreeMap<>();
        /** The offsets {@link #gaps} covers. */
        long gapOffsets;

        void ack(long offset) {
            if (!resent.isEmpty() && resent.remove(offset) != null) {
                deliveries.remove(offset);
            }
            if (offset < ackFloor) {
                return;
            }
            ackedAbove.add(offset);
            advance();
            if (!deliveries.isEmpty()) {
                deliveries.remove(offset);
            }
        }

        /** The offsets [from, to) hold no message: they count as done. */
        void gap(long from, long to) {
            if (to <= ackFloor || from >= to) {
                return;
            }
            if (from <= ackFloor) {
                ackFloor = to;
                ackedAbove.clearBelow(to);
                advance();
            } else if (!gaps.containsKey(from)) {
                gaps.put(from, to);
                gapOffsets += to - from;
            }
        }

        /** Moves the floor over the acked offsets and gaps right above it. */
        private void advance() {
            while (true) {
                long next = ackedAbove.advance(ackFloor);
                if (next > ackFloor) {
                    if (!deliveries.isEmpty()) { // done: their delivery counts are not needed any more
                        if (next - ackFloor <= 64) {
                            for (long o = ackFloor; o < next; o++) {
                                deliveries.remove(o);
                            }
                        } else {
                            deliveries.keySet().removeIf(o -> o < next);
                        }
                    }
                    ackFloor = next;
                    continue;
                }
                Long end = gaps.remove(ackFloor);
                if (end == null) {
                    return;
                }
                gapOffsets -= end - ackFloor;
                ackFloor = end;
            }
        }

        /**
         * Moves the floor to {@code offset} at least (retention removed what was below); returns how many
         * offsets below it were not acked (skipped without being processed).
         */
        long skipTo(long offset) {
            if (ackFloor >= offset) {
                return 0;
            }
            long acked = ackedAbove.countBelow(offset);
            long skipped = offset - ackFloor - acked;
            ackedAbove.clearBelow(offset);
            deliveries.keySet().removeIf(o -> o < offset);
            long straddlingEnd = -1;
            for (Map.Entry<Long, Long> g : gaps.headMap(offset).entrySet()) {
                skipped -= Math.min(g.getValue(), offset) - g.getKey(); // no message there: nothing skipped
                gapOffsets -= g.getValue() - g.getKey();
                straddlingEnd = Math.max(straddlingEnd, g.getValue());
            }
            gaps.headMap(offset).clear();
            if (straddlingEnd > offset) {
                gaps.put(offset, straddlingEnd);
                gapOffsets += straddlingEnd - offset;
            }
            ackFloor = offset;
            advance();
            return skipped;
        }

        boolean isAcked(long offset) {
            return (offset < ackFloor || ackedAbove.contains(offset)) && !resent.containsKey(offset);
        }

        /** A done offset is to be processed again (a dead letter resent); its delivery count starts over. */
        void resend(long offset, long deadLetterId) {
            if (offset < ackFloor || ackedAbove.contains(offset)) {
                resent.put(offset, deadLetterId);
                deliveries.remove(offset);
            }
        }
    }

    private final PartitionStore log;
    private RecordBatchBuilder pending;
    private int eventsSinceSnapshot;
    /** The ACKS or DELIVERIES event being gathered (0: none), as ranges; arrays dropped at each write. */
    private byte rangeKind;
    private int ranges;
    private int[] rangePartitions;
    private long[] rangeStarts;
    private int[] rangeLengths;
    private int[] rangeCounts;

    private GroupJournal(PartitionStore log) {
        this.log = log;
    }

    static GroupJournal open(BrokerContext context, Path dir) {
        return new GroupJournal(context.openStore(dir, context.journalConfig()));
    }

    /** A journal kept in {@code log} (tests). */
    static GroupJournal on(PartitionStore log) {
        return new GroupJournal(log);
    }

    boolean isEmpty() {
        return log.nextOffset() == log.firstOffset();
    }

    /** Replays the journal into {@code state} (one entry per partition). */
    void replay(PartitionState[] state) {
        long offset = log.firstOffset();
        while (offset < log.nextOffset()) {
            FetchResult result = log.read(offset, 1 << 20);
            for (Record record : result.records()) {
                eventsSinceSnapshot += apply(ByteBuffer.wrap(record.value()), state);
            }
            offset = result.nextOffset();
        }
    }

    /** Applies one event; returns the messages it concerned (a snapshot counts as one). */
    private static int apply(ByteBuffer event, PartitionState[] state) {
        switch (event.get()) {
            case SNAPSHOT, SNAPSHOT_V1 -> {
                boolean withResent = event.get(0) == SNAPSHOT;
                int partitions = event.getInt();
                for (int p = 0; p < partitions && p < state.length; p++) {
                    PartitionState s = new PartitionState();
                    s.ackFloor = event.getLong();
                    int acked = event.getInt();
                    for (int i = 0; i < acked; i++) {
                        s.ackedAbove.add(event.getLong());
                    }
                    int counted = event.getInt();
                    for (int i = 0; i < counted; i++) {
                        s.deliveries.put(event.getLong(), event.getInt());
                    }
                    int resent = withResent ? event.getInt() : 0;
                    for (int i = 0; i < resent; i++) {
                        s.resent.put(event.getLong(), event.getLong());
                    }
                    state[p] = s;
                }
            }
            case ACK -> {
                int p = event.getInt();
                state[p].ack(event.getLong());
            }
            case DELIVERED -> {
                int p = event.getInt();
                long offset = event.getLong();
                int count = event.getInt();
                if (!state[p].isAcked(offset)) {
                    state[p].deliveries.merge(offset, count, Math::max);
                }
            }
            case SKIPPED -> {
                int p = event.getInt();
                state[p].skipTo(event.getLong());
            }
            case RESENT -> {
                int p = event.getInt();
                long offset = event.getLong();
                state[p].resend(offset, event.getLong());
            }
            case ACKS -> {
                return forEachInRanges(event, state, false, (s, offset, count) -> s.ack(offset));
            }
            case DELIVERIES -> {
                return forEachInRanges(event, state, true, (s, offset, count) -> {
                    if (!s.isAcked(offset)) {
                        s.deliveries.merge(offset, count, Math::max);
                    }
                });
            }
            default -> throw new IllegalStateException("unknown group journal event " + event.get(0));
        }
        return 1;
    }

    /** What an ACKS or DELIVERIES event does to one offset of its ranges (count: 0 for ACKS). */
    private interface RangeAction {
        void apply(PartitionState s, long offset, int count);
    }

    /**
     * Applies {@code action} to each offset of each range of an ACKS ({@code counted} false) or DELIVERIES event;
     * returns how many offsets the event names.
     */
    private static int forEachInRanges(ByteBuffer event, PartitionState[] state, boolean counted,
            RangeAction action) {
        int n = event.getInt();
        int offsets = 0;
        for (int i = 0; i < n; i++) {
            PartitionState s = state[event.getInt()];
            long first = event.getLong();
            int length = event.getInt();
            int count = counted ? event.getInt() : 0;
            for (long o = first; o < first + length; o++) {
                action.apply(s, o, count);
            }
            offsets += length;
        }
        return offsets;
    }

    void ack(int partition, long offset) {
        addToRange(ACKS, partition, offset, 0);
    }

    void delivered(int partition, long offset, int count) {
        addToRange(DELIVERIES, partition, offset, count);
    }

    /** Adds one offset to the ACKS or DELIVERIES event being gathered: to its last range when it continues it. */
    private void addToRange(byte kind, int partition, long offset, int count) {
        if (rangeKind != kind || ranges == MAX_RANGES_PER_EVENT) {
            endRanges();
            rangeKind = kind;
        }
        int last = ranges - 1;
        if (last >= 0 && rangePartitions[last] == partition && rangeCounts[last] == count
                && rangeStarts[last] + rangeLengths[last] == offset && rangeLengths[last] < Integer.MAX_VALUE) {
            rangeLengths[last]++;
        } else {
            if (rangeStarts == null || ranges == rangeStarts.length) {
                int capacity = rangeStarts == null ? 8 : Math.min(2 * ranges, MAX_RANGES_PER_EVENT);
                rangePartitions = rangePartitions == null ? new int[capacity] : Arrays.copyOf(rangePartitions,
                        capacity);
                rangeStarts = rangeStarts == null ? new long[capacity] : Arrays.copyOf(rangeStarts, capacity);
                rangeLengths = rangeLengths == null ? new int[capacity] : Arrays.copyOf(rangeLengths, capacity);
                rangeCounts = rangeCounts == null ? new int[capacity] : Arrays.copyOf(rangeCounts, capacity);
            }
            rangePartitions[ranges] = partition;
            rangeStarts[ranges] = offset;
            rangeLengths[ranges] = 1;
            rangeCounts[ranges] = count;
            ranges++;
        }
        eventsSinceSnapshot++;
    }

    /** The ACKS or DELIVERIES event gathered so far becomes a record of the pending batch. */
    private void endRanges() {
        if (ranges > 0) {
            boolean deliveries = rangeKind == DELIVERIES;
            ByteBuffer event = ByteBuffer.allocate(5 + ranges * (deliveries ? 20 : 16)).put(rangeKind).putInt(ranges);
            for (int i = 0; i < ranges; i++) {
                event.putInt(rangePartitions[i]).putLong(rangeStarts[i]).putInt(rangeLengths[i]);
                if (deliveries) {
                    event.putInt(rangeCounts[i]);
                }
            }
            ranges = 0;
            addRecord(event);
        }
        rangeKind = 0;
    }

    void skipped(int partition, long offset) {
        add(ByteBuffer.allocate(13).put(SKIPPED).putInt(partition).putLong(offset));
    }

    void resent(int partition, long offset, long deadLetterId) {
        add(ByteBuffer.allocate(21).put(RESENT).putInt(partition).putLong(offset).putLong(deadLetterId));
    }

    /** Writes the whole state; then drops the journal segments that only hold older events. */
    void snapshot(PartitionState[] state) {
        List<Map<Long, Integer>> counts = new ArrayList<>();
        for (PartitionState s : state) {
            counts.add(s.deliveries);
        }
        snapshot(state, counts);
    }

    /**
     * Writes the whole state, with {@code deliveries} (per partition: offset → delivery count) as the delivery
     * counts; then drops the journal segments that only hold older events.
     */
    void snapshot(PartitionState[] state, List<Map<Long, Integer>> deliveries) {
        int size = 5;
        for (int p = 0; p < state.length; p++) {
            PartitionState s = state[p];
            size += 8 + 4 + 8 * s.ackedAbove.size() + 4 + 12 * deliveries.get(p).size() + 4 + 16 * s.resent.size();
        }
        ByteBuffer event = ByteBuffer.allocate(size).put(SNAPSHOT).putInt(state.length);
        for (int p = 0; p < state.length; p++) {
            PartitionState s = state[p];
            event.putLong(s.ackFloor).putInt(s.ackedAbove.size());
            s.ackedAbove.forEach(event::putLong);
            event.putInt(deliveries.get(p).size());
            deliveries.get(p).forEach((offset, count) -> event.putLong(offset).putInt(count));
            event.putInt(s.resent.size());
            s.resent.forEach((offset, id) -> event.putLong(offset).putLong(id));
        }
        writePending();
        long at = log.nextOffset();
        add(event);
        writePending();
        eventsSinceSnapshot = 0;
        log.deleteSegmentsBefore(at);
    }

    boolean snapshotDue() {
        return eventsSinceSnapshot >= SNAPSHOT_EVERY;
    }

    private void add(ByteBuffer event) {
        endRanges();
        addRecord(event);
        eventsSinceSnapshot++;
    }

    private void addRecord(ByteBuffer event) {
        if (pending == null) {
            pending = new RecordBatchBuilder();
        }
        pending.add(0, null, event.array());
    }

    /** Hands the events gathered since the last call to the journal (written now, fsynced within the interval). */
    void writePending() {
        endRanges();
        rangePartitions = null; // a group between rounds keeps no arrays
        rangeStarts = null;
        rangeLengths = null;
        rangeCounts = null;
        if (pending != null) {
            log.append(pending).join();
            pending = null;
        }
    }

    /**
     * Writes every event so far and returns a future completed once they are durable: the next fsync of the
     * journal, shared by every caller waiting meanwhile (group commit); futures complete in order.
     */
    java.util.concurrent.CompletableFuture<Void> flushAsync() {
        writePending();
        return log.flushAsync();
    }

    /** Writes and fsyncs every event so far. */
    void flush() {
        writePending();
        log.flush();
    }

    @Override
    public void close() {
        writePending();
        log.close();
    }
}
