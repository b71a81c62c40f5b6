package io.junction.broker;

import java.util.List;

/**
 * A message in a station's dead-letter station, with why and when it got there.
 *
 * @param id its id in the dead-letter station (unique per station, increasing)
 * @param group the group that could not process it; the only group a resend goes back to
 * @param partition the partition it was produced to
 * @param offset its offset there
 * @param deliveries how many times the group delivered it
 * @param error the last error a consumer gave (the dead-letter reason, or the last nack's error); may be empty
 * @param firstDeliveryMs when the group first delivered it (since the broker last started); 0 if unknown
 * @param lastDeliveryMs when the group last delivered it; 0 if unknown
 * @param timestampMs the message's own timestamp
 * @param headers the message's headers as produced (the broker's {@code junction-dl-*} headers removed)
 */
public record DeadLetter(long id, String group, DeadLetterReason reason, int partition, long offset,
        int deliveries, String error, long firstDeliveryMs, long lastDeliveryMs, long deadLetteredAtMs,
        byte[] key, byte[] value, List<Header> headers, long timestampMs) {
}
