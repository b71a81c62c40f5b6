package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.log.LogConfig;
import io.junction.log.MemoryPartitionStore;
import io.junction.log.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The group journal's events read back: acks and deliveries gathered into range events, mixed with the other
 * events, replay to the state the group held; the one-offset events of earlier versions are still read.
 */
class GroupJournalTest {

    private static final int PARTITIONS = 3;

    @Test
    void randomEventsReplayToTheStateTheGroupHeld() {
        long seed = Long.getLong("journal.seed", System.nanoTime());
        System.out.println("GroupJournalTest: seed " + seed + " (rerun with -Djournal.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        for (int run = 0; run < 20; run++) {
            MemoryPartitionStore store = new MemoryPartitionStore(LogConfig.defaults());
            GroupJournal journal = GroupJournal.on(store);
            GroupJournal.PartitionState[] held = states();
            journal.snapshot(held);
            long[] next = new long[PARTITIONS]; // where each partition's deliveries go on
            for (int step = 0; step < 400; step++) {
                int p = random.nextInt(PARTITIONS);
                GroupJournal.PartitionState s = held[p];
                int kind = random.nextInt(100);
                if (kind < 40) { // a run of deliveries, mostly new offsets, some again
                    int n = 1 + random.nextInt(20);
                    for (int i = 0; i < n; i++) {
                        long o = random.nextInt(4) == 0 && next[p] > 0 ? random.nextLong(next[p]) : next[p]++;
                        if (!s.isAcked(o)) {
                            int count = s.deliveries.getOrDefault(o, 0) + 1;
                            s.deliveries.put(o, count);
                            journal.delivered(p, o, count);
                        }
                    }
                } else if (kind < 85) { // acks: a run in order, or scattered
                    int n = 1 + random.nextInt(20);
                    long o = next[p] == 0 ? 0 : random.nextLong(next[p]);
                    boolean inOrder = random.nextBoolean();
                    for (int i = 0; i < n && next[p] > 0; i++) {
                        long at = inOrder ? Math.min(o + i, next[p] - 1) : random.nextLong(next[p]);
                        if (!s.isAcked(at)) {
                            s.ack(at);
                            journal.ack(p, at);
                        }
                    }
                } else if (kind < 90 && next[p] > 0) {
                    long o = random.nextLong(next[p]);
                    if (o < s.ackFloor || s.ackedAbove.contains(o)) {
                        long id = random.nextLong(1_000_000);
                        s.resend(o, id);
                        journal.resent(p, o, id);
                    }
                } else if (kind < 93 && next[p] > 0) {
                    long to = s.ackFloor + random.nextInt(5);
                    s.skipTo(to);
                    journal.skipped(p, to);
                    next[p] = Math.max(next[p], to);
                } else if (kind < 95) {
                    journal.snapshot(held);
                } else {
                    journal.writePending(); // the end of a dispatch round
                }
            }
            journal.writePending();
            GroupJournal.PartitionState[] replayed = states();
            GroupJournal.on(store.reopen()).replay(replayed);
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(describe(replayed[p])).as("seed %d, run %d, partition %d", seed, run, p)
                        .isEqualTo(describe(held[p]));
            }
        }
    }

    @Test
    void consecutiveAcksAndDeliveriesOfARoundAreOneRecordEach() {
        MemoryPartitionStore store = new MemoryPartitionStore(LogConfig.defaults());
        GroupJournal journal = GroupJournal.on(store);
        journal.snapshot(states());
        long before = store.nextOffset();
        for (long o = 0; o < 1000; o++) {
            journal.delivered(o % 2 == 0 ? 0 : 1, o / 2, 1); // two partitions interleaved, as a round hands out
        }
        journal.writePending();
        assertThat(store.nextOffset() - before).as("records for 1000 deliveries").isEqualTo(1);
        for (long o = 0; o < 500; o++) {
            journal.ack(0, o);
        }
        journal.writePending();
        assertThat(store.nextOffset() - before).as("records after 500 acks").isEqualTo(2);

        GroupJournal.PartitionState[] replayed = states();
        GroupJournal.on(store.reopen()).replay(replayed);
        assertThat(replayed[0].ackFloor).isEqualTo(500);
        assertThat(replayed[1].ackFloor).isZero();
        assertThat(replayed[1].deliveries).hasSize(500).containsEntry(499L, 1);
    }

    @Test
    void readsTheOneOffsetEventsOfEarlierVersions() {
        MemoryPartitionStore store = new MemoryPartitionStore(LogConfig.defaults());
        GroupJournal.on(store).snapshot(states());
        RecordBatchBuilder old = new RecordBatchBuilder();
        old.add(0, null, ByteBuffer.allocate(17).put(GroupJournal.DELIVERED).putInt(1).putLong(7).putInt(2).array());
        old.add(0, null, ByteBuffer.allocate(17).put(GroupJournal.DELIVERED).putInt(0).putLong(0).putInt(1).array());
        old.add(0, null, ByteBuffer.allocate(13).put(GroupJournal.ACK).putInt(0).putLong(0).array());
        old.add(0, null, ByteBuffer.allocate(13).put(GroupJournal.ACK).putInt(0).putLong(2).array());
        store.append(old).join();

        GroupJournal.PartitionState[] replayed = states();
        GroupJournal.on(store.reopen()).replay(replayed);
        assertThat(replayed[0].ackFloor).isEqualTo(1);
        assertThat(replayed[0].isAcked(2)).isTrue();
        assertThat(replayed[0].deliveries).isEmpty();
        assertThat(replayed[1].deliveries).containsExactly(Map.entry(7L, 2));
    }

    private static GroupJournal.PartitionState[] states() {
        GroupJournal.PartitionState[] states = new GroupJournal.PartitionState[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            states[p] = new GroupJournal.PartitionState();
        }
        return states;
    }

    private static String describe(GroupJournal.PartitionState s) {
        List<Long> acked = new ArrayList<>();
        s.ackedAbove.forEach(acked::add);
        return "floor " + s.ackFloor + ", acked above " + acked + ", deliveries " + new TreeMap<>(s.deliveries)
                + ", resent " + s.resent;
    }
}
