package io.junction.broker.internal.group;

import io.junction.broker.MessageRef;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A group's messages waiting to be delivered again (nacked with a delay, past their ack deadline, or their dead
 * letter not stored yet), by due time. Only offsets: a message's contents are read again when it is due. A message
 * is queued at most once. Used by the group's owner thread only.
 */
final class Redeliveries {

    /** A message to deliver again once {@code dueNanos} (the group's monotonic clock) has passed. */
    record Due(int partition, long offset, long dueNanos) {
    }

    private final PriorityQueue<Due> byDueTime = new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
    /** The messages in {@link #byDueTime}, for a constant-time {@link #contains}. */
    private final Set<MessageRef> queued = new HashSet<>();

    /** Queues the message unless it is queued already (then its earlier due time stands). */
    void add(int partition, long offset, long dueNanos) {
        if (queued.add(new MessageRef(partition, offset))) {
            byDueTime.add(new Due(partition, offset, dueNanos));
        }
    }

    boolean contains(MessageRef ref) {
        return queued.contains(ref);
    }

    boolean isEmpty() {
        return byDueTime.isEmpty();
    }

    /** Forgets every message of {@code partition} (the group's position there was reset). */
    void removePartition(int partition) {
        byDueTime.removeIf(d -> d.partition() == partition);
        queued.removeIf(r -> r.partition() == partition);
    }

    /** The message due first, if it is due at {@code nowNanos}, taken off the queue; else null. */
    Due pollDue(long nowNanos) {
        Due first = byDueTime.peek();
        if (first == null || first.dueNanos() > nowNanos) {
            return null;
        }
        return taken(byDueTime.poll());
    }

    /**
     * PARTITION ordering: among the messages due at {@code nowNanos} on partitions {@code allowed} accepts, the one
     * due first (the lowest offset among equals), taken off the queue; else null.
     */
    Due pollDue(long nowNanos, IntPredicate allowed) {
        Due best = null;
        for (Due d : byDueTime) {
            if (d.dueNanos() <= nowNanos && allowed.test(d.partition()) && (best == null
                    || d.dueNanos() < best.dueNanos()
                    || d.dueNanos() == best.dueNanos() && d.offset() < best.offset())) {
                best = d;
            }
        }
        if (best != null) {
            byDueTime.remove(best);
            taken(best);
        }
        return best;
    }

    private Due taken(Due due) {
        queued.remove(new MessageRef(due.partition(), due.offset()));
        return due;
    }
}
