package io.junction.broker;

import java.util.List;

/**
 * A message to produce.
 *
 * @param key null for a keyless message (round robin over partitions)
 * @param value the payload (may be empty); null only for a tombstone (see {@link #tombstone})
 * @param headers may be empty
 * @param timestampMs 0 = the broker's clock
 * @param msgId optional idempotency key (used by deduplication, issue #4); null when absent
 * @param partition an explicit partition, or null to choose by key / round robin
 */
public record OutgoingMessage(byte[] key, byte[] value, List<Header> headers, long timestampMs, String msgId,
        Integer partition) {

    public static OutgoingMessage of(byte[] key, byte[] value) {
        return new OutgoingMessage(key, value, List.of(), 0, null, null);
    }

    /**
     * A tombstone for {@code key}: no value; on a compacted station it removes the key once the tombstone is
     * older than the station's tombstone retention. Consumers see it as a message with no value.
     */
    public static OutgoingMessage tombstone(byte[] key) {
        return new OutgoingMessage(key, null, List.of(), 0, null, null);
    }

    public boolean isTombstone() {
        return value == null;
    }
}
