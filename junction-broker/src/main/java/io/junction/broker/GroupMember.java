package io.junction.broker;

import java.time.Duration;
import java.util.List;

/**
 * One member of a consumer group: what a consumer connection holds. Every method enqueues a command for the
 * group's owner thread and returns (except {@link #ackSync}); safe to call from any thread.
 */
public final class GroupMember {

    private final ConsumerGroup group;
    private final String id;
    private final String name;
    final DeliverySink sink;
    // Owner thread only:
    int credits;
    long inFlight;

    GroupMember(ConsumerGroup group, String id, String name, DeliverySink sink) {
        this.group = group;
        this.id = id;
        this.name = name == null ? "" : name;
        this.sink = sink;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Lets the group send {@code messages} more messages to this member. */
    public void addCredits(int messages) {
        group.credit(this, messages);
    }

    /** Acks: the group will not hand these messages out again (durable within one flush interval). */
    public void ack(List<MessageRef> refs) {
        group.ack(refs, false);
    }

    /** Acks and returns once the acks are durable. */
    public void ackSync(List<MessageRef> refs) {
        group.ack(refs, true);
    }

    /** Hands the messages back: they are delivered again after {@code delay} (zero: at once). */
    public void nack(List<MessageRef> refs, Duration delay) {
        group.nack(refs, delay, null);
    }

    /** As {@link #nack(List, Duration)}, remembering {@code error} (kept with the message if it is dead-lettered). */
    public void nack(List<MessageRef> refs, Duration delay, String error) {
        group.nack(refs, delay, error);
    }

    /** Gives up on these messages: they go to the station's dead-letter station with {@code reason}. */
    public void deadLetter(List<MessageRef> refs, String reason) {
        group.deadLetter(refs, reason);
    }

    /** Still working on these: their ack deadlines start again. */
    public void inProgress(List<MessageRef> refs) {
        group.inProgress(refs);
    }

    /** Leaves the group; its unacked messages are delivered again to the other members at once. */
    public void leave() {
        group.leave(this);
    }
}
