package io.junction.client;

/**
 * A settlement the broker did not apply because the delivery it named was no longer this consumer's: its ack
 * deadline had passed and the message went back to the group (perhaps to another member), or it was settled
 * already. It changed nothing: the message is (or will be) processed through its current delivery.
 *
 * @param kind {@code "ack"}, {@code "nack"}, {@code "dead_letter"} or {@code "in_progress"}
 * @param deliveryId the id of the delivery it named ({@link ReceivedMessage#deliveryId()})
 */
public record StaleSettlement(String station, int partition, long offset, long deliveryId, String kind) {
}
