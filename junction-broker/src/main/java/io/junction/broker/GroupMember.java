package io.junction.broker;

import java.time.Duration;
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
public interface GroupMember {

    String id();

    String name();

    /** Lets the group send {@code messages} more messages to this member. */
    void addCredits(int messages);

    /**
     * Lets the group send {@code messages} more messages, and reports that every delivery to this member up to
     * {@code startedThrough} (a delivery id; 0: none) has been handed to the application: the ack deadline of
     * each of those still held starts again from now, once.
     */
    void credit(int messages, long startedThrough);

    /**
     * Takes back the credits not used yet. The future completes once that is applied: every delivery made before
     * is in the sink, and none follows until {@link #addCredits} again. For a transport that asks for messages
     * one request at a time (fetch) rather than keeping credits open.
     */
    CompletableFuture<Void> withdrawCredits();

    /**
     * Completes once every command of this member submitted before (acks, nacks, dead-letters...) is applied, so
     * that what they reported to the sink (stale settlements) is known.
     */
    CompletableFuture<Void> applied();

    /** Acks: the group will not hand these messages out again (durable within one flush interval). */
    void ack(List<DeliveryRef> refs);

    /**
     * Acks and returns once the acks are durable. Returns the settlements that were stale (not applied, not
     * durable, not confirmed); empty when every one was applied.
     */
    List<DeliveryRef> ackSync(List<DeliveryRef> refs);

    /**
     * As {@link #ackSync}, without blocking: the future completes with the stale settlements once the applied acks
     * are durable (the journal's next fsync, shared by all sync acks waiting meanwhile). Futures of one member
     * complete in the order of the calls.
     */
    CompletableFuture<List<DeliveryRef>> ackSyncAsync(List<DeliveryRef> refs);

    /** Hands the messages back: they are delivered again after {@code delay} (zero: at once). */
    void nack(List<DeliveryRef> refs, Duration delay);

    /** As {@link #nack(List, Duration)}, remembering {@code error} (kept with the message if it is dead-lettered). */
    void nack(List<DeliveryRef> refs, Duration delay, String error);

    /** Gives up on these messages: they go to the station's dead-letter station with {@code reason}. */
    void deadLetter(List<DeliveryRef> refs, String reason);

    /**
     * As {@link #deadLetter}, without fire-and-forget: the future completes with the stale settlements once the
     * dead letters are stored in the station's DLS (so a listing shows them).
     */
    CompletableFuture<List<DeliveryRef>> deadLetterAsync(List<DeliveryRef> refs, String reason);

    /** Still working on these: their ack deadlines start again. */
    void inProgress(List<DeliveryRef> refs);

    /** The member's transport takes more again (see {@link DeliverySink#ready()}): the group dispatches. */
    void ready();

    /** Leaves the group; its unacked messages are delivered again to the other members at once. */
    void leave();
}
