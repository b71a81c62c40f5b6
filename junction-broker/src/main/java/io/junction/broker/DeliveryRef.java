package io.junction.broker;

/**
 * Names one delivery of a message to a group member: the message (partition, offset) and the delivery id the
 * group gave that hand-off. A settlement (ack, nack, dead-letter, in-progress) names a delivery, not a message,
 * so that it acts only while that delivery is current — a late ack of a delivery that timed out and went
 * elsewhere changes nothing.
 *
 * @param deliveryId the id from {@link Delivery#deliveryId()}; unique among a group's deliveries while the
 *     broker runs (0 never names a delivery)
 */
public record DeliveryRef(int partition, long offset, long deliveryId) {

    /** The message this delivery handed out. */
    public MessageRef message() {
        return new MessageRef(partition, offset);
    }
}
