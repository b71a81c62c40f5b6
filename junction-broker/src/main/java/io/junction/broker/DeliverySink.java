package io.junction.broker;

/**
 * Where a group sends a member's messages (the server implements it on top of a stream). Called on the group's
 * owner thread: implementations must not block. The broker never calls {@link #deliver} more often than the
 * member's credits allow.
 */
public interface DeliverySink {

    void deliver(Delivery delivery);

    /** The member was removed by the broker: shutting down, station deleted. */
    void closed(BrokerException reason);
}
