package io.junction.broker;

import java.time.Duration;
import java.util.List;

/**
 * Where a group sends a member's messages (the server implements it on top of a stream). Called on the group's
 * owner thread: implementations must not block and should not throw. The broker never hands over more messages
 * than the member's credits allow. A group hands over what one dispatch round gives a member at once
 * ({@link #deliver(List)}), so that a transport can send them together.
 */
public interface DeliverySink {

    /**
     * The member joined: {@code memberId} names it in group info, the station has {@code partitions} partitions,
     * its ack timeout is {@code ackTimeout} now, and the member holds at most {@code limits} of unacked deliveries.
     * Called before any delivery to the member.
     */
    default void joined(String memberId, int partitions, Duration ackTimeout, BrokerConfig.ConsumerLimits limits) {
    }

    /**
     * Whether the transport takes more now without buffering: a member whose client does not read gets nothing
     * more until this is true again (the sink then calls {@link GroupMember#ready()}), and is removed when it
     * stays false for the broker's stall timeout. By default always true.
     */
    default boolean ready() {
        return true;
    }

    void deliver(Delivery delivery);

    /**
     * Several messages at once, in order; by default one by one. Returns how many of them, from the first, the
     * transport took: all of them, unless the member's connection is gone. Then the group removes the member at
     * once, and the deliveries the transport did not take go back to the group without counting as delivery
     * attempts. A sink that throws is treated as gone too (its deliveries count: whether they left is unknown).
     */
    default int deliver(List<Delivery> deliveries) {
        deliveries.forEach(this::deliver);
        return deliveries.size();
    }

    /**
     * Settlements of this member that changed nothing because the delivery they name is not current: it timed
     * out (and may have gone to another member), was settled already, went to another member, or never
     * existed. By default ignored.
     */
    default void stale(Settlement kind, List<DeliveryRef> refs) {
    }

    /** The member was removed by the broker: shutting down, station deleted. */
    void closed(BrokerException reason);
}
