package io.junction.broker;

import io.junction.log.Header;
import java.util.List;

/**
 * A message to produce.
 *
 * @param key null for a keyless message (round robin over partitions)
 * @param value the payload (may be empty, not null)
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
}
