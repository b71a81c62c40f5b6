package io.junction.broker.internal.group;

import io.junction.broker.Delivery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deliveries of a group's current dispatch round, per member, and their hand-over at the round's end: each
 * member's in one call to its sink (the transport sends them together), counted once per round and member in the
 * station's traffic. A member whose transport does not take its deliveries (its stream is gone) is removed from
 * the group at once; that touches no other member.
 *
 * <p>Threads: the group's owner thread only; {@link ConsumerGroup} creates it and alone calls it. Sinks are called
 * on that thread and must not block.
 */
final class Outbox {

    private static final System.Logger LOG = System.getLogger(ConsumerGroup.class.getName());

    /** Where the deliveries members' transports took are counted: the station's traffic. */
    @FunctionalInterface
    interface Traffic {
        void consumed(int messages, long bytes);
    }

    private final ConsumerGroup group;
    private final String stationName;
    private final Traffic traffic;
    /** The round so far: per member, in the order they were first handed something. */
    private final Map<Member, List<Delivery>> round = new LinkedHashMap<>();

    Outbox(ConsumerGroup group, String stationName, Traffic traffic) {
        this.group = group;
        this.stationName = stationName;
        this.traffic = traffic;
    }

    /** {@code delivery} goes to {@code member} at the end of this round. */
    void add(Member member, Delivery delivery) {
        round.computeIfAbsent(member, m -> new ArrayList<>()).add(delivery);
    }

    /**
     * Hands each member what this round gave it, in one call. The round is taken out of the outbox first, so
     * nothing of it is ever handed over twice. Returns true when another round should follow at once: a member was
     * removed (its messages go to the others) or was handed a response's worth (it may take more).
     */
    boolean flush() {
        if (round.isEmpty()) {
            return false;
        }
        List<Map.Entry<Member, List<Delivery>>> handing = new ArrayList<>(round.entrySet());
        round.clear();
        boolean removed = false;
        boolean more = false;
        for (Map.Entry<Member, List<Delivery>> e : handing) {
            Member member = e.getKey();
            List<Delivery> batch = e.getValue();
            long roundBytes = member.roundBytes;
            more |= roundBytes >= ConsumerGroup.ROUND_BYTES_PER_MEMBER; // it may take more after this response
            member.roundBytes = 0;
            int taken;
            try {
                taken = member.sink.deliver(batch);
            } catch (RuntimeException failure) {
                LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: handing {2} deliveries to member {3} "
                        + "failed; removing the member: {4}", group.name, stationName, batch.size(), member.id(),
                        failure.toString());
                group.removeMember(member, List.of());
                removed = true;
                continue;
            }
            countConsumed(batch, taken, roundBytes);
            if (taken < batch.size()) {
                group.removeMember(member, batch.subList(Math.max(0, taken), batch.size()));
                removed = true;
            }
        }
        return removed || more;
    }

    /** Counts the deliveries a member's transport took in the station's traffic: once per round and member. */
    private void countConsumed(List<Delivery> batch, int taken, long roundBytes) {
        if (taken <= 0) {
            return;
        }
        long bytes = roundBytes;
        if (taken < batch.size()) {
            bytes = 0;
            for (int i = 0; i < taken; i++) {
                bytes += batch.get(i).size();
            }
        }
        traffic.consumed(taken, bytes);
    }
}
