package io.junction.broker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a consumer group: what a consumer connection holds. Every method enqueues a command for the
 * group's owner thread and returns (except {@link #ackSync}); safe to call from any thread.
 *
 * <p>Settlements name deliveries ({@link DeliveryRef}): each acts only on a delivery this member holds now.
 * One that names anything else changes nothing and is reported to the member's sink as stale
 * ({@link DeliverySink#stale}).
 */
public final class GroupMember {

    private final ConsumerGroup group;
    private final String id;
    private final String name;
    final DeliverySink sink;
    // Owner thread only:
    int credits;
    long inFlight;
    /** Bytes (key + value + headers) of the deliveries it holds. */
    long inFlightBytes;
    /** Bytes handed to it in the current dispatch round. */
    long roundBytes;
    /** When its sink was first seen not ready, in a row ({@link System#nanoTime()}); 0 while it is ready. */
    long notReadySince;
    /** Deliveries whose hand-off to the application this member has not reported yet, in delivery order. */
    final ArrayDeque<InFlight> unstarted = new ArrayDeque<>();
    boolean gone;

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
        group.credit(this, messages, 0);
    }

    /**
     * Lets the group send {@code messages} more messages, and reports that every delivery to this member up to
     * {@code startedThrough} (a delivery id; 0: none) has been handed to the application: the ack deadline of
     * each of those still held starts again from now, once.
     */
    public void credit(int messages, long startedThrough) {
        group.credit(this, messages, startedThrough);
    }

    /**
     * Takes back the credits not used yet. The future completes once that is applied: every delivery made before
     * is in the sink, and none follows until {@link #addCredits} again. For a transport that asks for messages
     * one request at a time (fetch) rather than keeping credits open.
     */
    public CompletableFuture<Void> withdrawCredits() {
        return group.barrier(this, true);
    }

    /**
     * Completes once every command of this member submitted before (acks, nacks, dead-letters...) is applied, so
     * that what they reported to the sink (stale settlements) is known.
     */
    public CompletableFuture<Void> applied() {
        return group.barrier(this, false);
    }

    /** Acks: the group will not hand these messages out again (durable within one flush interval). */
    public void ack(List<DeliveryRef> refs) {
        group.ack(this, refs, false);
    }

    /**
     * Acks and returns once the acks are durable. Returns the settlements that were stale (not applied, not
     * durable, not confirmed); empty when every one was applied.
     */
    public List<DeliveryRef> ackSync(List<DeliveryRef> refs) {
        return group.ack(this, refs, true);
    }

    /**
     * As {@link #ackSync}, without blocking: the future completes with the stale settlements once the applied acks
     * are durable (the journal's next fsync, shared by all sync acks waiting meanwhile). Futures of one member
     * complete in the order of the calls.
     */
    public CompletableFuture<List<DeliveryRef>> ackSyncAsync(List<DeliveryRef> refs) {
        return group.ackSync(this, refs);
    }

    /** Hands the messages back: they are delivered again after {@code delay} (zero: at once). */
    public void nack(List<DeliveryRef> refs, Duration delay) {
        group.nack(this, refs, delay, null);
    }

    /** As {@link #nack(List, Duration)}, remembering {@code error} (kept with the message if it is dead-lettered). */
    public void nack(List<DeliveryRef> refs, Duration delay, String error) {
        group.nack(this, refs, delay, error);
    }

    /** Gives up on these messages: they go to the station's dead-letter station with {@code reason}. */
    public void deadLetter(List<DeliveryRef> refs, String reason) {
        group.deadLetter(this, refs, reason);
    }

    /**
     * As {@link #deadLetter}, without fire-and-forget: the future completes with the stale settlements once the
     * dead letters are stored in the station's DLS (so a listing shows them).
     */
    public CompletableFuture<List<DeliveryRef>> deadLetterAsync(List<DeliveryRef> refs, String reason) {
        return group.deadLetterAsync(this, refs, reason);
    }

    /** Still working on these: their ack deadlines start again. */
    public void inProgress(List<DeliveryRef> refs) {
        group.inProgress(this, refs);
    }

    /** Tests: the ack deadline ({@link System#nanoTime()}) of the delivery, or empty when this member does not hold it. */
    java.util.OptionalLong deadlineNanos(DeliveryRef ref) {
        return group.deadlineNanos(this, ref);
    }

    /** The member's transport takes more again (see {@link DeliverySink#ready()}): the group dispatches. */
    public void ready() {
        group.wake();
    }

    /** Leaves the group; its unacked messages are delivered again to the other members at once. */
    public void leave() {
        group.leave(this);
    }
}
