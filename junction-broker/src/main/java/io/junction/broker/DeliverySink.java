package io.junction.broker;

import java.util.List;

/**
 * Where a group sends a member's messages (the server implements it on top of a stream). Called on the group's
 * owner thread: implementations must not block. The broker never hands over more messages than the member's
 * credits allow. A group hands over what one dispatch round gives a member at once ({@link #deliver(List)}), so
 * that a transport can send them together.
 */
public interface DeliverySink {

    void deliver(Delivery delivery);

    /** Several messages at once, in order; by default one by one. */
    default void deliver(List<Delivery> deliveries) {
        deliveries.forEach(this::deliver);
    }

    /** The member was removed by the broker: shutting down, station deleted. */
    void closed(BrokerException reason);
}
