package io.junction.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * A message in a station's dead-letter station: one that a group could not process.
 *
 * @param id its id in the station's DLS (what {@link JunctionClient#resendDeadLetters} and
 *     {@link JunctionClient#dropDeadLetters} take)
 * @param group the group that failed it; a resend goes back to that group only
 * @param reason {@code max_deliveries}, {@code consumer} or {@code schema_violation}
 * @param deliveries how many times the group delivered it
 * @param partition where it was produced
 * @param offset its offset there
 * @param key null for a keyless message
 * @param headers as produced
 * @param error the consumer's reason or the last nack's error; may be empty
 * @param firstDelivery when the group first delivered it (since the broker last started); null if unknown
 * @param lastDelivery when the group last delivered it; null if unknown
 * @param timestamp the message's own timestamp
 */
public record DeadLetter(long id, String group, String reason, int deliveries, int partition, long offset,
        byte[] key, byte[] value, Map<String, byte[]> headers, Instant deadLetteredAt, String error,
        Instant firstDelivery, Instant lastDelivery, Instant timestamp) {

    /** The key as UTF-8 text, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
