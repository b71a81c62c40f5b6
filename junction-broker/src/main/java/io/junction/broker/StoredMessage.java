package io.junction.broker;

import java.util.List;

/**
 * A message as a partition stores it, read without a group ({@link Broker#browse}).
 *
 * @param partition its partition
 * @param offset its offset there
 * @param timestampMs its own timestamp (the producer's, else the broker's clock when it was stored)
 * @param key null for a keyless message
 * @param value its value (empty for a tombstone)
 * @param headers as produced, with the broker's {@code junction-schema} header on a station with a schema
 * @param tombstone a tombstone (deletes its key on a compacted station)
 * @param schemaName the schema it was validated against when produced (its {@code junction-schema} header);
 *     "" when none
 * @param schemaVersion that schema's version; 0 when none
 */
public record StoredMessage(int partition, long offset, long timestampMs, byte[] key, byte[] value,
        List<Header> headers, boolean tombstone, String schemaName, int schemaVersion) {
}
