package io.junction.broker.internal.group;

import io.junction.broker.DeliveryRef;
import io.junction.broker.DeliverySink;
import io.junction.broker.GroupMember;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The group's side of a {@link GroupMember}: the state the group's owner thread keeps of one member (credits, what
 * it holds, whether its transport is ready), and the member's calls, each handed to the group as a command. The
 * fields are the owner thread's only; the methods are safe to call from any thread.
 */
final class Member implements GroupMember {

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

    Member(ConsumerGroup group, String id, String name, DeliverySink sink) {
        this.group = group;
        this.id = id;
        this.name = name == null ? "" : name;
        this.sink = sink;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void addCredits(int messages) {
        group.credit(this, messages, 0);
    }

    @Override
    public void credit(int messages, long startedThrough) {
        group.credit(this, messages, startedThrough);
    }

    @Override
    public CompletableFuture<Void> withdrawCredits() {
        return group.barrier(this, true);
    }

    @Override
    public CompletableFuture<Void> applied() {
        return group.barrier(this, false);
    }

    @Override
    public void ack(List<DeliveryRef> refs) {
        group.ack(this, refs, false);
    }

    @Override
    public List<DeliveryRef> ackSync(List<DeliveryRef> refs) {
        return group.ack(this, refs, true);
    }

    @Override
    public CompletableFuture<List<DeliveryRef>> ackSyncAsync(List<DeliveryRef> refs) {
        return group.ackSync(this, refs);
    }

    @Override
    public void nack(List<DeliveryRef> refs, Duration delay) {
        group.nack(this, refs, delay, null);
    }

    @Override
    public void nack(List<DeliveryRef> refs, Duration delay, String error) {
        group.nack(this, refs, delay, error);
    }

    @Override
    public void deadLetter(List<DeliveryRef> refs, String reason) {
        group.deadLetter(this, refs, reason);
    }

    @Override
    public CompletableFuture<List<DeliveryRef>> deadLetterAsync(List<DeliveryRef> refs, String reason) {
        return group.deadLetterAsync(this, refs, reason);
    }

    @Override
    public void inProgress(List<DeliveryRef> refs) {
        group.inProgress(this, refs);
    }

    @Override
    public void ready() {
        group.wake();
    }

    @Override
    public void leave() {
        group.leave(this);
    }
}
