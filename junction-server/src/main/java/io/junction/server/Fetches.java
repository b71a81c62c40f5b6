package io.junction.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.junction.api.v1.FetchRequest;
import io.junction.api.v1.FetchResponse;
import io.junction.api.v1.SettleRequest;
import io.junction.api.v1.SettleResponse;
import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.Delivery;
import io.junction.broker.DeliveryRef;
import io.junction.broker.DeliverySink;
import io.junction.broker.GroupMember;
import io.junction.broker.Settlement;
import io.junction.errors.ErrorCode;
import io.junction.security.Principal;

/**
 * Consuming one request at a time ({@code Consume.Fetch} and {@code Consume.Settle}, the REST gateway's fetch):
 * one group member per caller and group — a {@link Lease} — that holds no credits between fetches. A fetch gives
 * it {@code max} credits, waits until the group hands something over (or the wait ends), then takes the credits
 * back; the group's owner applies that after every delivery it made, so everything handed over is in the answer
 * and nothing is handed over after it. The deliveries stay the caller's (its member holds them) until it settles
 * them or their ack timeout returns them to the group, exactly as for a stream member.
 *
 * <p>Bounded: at most {@link #MAX_LEASES} members, {@link #MAX_QUEUED} requests waiting per member, responses of
 * at most {@link #MAX_MESSAGES} messages and about {@link #MAX_RESPONSE_BYTES} bytes; a member unused for two ack
 * timeouts (at least a minute) leaves its group. Thread-safe.
 */
final class Fetches implements AutoCloseable {

    static final int MAX_MESSAGES = 1000;
    static final int DEFAULT_MESSAGES = 100;
    static final long MAX_WAIT_MS = 30_000;
    /** A response stops at about this many bytes of keys, values and headers (one larger message goes alone). */
    static final long MAX_RESPONSE_BYTES = 3L << 20;
    static final int MAX_LEASES = 10_000;
    /** Fetches (and, apart, settlements) of one caller on one group waiting their turn, at most. */
    static final int MAX_QUEUED = 16;
    static final Duration MIN_IDLE = Duration.ofMinutes(1);

    private static final System.Logger LOG = System.getLogger(Fetches.class.getName());

    private final Broker broker;
    private final ScheduledExecutorService timer;
    private final ConcurrentHashMap<Key, Lease> leases = new ConcurrentHashMap<>();

    /** Who fetches from which group: one member each. */
    record Key(String tenant, String station, String group, String caller) {
    }

    private final Duration minIdle;

    Fetches(Broker broker) {
        this(broker, MIN_IDLE, Duration.ofSeconds(5));
    }

    /** Tests: members leave after {@code minIdle} unused (or two ack timeouts), looked for every {@code period}. */
    Fetches(Broker broker, Duration minIdle, Duration period) {
        this.broker = broker;
        this.minIdle = minIdle;
        this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-fetch-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::retireIdle, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The caller's name in its key and member name: the same credentials, the same member. */
    static String caller(Principal p) {
        return p.display() + " via " + p.via();
    }

    CompletableFuture<FetchResponse> fetch(Principal principal, FetchRequest request) {
        int max = request.getMax() == 0 ? DEFAULT_MESSAGES : request.getMax();
        if (max < 1 || max > MAX_MESSAGES) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "max must be 1 to " + MAX_MESSAGES
                    + " messages (0: " + DEFAULT_MESSAGES + "), was " + request.getMax());
        }
        if (request.getWaitMs() < 0 || request.getWaitMs() > MAX_WAIT_MS) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "wait_ms must be 0 to " + MAX_WAIT_MS
                    + ", was " + request.getWaitMs());
        }
        // A station that does not exist is refused before a member is set up for it.
        broker.stationInfo(request.getTenant(), request.getStation());
        Key key = new Key(request.getTenant(), request.getStation(), request.getGroup(), caller(principal));
        while (true) {
            Lease lease = lease(key);
            CompletableFuture<FetchResponse> answer = lease.fetches.run(() -> lease.fetch(request, max));
            if (answer != null) {
                return answer;
            }
            // the lease was retired meanwhile: take a new one
        }
    }

    CompletableFuture<SettleResponse> settle(Principal principal, SettleRequest request) {
        List<DeliveryRef> refs = switch (request.getKindCase()) {
            case ACK -> ConsumeService.refs("ack", request.getAck().getMessagesList());
            case NACK -> ConsumeService.refs("nack", request.getNack().getMessagesList());
            case DEAD_LETTER -> ConsumeService.refs("dead_letter", request.getDeadLetter().getMessagesList());
            case IN_PROGRESS -> ConsumeService.refs("in_progress", request.getInProgress().getMessagesList());
            case KIND_NOT_SET -> throw new BrokerException(ErrorCode.INVALID_ARGUMENT,
                    "a settle request needs one of ack, nack, dead_letter or in_progress");
        };
        Duration delay = request.hasNack() ? ConsumeService.nackDelay(request.getNack().getDelayMs()) : Duration.ZERO;
        String text = request.hasNack() ? ConsumeService.text("nack.error", request.getNack().getError())
                : request.hasDeadLetter() ? ConsumeService.text("dead_letter.reason",
                        request.getDeadLetter().getReason()) : "";
        // The station and group must exist (a specific error, as a stream's settlement would have had at subscribe).
        broker.groupInfo(request.getTenant(), request.getStation(), request.getGroup());
        Key key = new Key(request.getTenant(), request.getStation(), request.getGroup(), caller(principal));
        Lease lease = leases.get(key);
        GroupMember member = lease == null ? null : lease.member;
        if (member == null || refs.isEmpty()) {
            return CompletableFuture.completedFuture(settled(0, refs)); // nothing fetched by this caller: stale
        }
        CompletableFuture<SettleResponse> answer = lease.settles.run(() -> lease.settle(request.getKindCase(),
                refs, delay, text));
        return answer != null ? answer : CompletableFuture.completedFuture(settled(0, refs));
    }

    private static SettleResponse settled(int applied, List<DeliveryRef> stale) {
        return SettleResponse.newBuilder().setSettled(applied).addAllStale(Convert.refsOut(stale)).build();
    }

    private Lease lease(Key key) {
        Lease lease = leases.get(key);
        if (lease != null) {
            return lease;
        }
        if (leases.size() >= MAX_LEASES) {
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "the broker has " + MAX_LEASES + " fetching members "
                    + "(callers × groups) already; settle and let idle ones expire, or consume with a stream");
        }
        return leases.computeIfAbsent(key, Lease::new);
    }

    /** Members unused for two ack timeouts (at least a minute) leave their groups. */
    private void retireIdle() {
        long now = System.nanoTime();
        for (Lease lease : leases.values()) {
            try {
                lease.retireIfIdle(now);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot retire the fetch member of " + lease.key, e);
            }
        }
    }

    /**
     * The fetch members of a group leave now, but those with a fetch waiting (a reset of the group's position needs
     * it without members).
     */
    void retireGroup(String tenant, String station, String group) {
        for (Lease lease : leases.values()) {
            Key k = lease.key;
            if (k.tenant().equals(tenant) && k.station().equals(station) && k.group().equals(group)) {
                synchronized (lease) {
                    if (lease.retired || lease.waiting != null || lease.fetches.busy()) {
                        continue;
                    }
                    lease.retired = true;
                }
                lease.retire(false);
            }
        }
    }

    /** How many callers × groups have a fetch member now (tests). */
    int leases() {
        return leases.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        leases.values().forEach(l -> l.retire(true));
        leases.clear();
    }

    /**
     * Requests of one kind run one after another: the next starts when the one before has answered. Null when the
     * lease was retired (the caller takes a new one).
     */
    private final class Queue {
        private final Lease lease;
        private CompletableFuture<?> tail = CompletableFuture.completedFuture(null); // guarded by lease
        private int waiting; // guarded by lease

        Queue(Lease lease) {
            this.lease = lease;
        }

        <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> step) {
            CompletableFuture<T> answer = new CompletableFuture<>();
            synchronized (lease) {
                if (lease.retired) {
                    return null;
                }
                if (waiting >= MAX_QUEUED) {
                    throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, waiting + " requests of " + lease.key.caller()
                            + " on group '" + lease.key.group() + "' wait already; send the next when one answers");
                }
                waiting++;
                lease.lastUsedNanos = System.nanoTime();
                tail = tail.handle((v, e) -> null).thenCompose(v -> {
                    CompletableFuture<T> step1;
                    try {
                        step1 = step.get();
                    } catch (RuntimeException e) {
                        step1 = CompletableFuture.failedFuture(e);
                    }
                    return step1.whenComplete((r, e) -> {
                        synchronized (lease) {
                            waiting--;
                            lease.lastUsedNanos = System.nanoTime();
                        }
                        if (e != null) {
                            answer.completeExceptionally(e instanceof java.util.concurrent.CompletionException
                                    && e.getCause() != null ? e.getCause() : e);
                        } else {
                            answer.complete(r);
                        }
                    });
                });
            }
            return answer;
        }

        boolean busy() {
            return waiting > 0;
        }
    }

    /** One caller's member of one group, and what the group handed it that no fetch has taken yet. */
    private final class Lease implements DeliverySink {
        final Key key;
        final Queue fetches = new Queue(this);
        final Queue settles = new Queue(this);
        volatile GroupMember member;
        volatile Duration ackTimeout = Duration.ofSeconds(30);
        // Guarded by this:
        final ArrayDeque<Delivery> handed = new ArrayDeque<>();
        Waiting waiting;
        final List<DeliveryRef> stale = new ArrayList<>();
        long lastUsedNanos = System.nanoTime();
        boolean retired;
        BrokerException closed;

        Lease(Key key) {
            this.key = key;
        }

        /** One fetch, its turn come. */
        CompletableFuture<FetchResponse> fetch(FetchRequest request, int max) {
            GroupMember m = member;
            if (m == null) {
                try {
                    m = broker.subscribe(key.tenant(), key.station(), key.group(), Convert.start(request.getStart(),
                            request.hasStart()), null, null, Convert.history(request.getHistory()),
                            "fetch: " + key.caller(), 0, this);
                } catch (RuntimeException e) {
                    retire(true); // nothing joined: nothing kept
                    throw e;
                }
                member = m;
            }
            Waiting w = new Waiting(max);
            synchronized (this) {
                if (closed != null) {
                    throw closed;
                }
                if (!handed.isEmpty()) { // handed over after the last fetch had answered: this one's
                    return CompletableFuture.completedFuture(take(max));
                }
                waiting = w;
            }
            m.addCredits(max);
            long waitMs = request.getWaitMs();
            if (waitMs == 0) {
                finish(w); // after the credit's dispatch round: whatever was ready
            } else {
                timer.schedule(() -> finish(w), waitMs, TimeUnit.MILLISECONDS);
            }
            return w.answer;
        }

        /** Ends a fetch: takes the credits back and answers with what the group handed over until then. */
        void finish(Waiting w) {
            synchronized (this) {
                if (w.finishing) {
                    return;
                }
                w.finishing = true;
            }
            GroupMember m = member;
            m.withdrawCredits().whenComplete((v, failure) -> {
                FetchResponse response;
                synchronized (this) {
                    if (waiting == w) {
                        waiting = null;
                    }
                    response = failure == null ? take(w.max) : null;
                }
                if (failure != null) {
                    w.answer.completeExceptionally(failure);
                } else {
                    pace(response, w);
                }
            });
        }

        /** Keeps to the tenant's consume rate: the answer waits as long as the pace says (at most the max wait). */
        private void pace(FetchResponse response, Waiting w) {
            long bytes = 0;
            for (io.junction.api.v1.DeliveredMessage d : response.getMessagesList()) {
                bytes += d.getKey().size() + d.getValue().size();
            }
            long holdNanos = bytes == 0 ? 0 : broker.consumed(key.tenant(), bytes);
            if (holdNanos <= 0) {
                w.answer.complete(response);
            } else {
                timer.schedule(() -> w.answer.complete(response), Math.min(holdNanos,
                        TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MS)), TimeUnit.NANOSECONDS);
            }
        }

        /** Up to {@code max} of what was handed over, at most about {@link #MAX_RESPONSE_BYTES}. Holds this. */
        private FetchResponse take(int max) {
            FetchResponse.Builder b = FetchResponse.newBuilder().setAckTimeoutMs(ackTimeout.toMillis());
            long bytes = 0;
            while (!handed.isEmpty() && b.getMessagesCount() < max) {
                Delivery d = handed.peekFirst();
                if (b.getMessagesCount() > 0 && bytes + d.size() > MAX_RESPONSE_BYTES) {
                    break; // the rest waits for this caller's next fetch (their ack timeout runs)
                }
                handed.pollFirst();
                bytes += d.size();
                b.addMessages(Convert.delivered(d));
            }
            return b.build();
        }

        /** One settlement, its turn come: answered once applied (an ack: once durable). */
        CompletableFuture<SettleResponse> settle(SettleRequest.KindCase kind, List<DeliveryRef> refs, Duration delay,
                String text) {
            GroupMember m = member;
            if (kind == SettleRequest.KindCase.ACK) {
                return m.ackSyncAsync(refs).thenApply(stale -> settled(refs.size() - stale.size(), stale));
            }
            if (kind == SettleRequest.KindCase.DEAD_LETTER) { // answered once the dead letters are stored
                return m.deadLetterAsync(refs, text).thenApply(stale -> settled(refs.size() - stale.size(), stale));
            }
            synchronized (this) {
                stale.clear();
            }
            switch (kind) {
                case NACK -> m.nack(refs, delay, text.isEmpty() ? null : text);
                default -> m.inProgress(refs);
            }
            return m.applied().thenApply(v -> {
                synchronized (this) {
                    List<DeliveryRef> s = List.copyOf(stale);
                    stale.clear();
                    return settled(refs.size() - s.size(), s);
                }
            });
        }

        void retireIfIdle(long now) {
            long idle = Math.max(minIdle.toNanos(), 2 * ackTimeout.toNanos());
            synchronized (this) {
                if (retired || fetches.busy() || settles.busy() || now - lastUsedNanos < idle) {
                    return;
                }
            }
            retire(false);
        }

        void retire(boolean shutdown) {
            GroupMember m;
            synchronized (this) {
                retired = true;
                m = member;
                handed.clear();
            }
            leases.remove(key, this);
            if (m != null && !shutdown) {
                m.leave(); // what it still holds (past its ack timeout by now) goes back to the group
            }
        }

        @Override
        public void joined(String memberId, int partitions, Duration ackTimeout, BrokerConfig.ConsumerLimits limits) {
            this.ackTimeout = ackTimeout;
        }

        @Override
        public void deliver(Delivery delivery) {
            deliver(List.of(delivery));
        }

        @Override
        public int deliver(List<Delivery> deliveries) {
            Waiting w;
            synchronized (this) {
                handed.addAll(deliveries);
                w = waiting;
            }
            if (w != null && !deliveries.isEmpty()) {
                finish(w); // answer now; the credits come back after this round
            }
            return deliveries.size();
        }

        @Override
        public synchronized void stale(Settlement kind, List<DeliveryRef> refs) {
            stale.addAll(refs);
        }

        @Override
        public void closed(BrokerException reason) {
            Waiting w;
            synchronized (this) {
                closed = reason;
                retired = true;
                w = waiting;
                waiting = null;
                handed.clear();
            }
            leases.remove(key, this);
            if (w != null) {
                w.answer.completeExceptionally(reason);
            }
        }
    }

    /** A fetch waiting for the group. */
    private static final class Waiting {
        final int max;
        final CompletableFuture<FetchResponse> answer = new CompletableFuture<>();
        boolean finishing; // guarded by the lease

        Waiting(int max) {
            this.max = max;
        }
    }
}
