package io.junction.broker;

import io.junction.log.Header;
import java.util.List;

/**
 * A message handed to a group member.
 *
 * @param deliveries how many times this group has handed out this message, this time included (1 = first)
 * @param deliveryId this hand-off's id, named by the member's settlement of it ({@link #ref()})
 */
public record Delivery(int partition, long offset, byte[] key, byte[] value, List<Header> headers,
        long timestampMs, int deliveries, long deliveryId) {

    /** A tombstone (no value): the key was deleted. */
    public boolean tombstone() {
        return value == null;
    }

    /** What the member names to settle this delivery. */
    public DeliveryRef ref() {
        return new DeliveryRef(partition, offset, deliveryId);
    }
}
