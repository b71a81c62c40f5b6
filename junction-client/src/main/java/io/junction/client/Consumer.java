package io.junction.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.junction.api.v1.Ack;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.Credit;
import io.junction.api.v1.DeadLetterMessages;
import io.junction.api.v1.InProgress;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.Nack;
import io.junction.api.v1.Subscribe;
import io.junction.errors.ErrorCode;

/**
 * One member of a consumer group: receives messages of a station over one bidirectional {@code Consume} stream and
 * hands them, in the order received, to its handler on one thread of its own.
 *
 * <p>Flow control: the consumer grants the broker credits for the messages it is ready to queue ahead of the
 * handler — its window — and one more each time the handler has finished with a message, so the broker never has
 * more than the window out to this member. The window is at most {@link Builder#prefetch}, and never more messages
 * than the handler can start within half the ack timeout at the pace measured so far (a moving average of its time
 * per message), so that a slow handler does not let its queue wait past the ack deadline and hold other keys of the
 * group meanwhile, nor more than the broker's limit on unacked messages per member ({@code Subscribed.max_prefetch}).
 * The first subscription grants the whole prefetch (the handler is not measured yet); a slow handler's window
 * shrinks from its first message on. With {@link Builder#maxMessages} it never grants more credits than the messages it still
 * wants, so the group never hands it more than that many. Acks and credits are sent in batches a few milliseconds
 * apart — or at once when half the window is free, so a fast handler is never starved; nacks, in-progress and sync
 * acks ({@link ReceivedMessage#ackSync()}) at once.
 *
 * <p>Deadlines: the consumer tells the broker (with its credits, {@code Credit.started_through}) which messages it
 * has handed to the handler, and the broker starts their ack deadlines again then, so a handler always has a whole
 * ack timeout, however long a message waited in the prefetch queue. A message that waited there so long that its
 * first deadline (counted from when the broker sent it) has passed or is about to, is not handed to the handler:
 * the broker has handed it, or will hand it, to the group again. Settlements the broker refused as stale go to the
 * {@link Builder#onStaleSettlement listener} ({@link ReceivedMessage}).
 *
 * <p>When the stream breaks (the broker restarts), the consumer drops the messages it holds but has not yet handed
 * to the handler and subscribes again with backoff (100 ms doubling to 5 s); the broker redelivers whatever this
 * member had not acked. Sync acks still waiting for their confirmation then fail with {@link ErrorCode#UNAVAILABLE}
 * (or the broker's code, if it ended the stream with one): their fate is unknown. A non-retriable error (unknown
 * station, invalid name, ...) stops the consumer and fails {@link #termination()}.
 *
 * <p>Thread-safe. The handler thread is a daemon thread: the application keeps itself alive until it calls
 * {@link #close()}.
 */
public final class Consumer implements AutoCloseable {

    /** Processes one message; settle it with {@link ReceivedMessage#ack()} and friends. A throw nacks it. */
    @FunctionalInterface
    public interface Handler {
        void handle(ReceivedMessage message) throws Exception;
    }

    /** Hears of settlements the broker refused as stale; called on a transport thread: must not block. */
    @FunctionalInterface
    public interface StaleSettlementListener {
        void onStale(StaleSettlement settlement);
    }

    private static final System.Logger LOG = System.getLogger(Consumer.class.getName());
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final int MAX_ACKS_PER_REQUEST = 256;
    /** The ack timeout assumed until the broker announces the station's (its default). */
    private static final long DEFAULT_ACK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** At most this much of a message's first deadline is left for the hand-off report to reach the broker. */
    private static final long MAX_REPORT_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final JunctionClient client;
    private final String station;
    private final String group;
    private final StartPosition start;
    private final Ordering ordering;
    private final OnDeadLetter onDeadLetter;
    private final History history;
    private final int prefetch;
    private final long maxMessages;
    private final Handler handler;
    private final String memberName;
    private final long ackDelayNanos;
    private final StaleSettlementListener staleListener;
    private final AtomicLong staleCount = new AtomicLong();
    private final LinkedBlockingQueue<ReceivedMessage> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    private final Thread handlerThread;

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    private ClientCallStreamObserver<ConsumeRequest> stream;
    /** Why this client gave up the current stream itself (a corrupt delivery), or null. */
    private JunctionException refused;
    private CompletableFuture<Void> streamDone;
    private int generation;
    private long outstanding;
    private long handed;
    private final List<MessageRef> pendingAcks = new ArrayList<>();
    /** Sync acks sent on the open stream and not yet confirmed, by ack id. */
    private final Map<Long, CompletableFuture<Void>> unconfirmed = new LinkedHashMap<>();
    private long lastAckId;
    private int pendingCredits;
    /** The station's ack timeout, as the broker announced it when this stream subscribed. */
    private long ackTimeoutNanos = DEFAULT_ACK_TIMEOUT_NANOS;
    /** The newest delivery id handed to the handler on this stream, and the newest one reported. */
    private long startedThrough;
    private long reportedThrough;
    private long expiredInQueue;
    /** The handler's time per message, a moving average over about the last 8; 0 until one has been handled. */
    private long handlerNanos;
    /** The most unacked messages the broker lets this member hold (it announces it on subscribing). */
    private int brokerMaxPrefetch = Integer.MAX_VALUE;
    private ScheduledFuture<?> flushTimer;
    private io.junction.api.v1.Error streamError;
    private int failedAttempts;
    private boolean started;
    private boolean closed;

    private Consumer(Builder b) {
        this.client = b.client;
        this.station = b.station;
        this.group = b.group;
        this.start = b.start;
        this.ordering = b.ordering;
        this.onDeadLetter = b.onDeadLetter;
        this.history = b.history;
        this.prefetch = b.prefetch;
        this.maxMessages = b.maxMessages;
        this.handler = b.handler;
        this.memberName = b.memberName;
        this.ackDelayNanos = b.ackDelay.toNanos();
        this.staleListener = b.staleListener;
        this.handlerThread = new Thread(this::handleMessages, "junction-consumer-" + station + "-" + group);
        this.handlerThread.setDaemon(true);
    }

    public String station() {
        return station;
    }

    public String group() {
        return group;
    }

    /** Subscribes and starts handing messages to the handler; returns at once. */
    public Consumer start() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
            subscribeLocked();
        }
        handlerThread.start();
        return this;
    }

    /**
     * Completes when the consumer stops: normally after {@link #close()}, exceptionally with a
     * {@link JunctionException} after a non-retriable error.
     */
    public CompletableFuture<Void> termination() {
        return termination;
    }

    /** Messages handed to the handler so far. */
    public long handled() {
        synchronized (lock) {
            return handed;
        }
    }

    /** Settlements the broker refused as stale so far (see {@link ReceivedMessage}). */
    public long staleSettlements() {
        return staleCount.get();
    }

    /**
     * Messages not handed to the handler because they waited in the prefetch queue until their ack deadline had
     * (nearly) passed: the broker gives them to the group again.
     */
    public long expiredInQueue() {
        synchronized (lock) {
            return expiredInQueue;
        }
    }

    /**
     * Sends the pending acks, ends the stream (waiting up to 2 s for the broker to close it) and stops the handler
     * thread after its current message. May be called from the handler.
     */
    @Override
    public void close() {
        final CompletableFuture<Void> done;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            flushLocked();
            done = streamDone;
            if (stream != null) {
                stream.onCompleted();
            }
        }
        if (done != null) {
            try {
                done.get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // The broker did not end the stream in time; cancelling it below is enough.
            }
        }
        final List<CompletableFuture<Void>> abandoned;
        synchronized (lock) {
            if (stream != null) {
                stream.cancel("consumer closed", null);
                stream = null;
            }
            generation++;
            abandoned = takeUnconfirmedLocked();
        }
        failAll(abandoned, new JunctionException(ErrorCode.UNAVAILABLE,
                "the consumer closed before the broker confirmed the ack; it may or may not have been applied, "
                        + "and the message may be delivered again"));
        queue.clear();
        if (Thread.currentThread() != handlerThread) {
            handlerThread.interrupt();
        }
        termination.complete(null);
        client.unregister(this);
    }

    void ack(ReceivedMessage m) {
        synchronized (lock) {
            if (!current(m)) {
                return;
            }
            pendingAcks.add(ref(m));
            if (pendingAcks.size() >= MAX_ACKS_PER_REQUEST) {
                flushLocked();
            } else {
                scheduleFlushLocked();
            }
        }
    }

    /**
     * Sends a sync ack for {@code m} at once (after the pending plain acks); the future completes when the broker
     * confirms it is durable, or fails with a {@link JunctionException} when the stream ends first.
     */
    CompletableFuture<Void> ackSync(ReceivedMessage m) {
        synchronized (lock) {
            if (!current(m)) {
                return CompletableFuture.failedFuture(new JunctionException(ErrorCode.UNAVAILABLE, closed
                        ? "the consumer is closed; " + m + " was not acked and may be delivered again"
                        : "the consume stream that delivered " + m + " broke; it was not acked and will be "
                                + "delivered again"));
            }
            flushLocked();
            final long id = ++lastAckId;
            final CompletableFuture<Void> confirmed = new CompletableFuture<>();
            unconfirmed.put(id, confirmed);
            stream.onNext(ConsumeRequest.newBuilder()
                    .setAck(Ack.newBuilder().addMessages(ref(m)).setSync(true).setAckId(id)).build());
            return confirmed;
        }
    }

    void nack(ReceivedMessage m, Duration delay, String error) {
        synchronized (lock) {
            if (!current(m)) {
                return;
            }
            flushLocked();
            stream.onNext(ConsumeRequest.newBuilder().setNack(Nack.newBuilder().addMessages(ref(m))
                    .setDelayMs(delay.toMillis()).setError(error == null ? "" : error)).build());
        }
    }

    void deadLetter(ReceivedMessage m, String reason) {
        synchronized (lock) {
            if (!current(m)) {
                return;
            }
            flushLocked();
            stream.onNext(ConsumeRequest.newBuilder().setDeadLetter(DeadLetterMessages.newBuilder()
                    .addMessages(ref(m)).setReason(reason == null ? "" : reason)).build());
        }
    }

    void inProgress(ReceivedMessage m) {
        synchronized (lock) {
            if (!current(m)) {
                return;
            }
            m.restartDeadline(System.nanoTime(), ackTimeoutNanos);
            flushLocked();
            stream.onNext(ConsumeRequest.newBuilder()
                    .setInProgress(InProgress.newBuilder().addMessages(ref(m))).build());
        }
    }

    /**
     * Whether {@code m} came on the open stream. Settling a message of a broken stream is dropped: the broker
     * redelivers it anyway, and a new stream must not carry references to another member's deliveries.
     */
    private boolean current(ReceivedMessage m) {
        return stream != null && !closed && m.generation() == generation;
    }

    private List<CompletableFuture<Void>> takeUnconfirmedLocked() {
        final List<CompletableFuture<Void>> taken = new ArrayList<>(unconfirmed.values());
        unconfirmed.clear();
        return taken;
    }

    private static void failAll(List<CompletableFuture<Void>> futures, JunctionException e) {
        for (CompletableFuture<Void> f : futures) {
            f.completeExceptionally(e);
        }
    }

    /** How long {@link ReceivedMessage#ackSync()} waits for the broker's confirmation. */
    Duration confirmTimeout() {
        return client.callTimeout();
    }

    private static MessageRef ref(ReceivedMessage m) {
        return MessageRef.newBuilder().setPartition(m.partition()).setOffset(m.offset())
                .setDeliveryId(m.deliveryId()).build();
    }

    /**
     * The messages this member takes ahead of its handler: {@code prefetch} (at most the broker's limit), but once
     * the handler has been measured no more than it can start within half the ack timeout at its pace.
     */
    int windowLocked() {
        final int most = Math.min(prefetch, brokerMaxPrefetch);
        if (handlerNanos == 0) {
            return most;
        }
        return (int) Math.max(1, Math.min(most, ackTimeoutNanos / 2 / handlerNanos));
    }

    private void subscribeLocked() {
        final long wanted = Math.min(windowLocked(), maxMessages - handed);
        if (wanted <= 0) {
            return;
        }
        final int gen = ++generation;
        streamError = null;
        refused = null;
        outstanding = wanted;
        pendingAcks.clear();
        pendingCredits = 0;
        startedThrough = 0;
        reportedThrough = 0;
        unconfirmed.clear(); // failed when the previous stream ended
        final StreamObserver observer = new StreamObserver(gen);
        streamDone = observer.done;
        ConsumeGrpc.newStub(client.consumeChannel()).consume(observer);
        final Subscribe.Builder subscribe = Subscribe.newBuilder().setTenant(client.tenant()).setStation(station)
                .setGroup(group).setStart(Protos.start(start)).setOrdering(Protos.ordering(ordering))
                .setOnDeadLetter(onDeadLetter == null ? "" : onDeadLetter.wireName())
                .setHistory(history == null ? "" : history.wireName()).setBatches(true)
                .setStoredBatches(true)
                .setInitialCredits((int) wanted);
        if (memberName != null) {
            subscribe.setMemberName(memberName);
        }
        stream.onNext(ConsumeRequest.newBuilder().setSubscribe(subscribe).build());
    }

    private void received(int gen, ConsumeResponse response) {
        CompletableFuture<Void> confirmed = null;
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            final long now = System.nanoTime();
            switch (response.getKindCase()) {
                case ACK_CONFIRMED:
                    confirmed = unconfirmed.remove(response.getAckConfirmed().getAckId());
                    break;
                case SUBSCRIBED:
                    failedAttempts = 0;
                    if (response.getSubscribed().getAckTimeoutMs() > 0) {
                        ackTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(response.getSubscribed().getAckTimeoutMs());
                    }
                    if (response.getSubscribed().getMaxPrefetch() > 0) {
                        brokerMaxPrefetch = response.getSubscribed().getMaxPrefetch();
                    }
                    break;
                case MESSAGE:
                    outstanding--;
                    queue.add(new ReceivedMessage(this, gen, station, response.getMessage(), now, ackTimeoutNanos));
                    break;
                case BATCH:
                    for (io.junction.api.v1.DeliveredMessage m : response.getBatch().getMessagesList()) {
                        outstanding--;
                        queue.add(new ReceivedMessage(this, gen, station, m, now, ackTimeoutNanos));
                    }
                    break;
                case STORED:
                    final List<ReceivedMessage> stored;
                    try {
                        stored = stored(gen, response.getStored(), now);
                    } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
                        // Nothing of it reaches the application; the stream ends, and its deliveries go back to
                        // the group (and on to the dead-letter station if this keeps happening).
                        LOG.log(System.Logger.Level.ERROR, "consumer of " + station + "/" + group + ": refused a "
                                + "delivery the broker sent: " + e.getMessage() + "; subscribing again", e);
                        refused = new JunctionException(ErrorCode.UNAVAILABLE, "refused a delivery the broker sent: "
                                + e.getMessage(), true, e);
                        stream.cancel("refused a corrupt delivery: " + e.getMessage(), e);
                        break;
                    }
                    outstanding -= stored.size();
                    queue.addAll(stored);
                    break;
                case ERROR:
                    streamError = response.getError();
                    break;
                default:
                    break;
            }
        }
        // Outside the lock: a dependent stage or a listener may settle more messages.
        if (response.getKindCase() == ConsumeResponse.KindCase.STALE) {
            stale(response.getStale().getKind(), response.getStale().getMessagesList());
        }
        if (confirmed != null) {
            final List<MessageRef> stale = response.getAckConfirmed().getStaleList();
            if (stale.isEmpty()) {
                confirmed.complete(null);
            } else {
                staleCount.addAndGet(stale.size());
                final MessageRef r = stale.get(0);
                confirmed.completeExceptionally(new JunctionException(ErrorCode.STALE_DELIVERY, "the broker refused "
                        + "the ack of " + station + "/" + r.getPartition() + "@" + r.getOffset() + " (delivery id "
                        + r.getDeliveryId() + "): that delivery was no longer this consumer's (its ack deadline had "
                        + "passed); the ack changed nothing and the message is being delivered again"));
            }
        }
    }

    /**
     * The messages of a StoredDeliveries response, in delivery id order (the order a DeliveredBatch lists them in).
     *
     * @throws IllegalArgumentException when a stored batch is corrupt (see {@link StoredBatches#read})
     */
    private List<ReceivedMessage> stored(int gen, io.junction.api.v1.StoredDeliveries response, long now) {
        final List<ReceivedMessage> out = new ArrayList<>();
        for (io.junction.api.v1.DeliveredMessage m : response.getMessagesList()) {
            out.add(new ReceivedMessage(this, gen, station, m, now, ackTimeoutNanos));
        }
        for (io.junction.api.v1.StoredRun run : response.getRunsList()) {
            final int n = run.getOffsetsCount();
            if (run.getDeliveryIdsCount() != n || run.getDeliveriesCount() != n) {
                throw new IllegalArgumentException("stored run of " + n + " offsets with "
                        + run.getDeliveryIdsCount() + " delivery ids and " + run.getDeliveriesCount() + " counts");
            }
            final long[] offsets = new long[n];
            for (int i = 0; i < n; i++) {
                offsets[i] = run.getOffsets(i);
            }
            final List<StoredBatches.Stored> read = StoredBatches.read(run.getBatch().asReadOnlyByteBuffer(),
                    offsets);
            for (int i = 0; i < n; i++) {
                out.add(new ReceivedMessage(this, gen, station, run.getPartition(), read.get(i),
                        run.getDeliveries(i), run.getDeliveryIds(i), now, ackTimeoutNanos));
            }
        }
        if (response.getRunsCount() > 0) {
            out.sort(java.util.Comparator.comparingLong(ReceivedMessage::deliveryId));
        }
        return out;
    }

    private void stale(String kind, List<MessageRef> refs) {
        staleCount.addAndGet(refs.size());
        for (MessageRef r : refs) {
            final StaleSettlement s = new StaleSettlement(station, r.getPartition(), r.getOffset(),
                    r.getDeliveryId(), kind);
            if (staleListener == null) {
                LOG.log(System.Logger.Level.WARNING, "the broker refused a stale {0} of {1}/{2}@{3} (delivery id "
                        + "{4}): its ack deadline had passed and the message went back to the group", kind, station,
                        r.getPartition(), r.getOffset(), r.getDeliveryId());
                continue;
            }
            try {
                staleListener.onStale(s);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the stale-settlement listener failed on " + s, e);
            }
        }
    }

    private void streamEnded(int gen, Throwable failure) {
        final JunctionException fatal;
        final List<CompletableFuture<Void>> abandoned;
        final JunctionException e;
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            stream = null;
            queue.clear();
            abandoned = takeUnconfirmedLocked();
            e = refused != null ? refused : streamError != null ? Protos.exception(streamError)
                    : failure != null ? Protos.exception(failure, client.server())
                    : new JunctionException(ErrorCode.UNAVAILABLE, "the broker ended the consume stream");
        }
        if (!abandoned.isEmpty()) {
            final ErrorCode code = e.code() == ErrorCode.UNKNOWN ? ErrorCode.UNAVAILABLE : e.code();
            failAll(abandoned, new JunctionException(code, "the consume stream ended before the broker confirmed "
                    + "the ack (" + e.getMessage() + "); it may or may not have been applied, and the message may be "
                    + "delivered again", code.retriable(), e));
        }
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            if (e.retriable()) {
                final long delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(failedAttempts, 16));
                failedAttempts++;
                LOG.log(System.Logger.Level.DEBUG, "consume stream of {0}/{1} broke ({2}); resubscribing in {3} ms",
                        station, group, e, delay);
                generation++;
                client.scheduler().schedule(this::resubscribe, delay, TimeUnit.MILLISECONDS);
                return;
            }
            closed = true;
            generation++;
            fatal = e;
        }
        handlerThread.interrupt();
        termination.completeExceptionally(fatal);
        client.unregister(this);
    }

    private void resubscribe() {
        synchronized (lock) {
            if (!closed && stream == null) {
                client.reconnectNow();
                subscribeLocked();
            }
        }
    }

    private void handleMessages() {
        while (true) {
            final ReceivedMessage m;
            try {
                m = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (isClosed()) {
                    return;
                }
                continue;
            }
            if (m == null) {
                if (isClosed()) {
                    return;
                }
                continue;
            }
            synchronized (lock) {
                if (closed || m.generation() != generation) {
                    continue;
                }
                final long now = System.nanoTime();
                final long waited = now - m.receivedNanos();
                if (waited > ackTimeoutNanos - Math.min(MAX_REPORT_MARGIN_NANOS, ackTimeoutNanos / 10)) {
                    // Its first deadline has passed, or will before the broker hears of the hand-off: the group
                    // hands it out again, so the handler must not start on it.
                    expiredInQueue++;
                    topUpLocked();
                    continue;
                }
                handed++;
                m.restartDeadline(now, ackTimeoutNanos);
                startedThrough = Math.max(startedThrough, m.deliveryId());
                if (waited > ackTimeoutNanos / 2) {
                    flushLocked(); // the first deadline is near: report the hand-off now, not after the ack delay
                } else {
                    scheduleFlushLocked();
                }
            }
            final long handedAt = System.nanoTime();
            try {
                handler.handle(m);
            } catch (Exception | AssertionError e) {
                LOG.log(System.Logger.Level.WARNING, "handler failed on " + m + "; nacking it", e);
                m.nackWithDelay(Duration.ZERO, String.valueOf(e)); // the error is kept if it is dead-lettered
            }
            finished(m, System.nanoTime() - handedAt);
        }
    }

    /** Measures the handler, and grants the credits the finished message frees. */
    private void finished(ReceivedMessage m, long tookNanos) {
        synchronized (lock) {
            final long took = Math.max(1, tookNanos);
            handlerNanos = handlerNanos == 0 ? took : handlerNanos + (took - handlerNanos) / 8;
            if (current(m)) {
                topUpLocked();
            }
        }
    }

    /**
     * Grants credits up to the window (which may have grown or shrunk with the handler's pace), never more than the
     * messages still wanted.
     */
    private void topUpLocked() {
        final int window = windowLocked();
        final long waiting = queue.size() + outstanding;
        final long grant = Math.min(window - waiting, maxMessages - handed - waiting);
        if (grant <= 0) {
            return;
        }
        pendingCredits += (int) grant;
        outstanding += grant;
        if (pendingCredits >= Math.max(1, window / 2)) {
            flushLocked(); // half the window is free: refill now, so the broker never runs dry
        } else {
            scheduleFlushLocked();
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void scheduleFlushLocked() {
        if (flushTimer == null) {
            if (ackDelayNanos == 0) {
                flushLocked();
                return;
            }
            flushTimer = client.scheduler().schedule(() -> {
                synchronized (lock) {
                    flushTimer = null;
                    flushLocked();
                }
            }, ackDelayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Sends the pending acks, then the pending credits (acks first, so the broker frees their keys first). */
    private void flushLocked() {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        if (stream == null) {
            pendingAcks.clear();
            pendingCredits = 0;
            return;
        }
        if (!pendingAcks.isEmpty()) {
            stream.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder().addAllMessages(pendingAcks)).build());
            pendingAcks.clear();
        }
        if (pendingCredits > 0 || startedThrough > reportedThrough) {
            stream.onNext(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(pendingCredits)
                    .setStartedThrough(startedThrough)).build());
            pendingCredits = 0;
            reportedThrough = startedThrough;
        }
    }

    private final class StreamObserver implements ClientResponseObserver<ConsumeRequest, ConsumeResponse> {
        private final int gen;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        StreamObserver(int gen) {
            this.gen = gen;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ConsumeRequest> requestStream) {
            // Called by consume(...) on the subscribing thread, which holds the lock.
            stream = requestStream;
        }

        @Override
        public void onNext(ConsumeResponse response) {
            received(gen, response);
        }

        @Override
        public void onError(Throwable t) {
            done.complete(null);
            streamEnded(gen, t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
            streamEnded(gen, null);
        }
    }

    /** Builds a {@link Consumer}; not thread-safe. */
    public static final class Builder {
        private final JunctionClient client;
        private final String station;
        private final String group;
        private StartPosition start = StartPosition.earliest();
        private Ordering ordering;
        private OnDeadLetter onDeadLetter;
        private History history;
        private int prefetch = 100;
        private long maxMessages = Long.MAX_VALUE;
        private Handler handler;
        private String memberName;
        private Duration ackDelay = Duration.ofMillis(5);
        private StaleSettlementListener staleListener;

        Builder(JunctionClient client, String station, String group) {
            this.client = client;
            this.station = Objects.requireNonNull(station, "station");
            this.group = Objects.requireNonNull(group, "group");
        }

        /** Where the group starts if this subscription creates it; default {@link StartPosition#earliest()}. */
        public Builder startPosition(StartPosition start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        /**
         * The group's ordering if this subscription creates it; an existing group keeps the ordering it was
         * created with. Default null: the station's default.
         */
        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        /**
         * The group's dead-letter policy (KEY ordering) if this subscription creates it; an existing group keeps
         * its own. Default null: the station's default.
         */
        public Builder onDeadLetter(OnDeadLetter onDeadLetter) {
            this.onDeadLetter = onDeadLetter;
            return this;
        }

        /**
         * The messages the group reads if this subscription creates it: the compacted view or, on a station with
         * tiering, the full history ({@link History#FULL}). An existing group keeps its own. Default null: compacted.
         */
        public Builder history(History history) {
            this.history = history;
            return this;
        }

        /**
         * The most messages the broker sends ahead of the handler; default 100. Fewer while the handler is slower
         * than the ack timeout allows for so many (see the class comment).
         */
        public Builder prefetch(int prefetch) {
            if (prefetch <= 0) {
                throw new IllegalArgumentException("prefetch must be > 0, not " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** Take at most this many messages from the group in the consumer's life; default unlimited. */
        public Builder maxMessages(long maxMessages) {
            if (maxMessages <= 0) {
                throw new IllegalArgumentException("maxMessages must be > 0, not " + maxMessages);
            }
            this.maxMessages = maxMessages;
            return this;
        }

        public Builder handler(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** A name for this member in group info; optional. */
        public Builder memberName(String memberName) {
            this.memberName = memberName;
            return this;
        }

        /** How long acks and credits wait to be sent together; 0 sends each at once. Default 5 ms. */
        public Builder ackDelay(Duration ackDelay) {
            this.ackDelay = Objects.requireNonNull(ackDelay, "ackDelay");
            return this;
        }

        /**
         * Hears of settlements the broker refused as stale (made after their ack deadline); default: each is
         * logged as a warning. A stale {@link ReceivedMessage#ackSync()} throws besides.
         */
        public Builder onStaleSettlement(StaleSettlementListener listener) {
            this.staleListener = listener;
            return this;
        }

        /** The consumer, not yet started: call {@link Consumer#start()}. */
        public Consumer build() {
            if (handler == null) {
                throw new IllegalStateException("a consumer needs a handler");
            }
            final Consumer consumer = new Consumer(this);
            client.register(consumer);
            return consumer;
        }
    }
}
