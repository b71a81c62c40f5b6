package io.junction.broker;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A message handed to a group member.
 *
 * @param deliveries how many times this group has handed out this message, this time included (1 = first)
 * @param deliveryId this hand-off's id, named by the member's settlement of it ({@link #ref()})
 * @param storedBatch the whole record batch this message is stored in, exactly as stored (docs/log-format.md),
 *     when the group read the message as part of it; else null. A transport may send it instead of the message's
 *     fields (the deliveries of one batch share this buffer object). Read-only and shared: read it through a
 *     duplicate.
 */
public record Delivery(int partition, long offset, byte[] key, byte[] value, List<Header> headers,
        long timestampMs, int deliveries, long deliveryId, ByteBuffer storedBatch) {

    /** A tombstone (no value): the key was deleted. */
    public boolean tombstone() {
        return value == null;
    }

    /** Its size against the limits and batch bounds: key, value, header keys and values. */
    public long size() {
        long size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /** What the member names to settle this delivery. */
    public DeliveryRef ref() {
        return new DeliveryRef(partition, offset, deliveryId);
    }
}
