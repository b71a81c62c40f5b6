package io.junction.broker.internal.group;

import io.junction.broker.MessageRef;

/**
 * A delivery waiting for its settlement: current while the group's {@link InFlightTable} maps its message to it.
 * Settlements must name its member and delivery id. It carries what the group knows of the message's deliveries
 * while it is out, so that a message delivered once and acked needs no other entry anywhere.
 */
final class InFlight {
    final MessageRef ref;
    final int partition;
    final Member member;
    final long deliveryId;
    /** The message's size (key + value + headers), counted against its member's limit. */
    final int bytes;
    /** This delivery's count (1: the first); while in flight, the partition state's map has none. */
    final int count;
    /** When the message was first delivered and this time (epoch ms). */
    final long firstMs;
    final long lastMs;
    /** The last error a consumer gave for an earlier delivery ("": none). */
    final String error;
    long deadlineNanos;

    /**
     * @param firstMs when the message was first delivered (epoch ms), 0 when this is its first delivery
     * @param error the last error a consumer gave for it ("": none)
     */
    InFlight(MessageRef ref, Member member, long deliveryId, int bytes, int count, long firstMs, String error,
            long nowMs, long deadlineNanos) {
        this.ref = ref;
        this.partition = ref.partition();
        this.member = member;
        this.deliveryId = deliveryId;
        this.bytes = bytes;
        this.count = count;
        this.firstMs = firstMs == 0 ? nowMs : firstMs;
        this.lastMs = nowMs;
        this.error = error;
        this.deadlineNanos = deadlineNanos;
    }
}
