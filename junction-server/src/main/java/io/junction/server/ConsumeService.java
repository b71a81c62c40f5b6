package io.junction.server;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AckConfirmed;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.DeliveredBatch;
import io.junction.api.v1.StaleSettlements;
import io.junction.api.v1.Subscribed;
import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.Delivery;
import io.junction.broker.DeliveryRef;
import io.junction.broker.DeliverySink;
import io.junction.broker.GroupMember;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.Settlement;
import io.junction.errors.ErrorCode;
import java.time.Duration;
import java.util.List;

/**
 * {@code junction.v1.Consume}: one stream per group member. The first request must be a Subscribe; then
 * credits and acks flow up and messages down. When the stream ends, for any reason, the member leaves and its
 * unacked messages go to the other members at once. An ack with {@code sync} set is confirmed with
 * {@code ack_confirmed} once it is durable; settlements of deliveries the member does not hold are answered
 * with {@code stale}.
 *
 * <p>A send that fails (the call was cancelled: the client died or went away) ends the session on the spot: the
 * sink tells the group how many deliveries the transport took, so the group removes the member and hands the
 * rest to the others — once, and without failing the command of any other member.
 */
final class ConsumeService extends ConsumeGrpc.ConsumeImplBase {

    /**
     * The bytes (keys, values and headers) above which a batch of deliveries is split over several responses; one
     * larger message goes alone.
     */
    static final int BATCH_BYTES = 1 << 20;
    private static final System.Logger LOG = System.getLogger(ConsumeService.class.getName());

    /** The most messages one settlement request (ack, nack, dead-letter, in-progress) may name. */
    static final int MAX_REFS_PER_REQUEST = 10_000;
    /** The longest nack delay. */
    static final Duration MAX_NACK_DELAY = Duration.ofHours(24);
    /** The most characters of a nack's error or a dead-letter's reason (kept with the dead letter). */
    static final int MAX_TEXT = 4096;

    private final Broker broker;
    private final Fetches fetches;

    ConsumeService(Broker broker, Fetches fetches) {
        this.broker = broker;
        this.fetches = fetches;
    }

    @Override
    public void fetch(io.junction.api.v1.FetchRequest request,
            StreamObserver<io.junction.api.v1.FetchResponse> out) {
        answer(() -> fetches.fetch(Guard.PRINCIPAL.get(), request), out);
    }

    @Override
    public void settle(io.junction.api.v1.SettleRequest request,
            StreamObserver<io.junction.api.v1.SettleResponse> out) {
        answer(() -> fetches.settle(Guard.PRINCIPAL.get(), request), out);
    }

    /** Answers a unary call with what {@code call} completes with, or its failure as a Junction status. */
    private static <T> void answer(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> call,
            StreamObserver<T> out) {
        java.util.concurrent.CompletableFuture<T> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(Convert.status(e));
            return;
        }
        result.whenComplete((value, failure) -> {
            if (failure != null) {
                out.onError(Convert.status(failure instanceof java.util.concurrent.CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }

    static List<DeliveryRef> refs(String request, List<io.junction.api.v1.MessageRef> refs) {
        if (refs.size() > MAX_REFS_PER_REQUEST) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, request + ".messages names " + refs.size()
                    + " messages, more than the limit of " + MAX_REFS_PER_REQUEST + " per request");
        }
        return Convert.refs(refs);
    }

    static Duration nackDelay(long delayMs) {
        if (delayMs < 0 || delayMs > MAX_NACK_DELAY.toMillis()) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "nack.delay_ms must be in [0, "
                    + MAX_NACK_DELAY.toMillis() + "] (24 h), was " + delayMs);
        }
        return Duration.ofMillis(delayMs);
    }

    static String text(String field, String text) {
        if (text.length() > MAX_TEXT) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, field + " must be at most " + MAX_TEXT
                    + " characters, was " + text.length());
        }
        return text;
    }

    @Override
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> out) {
        Session session = new Session((ServerCallStreamObserver<ConsumeResponse>) out,
                ServiceRequestContext.currentOrNull());
        session.out.setOnReadyHandler(session::onReady);
        return session;
    }

    /**
     * One member's stream. The group's owner thread and gRPC threads both send: every send is serialized. The group
     * hands it deliveries only while the transport is {@link #ready()} (the client reads), so a client that stops
     * reading makes the broker buffer at most about one response for it.
     */
    private final class Session implements StreamObserver<ConsumeRequest>, DeliverySink {
        private final ServerCallStreamObserver<ConsumeResponse> out;
        private final ServiceRequestContext context;
        private volatile GroupMember member;
        private volatile boolean batches;
        /** The client decodes stored batches: deliveries go as StoredDeliveries. */
        private volatile boolean storedBatches;
        private boolean finished; // guarded by this
        /** The subscription's tenant (the guard filled it in), for its consume rate. */
        private volatile String tenant;
        /** Until when (nanos) credits are held back to keep the tenant's consume rate. */
        private volatile long creditsHeldUntil;
        /** Credits held back, in order; guarded by this. */
        private final java.util.ArrayDeque<io.junction.api.v1.Credit> heldCredits = new java.util.ArrayDeque<>();
        private boolean drainScheduled; // guarded by this

        Session(ServerCallStreamObserver<ConsumeResponse> out, ServiceRequestContext context) {
            this.out = out;
            this.context = context;
        }

        @Override
        public boolean ready() {
            return out.isReady();
        }

        /** The transport takes more again: the group may dispatch to this member. */
        void onReady() {
            GroupMember m = member;
            if (m != null) {
                m.ready();
            }
        }

        @Override
        public void onNext(ConsumeRequest request) {
            try {
                switch (request.getKindCase()) {
                    case SUBSCRIBE -> subscribe(request.getSubscribe());
                    case CREDIT -> credit(request.getCredit());
                    case ACK -> ack(request.getAck());
                    case NACK -> joined().nack(refs("nack", request.getNack().getMessagesList()),
                            nackDelay(request.getNack().getDelayMs()), text("nack.error", request.getNack().getError()));
                    case DEAD_LETTER -> joined().deadLetter(refs("dead_letter",
                            request.getDeadLetter().getMessagesList()),
                            text("dead_letter.reason", request.getDeadLetter().getReason()));
                    case IN_PROGRESS -> joined().inProgress(refs("in_progress",
                            request.getInProgress().getMessagesList()));
                    default -> throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "empty consume request");
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void credit(io.junction.api.v1.Credit c) {
            if (c.getMessages() < 0) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "credit.messages must not be negative, was "
                        + c.getMessages());
            }
            if (c.getStartedThrough() < 0) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "credit.started_through must not be negative, "
                        + "was " + c.getStartedThrough());
            }
            GroupMember m = joined();
            synchronized (this) {
                if (!heldCredits.isEmpty()
                        || (context != null && paced() && creditsHeldUntil - System.nanoTime() > 0)) {
                    heldCredits.add(c);
                    scheduleDrain();
                    return;
                }
            }
            m.credit(c.getMessages(), c.getStartedThrough());
        }

        /** Passes held credits on, in order, once the tenant's consume rate allows. Under this. */
        private void scheduleDrain() {
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
            // At most a second apart, so that a rate lifted meanwhile frees the held credits soon.
            long wait = Math.min(1_000_000_000L, Math.max(0, creditsHeldUntil - System.nanoTime()));
            context.eventLoop().schedule(this::drainCredits, wait, java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        private void drainCredits() {
            List<io.junction.api.v1.Credit> due = new java.util.ArrayList<>();
            synchronized (this) {
                drainScheduled = false;
                if (finished) {
                    heldCredits.clear();
                    return;
                }
                if (paced() && creditsHeldUntil - System.nanoTime() > 0) {
                    scheduleDrain();
                    return;
                }
                due.addAll(heldCredits);
                heldCredits.clear();
            }
            try {
                for (io.junction.api.v1.Credit c : due) {
                    joined().credit(c.getMessages(), c.getStartedThrough());
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        /** Whether the subscription's tenant has a consume rate now (a lifted one frees held credits at once). */
        private boolean paced() {
            String t = tenant;
            return t != null && broker.limits(t).maxConsumeBytesPerSecond() > 0;
        }

        /** Counts a delivery response against the tenant's consume rate; past it, the next credits wait. */
        private void pace(ConsumeResponse response) {
            String t = tenant;
            if (t == null || broker.limits(t).maxConsumeBytesPerSecond() == 0 || context == null) {
                return;
            }
            long hold = broker.consumed(t, response.getSerializedSize());
            if (hold > 0) {
                creditsHeldUntil = System.nanoTime() + hold;
            }
        }

        private void subscribe(io.junction.api.v1.Subscribe s) {
            if (member != null) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "this stream has already subscribed");
            }
            if (s.getInitialCredits() < 0) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "initial credits must not be negative");
            }
            Ordering ordering = Convert.ordering(s.getOrdering()); // INVALID_CONFIG before anything is sent
            OnDeadLetter onDeadLetter = Convert.onDeadLetter(s.getOnDeadLetter());
            io.junction.broker.History history = Convert.history(s.getHistory());
            batches = s.getBatches();
            storedBatches = s.getBatches() && s.getStoredBatches();
            tenant = s.getTenant();
            // Subscribed goes out from joined(), on the group's owner thread, before any message. Not under the
            // lock: joining waits for the owner thread, which may be delivering to us.
            GroupMember joined = broker.subscribe(s.getTenant(), s.getStation(), s.getGroup(),
                    Convert.start(s.getStart(), s.hasStart()), ordering, onDeadLetter, history, s.getMemberName(),
                    s.getInitialCredits(), this);
            member = joined;
            synchronized (this) {
                if (!finished) {
                    return;
                }
            }
            joined.leave(); // the stream broke while joining
        }

        @Override
        public void joined(String memberId, int partitions, Duration ackTimeout, BrokerConfig.ConsumerLimits limits) {
            send(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder().setMemberId(memberId)
                    .setPartitions(partitions).setAckTimeoutMs(ackTimeout.toMillis())
                    .setMaxPrefetch(limits.maxPrefetch()).setMaxPrefetchBytes(limits.maxPrefetchBytes())).build());
        }

        /**
         * A plain ack is handed to the group and forgotten (stale ones come back through {@link #stale}). A sync
         * ack is confirmed, with its ack id and the stale ones, once the group has made it durable (the group
         * journal's next fsync, shared with every sync ack waiting meanwhile); this thread does not wait for it.
         * Requests of one stream are handed to the group in order and the group confirms in the order it applied
         * them, so confirmations go out in the order of the sync acks.
         */
        private void ack(io.junction.api.v1.Ack ack) {
            GroupMember m = joined();
            if (!ack.getSync()) {
                m.ack(refs("ack", ack.getMessagesList()));
                return;
            }
            long ackId = ack.getAckId();
            m.ackSyncAsync(refs("ack", ack.getMessagesList())).whenComplete((stale, failure) -> {
                if (failure != null) {
                    fail(failure);
                } else {
                    send(ConsumeResponse.newBuilder().setAckConfirmed(AckConfirmed.newBuilder().setAckId(ackId)
                            .addAllStale(Convert.refsOut(stale))).build());
                }
            });
        }

        private GroupMember joined() {
            GroupMember m = member;
            if (m == null) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the first request of a stream must be Subscribe");
            }
            return m;
        }

        @Override
        public void deliver(Delivery delivery) {
            send(ConsumeResponse.newBuilder().setMessage(Convert.delivered(delivery)).build());
        }

        /**
         * One response per about {@value #BATCH_BYTES} bytes of keys, values and headers: one frame, one event-loop
         * task. Returns how many deliveries went into responses the transport took.
         */
        @Override
        public synchronized int deliver(List<Delivery> deliveries) {
            if (!batches) { // an older client: one message per response
                for (int i = 0; i < deliveries.size(); i++) {
                    if (!send(ConsumeResponse.newBuilder().setMessage(Convert.delivered(deliveries.get(i))).build())) {
                        return i;
                    }
                }
                return deliveries.size();
            }
            if (storedBatches) {
                int sent = 0;
                while (sent < deliveries.size()) {
                    int n = StoredResponses.chunk(deliveries, sent, BATCH_BYTES);
                    if (!send(StoredResponses.of(deliveries.subList(sent, sent + n), BATCH_BYTES))) {
                        return sent;
                    }
                    sent += n;
                }
                return sent;
            }
            DeliveredBatch.Builder batch = DeliveredBatch.newBuilder();
            long bytes = 0;
            int sent = 0;
            for (Delivery d : deliveries) {
                long size = d.size();
                if (batch.getMessagesCount() > 0 && bytes + size > BATCH_BYTES) {
                    if (!send(ConsumeResponse.newBuilder().setBatch(batch).build())) {
                        return sent;
                    }
                    sent += batch.getMessagesCount();
                    batch = DeliveredBatch.newBuilder();
                    bytes = 0;
                }
                batch.addMessages(Convert.delivered(d));
                bytes += size;
            }
            if (batch.getMessagesCount() > 0 && send(ConsumeResponse.newBuilder().setBatch(batch).build())) {
                sent += batch.getMessagesCount();
            }
            return sent;
        }

        @Override
        public void stale(Settlement kind, List<DeliveryRef> refs) {
            send(ConsumeResponse.newBuilder().setStale(StaleSettlements.newBuilder().setKind(kind.wireName())
                    .addAllMessages(Convert.refsOut(refs))).build());
        }

        /**
         * The broker removed the member. A member removed for not reading has its stream reset besides, so that the
         * responses its client never read are not kept for it.
         */
        @Override
        public void closed(BrokerException reason) {
            fail(reason);
            if (reason.code() == ErrorCode.SLOW_CONSUMER && context != null) {
                context.cancel(reason);
            }
        }

        /**
         * Sends {@code response} unless the session is finished; false when it was not sent. A transport that
         * refuses it (the call was cancelled or closed) finishes the session, and the member leaves.
         */
        private synchronized boolean send(ConsumeResponse response) {
            if (finished) {
                return false;
            }
            try {
                out.onNext(response);
                if (response.hasMessage() || response.hasBatch() || response.hasStored()) {
                    pace(response);
                }
                return true;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "consume stream of {0} is gone: {1}", memberId(), e.toString());
                finished = true;
                leave();
                return false;
            }
        }

        private String memberId() {
            GroupMember m = member;
            return m == null ? "(not subscribed)" : m.id();
        }

        /** Ends the stream with the error as its status (code and ErrorInfo), and the member leaves. */
        private synchronized void fail(Throwable error) {
            if (finished) {
                return;
            }
            finished = true;
            try {
                out.onError(Convert.status(error));
            } catch (RuntimeException gone) {
                // the call was cancelled already: nothing left to close
            }
            leave();
        }

        private void leave() {
            GroupMember m = member;
            if (m != null) {
                m.leave();
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                finished = true;
            }
            leave();
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (!finished) {
                    finished = true;
                    try {
                        out.onCompleted();
                    } catch (RuntimeException gone) {
                        // cancelled meanwhile
                    }
                }
            }
            leave();
        }
    }
}
