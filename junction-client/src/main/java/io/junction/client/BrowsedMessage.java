package io.junction.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * A message as its partition stores it, read without a consumer group ({@link JunctionClient#browse}). A caller
 * without the {@code read-values} permission gets it without key, value and headers.
 *
 * @param partition its partition
 * @param offset its offset there
 * @param key null for a keyless message (or when hidden)
 * @param value its value; empty for a tombstone (or when hidden)
 * @param headers as produced (a station with a schema adds {@code junction-schema})
 * @param timestamp its own timestamp
 * @param tombstone a tombstone: it deletes its key on a compacted station
 * @param schema the schema its value was validated against when produced; "" when none
 * @param schemaVersion that schema's version; 0 when none
 */
public record BrowsedMessage(int partition, long offset, byte[] key, byte[] value, Map<String, byte[]> headers,
        Instant timestamp, boolean tombstone, String schema, int schemaVersion) {

    /** The key as UTF-8 text, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
