package io.junction.broker.internal.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PARTITION ordering: the member each partition of a group is handed to. A partition belongs to one member at a
 * time, or to nobody — no member took it yet, or its owner left or stopped acking (failover) — and then goes to
 * the next member with credits; free partitions spread over the members, those owning the fewest first. In the
 * other orderings nobody owns anything.
 *
 * <p>Threads: the group's owner thread only; {@link ConsumerGroup} creates it and alone calls it.
 */
final class PartitionOwners {

    /** Per partition: its owner, or null. */
    private final Member[] owners;

    PartitionOwners(int partitions) {
        this.owners = new Member[partitions];
    }

    /** The member partition {@code p} is handed to; null when nobody owns it. */
    Member ownerOf(int p) {
        return owners[p];
    }

    /** Whether {@code member} may take a message of partition {@code p}: it owns it, or nobody does. */
    boolean mayTake(Member member, int p) {
        return owners[p] == null || owners[p] == member;
    }

    /** Partition {@code p} is {@code member}'s from now on (it was handed a message of it). */
    void hand(int p, Member member) {
        owners[p] = member;
    }

    /** Partition {@code p} is free for the next member with credits; returns who owned it (or null). */
    Member free(int p) {
        Member was = owners[p];
        owners[p] = null;
        return was;
    }

    /** {@code member} left: every partition it owned is free again. */
    void freeAllOf(Member member) {
        for (int p = 0; p < owners.length; p++) {
            if (owners[p] == member) {
                owners[p] = null; // failover: the next member with credits takes the partition
            }
        }
    }

    /** {@code members}, those owning the fewest partitions first (in their given order among equals). */
    List<Member> byLoad(Collection<Member> members) {
        Map<Member, Integer> owned = new HashMap<>();
        for (Member owner : owners) {
            if (owner != null) {
                owned.merge(owner, 1, Integer::sum);
            }
        }
        List<Member> byLoad = new ArrayList<>(members);
        byLoad.sort(Comparator.comparingInt(m -> owned.getOrDefault(m, 0)));
        return byLoad;
    }
}
