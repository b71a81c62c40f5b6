package io.junction.broker;

import io.junction.log.Header;
import java.util.List;

/**
 * A message handed to a group member.
 *
 * @param deliveries how many times this group has handed out this message, this time included (1 = first)
 */
public record Delivery(int partition, long offset, byte[] key, byte[] value, List<Header> headers,
        long timestampMs, int deliveries) {

    /** A tombstone (no value): the key was deleted. */
    public boolean tombstone() {
        return value == null;
    }

    public MessageRef ref() {
        return new MessageRef(partition, offset);
    }
}
