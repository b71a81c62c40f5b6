package io.junction.broker.internal.group;

import io.junction.broker.DeadLetterReason;
import io.junction.broker.MessageRef;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.internal.BrokerContext;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.Record;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A group's dead-letter flow, between the group and its station's dead-letter station (DLS): the messages being
 * stored there (neither ready nor done until the store is durable, their keys still held), the keys a dead letter
 * parks (KEY ordering with {@link OnDeadLetter#PARK}, until it is dropped or resent), and the dead letters resent
 * to the group, in line to be handed out again at their own partition and offset. The DLS is the truth about which
 * messages went there: a stored dead letter is done (acked) for the group, and {@link #reconcile} counts the open
 * ones as done again when the group opens, {@link #resetPartition} when its position is reset.
 *
 * <h2>Threads</h2>
 * The group's owner thread only, as the rest of the group's state: {@link ConsumerGroup} creates it and alone calls
 * it. The outcome of a store comes back from the DLS on another thread and is handed to the owner as a command.
 */
final class DeadLetterFlow {

    private static final System.Logger LOG = System.getLogger(ConsumerGroup.class.getName());
    /** How long a message waits before another try when its dead letter could not be stored. */
    static final long RETRY_MILLIS = 1000;

    private final ConsumerGroup group;
    /** Its station, and through it the DLS. */
    private final GroupStation station;
    private final BrokerContext context;
    private final GroupJournal journal;
    /** The group's own arrays (a reset replaces their elements, never them). */
    private final GroupJournal.PartitionState[] state;
    private final KeyLines[] keyLines;
    private final Ordering ordering;
    private final OnDeadLetter onDeadLetter;
    /** Messages being stored in the dead-letter station: not ready, keys still held. */
    private final Set<MessageRef> storing = new HashSet<>();
    /** PARK: keys held by a dead letter → the key, until it is dropped or resent. */
    private final Map<MessageRef, ByteBuffer> parked = new HashMap<>();
    /** Per partition: the offsets of resent dead letters to hand out again (read from the DLS when handed out). */
    private final List<TreeSet<Long>> resent = new ArrayList<>();
    /** Dead letters stored since the group opened, for its stats. */
    private long stored;

    DeadLetterFlow(ConsumerGroup group, GroupStation station, BrokerContext context, GroupJournal journal,
            GroupJournal.PartitionState[] state, KeyLines[] keyLines, Ordering ordering, OnDeadLetter onDeadLetter) {
        this.group = group;
        this.station = station;
        this.context = context;
        this.journal = journal;
        this.state = state;
        this.keyLines = keyLines;
        this.ordering = ordering;
        this.onDeadLetter = onDeadLetter;
        for (int p = 0; p < state.length; p++) {
            resent.add(new TreeSet<>());
        }
    }

    /**
     * After opening: a dead letter whose ack the journal lost (a crash right after it was stored) counts as done
     * again; PARK keys stay held; resent dead letters not acked yet go back in line (from the DLS copy, else the
     * partition, else they are gone). The caller writes the journal and dispatches.
     */
    void reconcile() {
        for (GroupStation.OpenDeadLetter o : station.openDeadLetters(group.name)) {
            int p = o.partition();
            if (p >= state.length) {
                continue;
            }
            if (!state[p].isAcked(o.offset())) {
                state[p].ack(o.offset());
                journal.ack(p, o.offset());
            }
            if (isParking() && o.key() != null) {
                keyLines[p].hold(o.offset(), ByteBuffer.wrap(o.key()));
                parked.put(new MessageRef(p, o.offset()), ByteBuffer.wrap(o.key()));
            }
        }
        for (int p = 0; p < state.length; p++) {
            for (Map.Entry<Long, Long> e : List.copyOf(state[p].resent.entrySet())) {
                Record message = resentMessage(p, e.getKey(), e.getValue());
                if (message == null) {
                    LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: resent dead letter {2} "
                            + "(partition {3} offset {4}) is gone from the DLS and the partition; dropped",
                            group.name, station.name(), e.getValue(), p, e.getKey());
                    state[p].ack(e.getKey());
                    journal.ack(p, e.getKey());
                } else {
                    resent.get(p).add(e.getKey());
                }
            }
        }
    }

    /** A resent dead letter's message: the DLS copy, else the partition's; null when both are gone. */
    Record resentMessage(int p, long offset, long deadLetterId) {
        Record copy = station.deadLetterMessage(deadLetterId);
        if (copy != null) {
            return copy;
        }
        try {
            for (Record r : group.log(p).read(offset, 1).records()) {
                if (r.offset() == offset) {
                    return r;
                }
            }
        } catch (OffsetOutOfRangeException gone) {
            // removed by retention
        }
        return null;
    }

    /**
     * Dead letters handed back to the group: each comes back at its own offset, ahead of newer messages, with its
     * delivery count starting over. The caller makes the journal durable.
     */
    void resend(List<ConsumerGroup.Resent> letters) {
        for (ConsumerGroup.Resent r : letters) {
            int p = r.partition();
            long offset = r.message().offset();
            if (p >= state.length || !state[p].isAcked(offset)) {
                continue; // in the group's hands already (resent before, and a crash kept the letter open)
            }
            state[p].resend(offset, r.deadLetterId());
            journal.resent(p, offset, r.deadLetterId());
            resent.get(p).add(offset);
            // A PARK key stays held, now by the resent message itself (it is the holder's offset).
            parked.remove(new MessageRef(p, offset));
        }
    }

    /** A dead letter was dropped: true when it parked a key, which the caller releases. */
    boolean unpark(MessageRef ref) {
        return parked.remove(ref) != null;
    }

    /** The next resent dead letter of partition {@code p} to hand out again, taken out of line; null when none. */
    Long pollResent(int p) {
        TreeSet<Long> again = resent.get(p);
        return again.isEmpty() ? null : again.pollFirst();
    }

    /** Resent dead letters {@link #pollResent} gave out that could not be read now: handed out again later. */
    void putBackResent(int p, List<Long> offsets) {
        resent.get(p).addAll(offsets);
    }

    /** Whether {@code ref} is being stored in the DLS (neither ready nor done). */
    boolean isStoring(MessageRef ref) {
        return storing.contains(ref);
    }

    /**
     * Stores the message in the dead-letter station; once that is durable the message is done for the group
     * (and in PARK its key stays held). Until then it is neither ready nor done. If the store fails, the
     * message is delivered again later: nothing is lost. Returns what completes once the dead letter is stored
     * (or failed to be); null when none is stored now.
     */
    CompletableFuture<?> store(int partition, long offset, DeadLetterReason reason, String error) {
        MessageRef ref = new MessageRef(partition, offset);
        if (storing.contains(ref)) {
            return null;
        }
        Record record;
        try {
            record = group.reread(partition, offset);
        } catch (NotAtHand later) { // as a store that failed: delivered again later, once it can be read
            group.redeliverLater(partition, offset, context.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
            return null;
        }
        if (record == null) {
            group.gone(partition, offset);
            return null;
        }
        storing.add(ref);
        ConsumerGroup.Attempts a = group.attempts(ref);
        int delivered = state[partition].deliveries.getOrDefault(record.offset(), 0);
        return station.storeDeadLetter(group.name, reason, partition, record, delivered, error, a.firstMs, a.lastMs)
                .whenComplete((id, failure) -> group.submit(() -> stored(ref, failure)));
    }

    /** The outcome of a store, on the owner thread: done for the group, or delivered again later. */
    private void stored(MessageRef ref, Throwable failure) {
        if (!storing.remove(ref) || group.isClosed()) {
            return;
        }
        int p = ref.partition();
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: could not store the dead letter of "
                    + "partition {2} offset {3}, delivering it again in {4} ms: {5}", group.name, station.name(), p,
                    ref.offset(), RETRY_MILLIS, failure.toString());
            group.redeliverLater(p, ref.offset(), context.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
            group.dispatch();
            return;
        }
        if (!state[p].isAcked(ref.offset())) {
            state[p].ack(ref.offset());
            journal.ack(p, ref.offset());
        }
        stored++;
        group.forgetAttempts(ref);
        ByteBuffer key = keyLines[p].keyHeldBy(ref.offset());
        if (key != null && onDeadLetter == OnDeadLetter.PARK) {
            parked.put(ref, key);
        } else {
            group.releaseKey(ref);
        }
        // Soon durable, without holding the group for the fsync: until then the open dead letter itself says the
        // message is done (reconcile acks it again after a crash).
        journal.flushAsync();
        group.dispatch();
    }

    /**
     * The group's position on partition {@code p} was reset to the new state {@code s} (its key lines new too):
     * resent dead letters and parked keys of the partition are forgotten, its open dead letters count as done again
     * and PARK keys are held again, as {@link #reconcile} does; in KEY ordering messages still being stored keep
     * their keys until then.
     */
    void resetPartition(int p, GroupJournal.PartitionState s, List<GroupStation.OpenDeadLetter> openDeadLetters) {
        resent.get(p).clear();
        parked.keySet().removeIf(ref -> ref.partition() == p);
        boolean park = isParking();
        for (GroupStation.OpenDeadLetter o : openDeadLetters) {
            if (o.partition() != p) {
                continue;
            }
            if (!s.isAcked(o.offset())) {
                s.ack(o.offset());
            }
            if (park && o.key() != null) {
                keyLines[p].hold(o.offset(), ByteBuffer.wrap(o.key()));
                parked.put(new MessageRef(p, o.offset()), ByteBuffer.wrap(o.key()));
            }
        }
        if (ordering == Ordering.KEY) { // messages being stored as dead letters keep their keys until then
            for (MessageRef ref : storing) {
                Record r = ref.partition() == p ? keyOf(p, ref.offset()) : null;
                if (r != null && r.key() != null) {
                    keyLines[p].hold(ref.offset(), ByteBuffer.wrap(r.key()));
                }
            }
        }
    }

    /**
     * The message at {@code offset} of partition {@code p} with its key, for a reset (no members, nothing in flight):
     * read again, waiting for a remote segment if it must; null when it is gone or cannot be read.
     */
    private Record keyOf(int p, long offset) {
        try {
            return group.reread(p, offset);
        } catch (NotAtHand later) {
            try {
                for (Record r : group.log(p).read(offset, 1).records()) {
                    if (r.offset() == offset) {
                        return r;
                    }
                }
            } catch (OffsetOutOfRangeException gone) {
                // removed by retention
            } catch (io.junction.log.LogException e) {
                LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: the dead letter being stored from "
                        + "partition {2} offset {3} cannot be read: its key is not held meanwhile: {4}", group.name,
                        station.name(), p, offset, e.getMessage());
            }
            return null;
        }
    }

    /** The group's open dead letters (stored, neither resent nor dropped). */
    long openCount() {
        return station.deadLetterCount(group.name);
    }

    /** The group's open dead letters, oldest first. */
    List<GroupStation.OpenDeadLetter> open() {
        return station.openDeadLetters(group.name);
    }

    /** Dead letters stored since the group opened. */
    long storedCount() {
        return stored;
    }

    private boolean isParking() {
        return ordering == Ordering.KEY && onDeadLetter == OnDeadLetter.PARK;
    }
}
