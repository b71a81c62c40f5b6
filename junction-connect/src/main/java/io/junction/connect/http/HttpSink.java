package io.junction.connect.http;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.Delivery;
import io.junction.broker.DeliveryRef;
import io.junction.broker.DeliverySink;
import io.junction.broker.GroupInfo;
import io.junction.broker.GroupMember;
import io.junction.broker.Ordering;
import io.junction.broker.Settlement;
import io.junction.broker.StartPosition;
import io.junction.connect.Connector;
import io.junction.connect.ConnectorContext;
import io.junction.connect.ConnectorStatus;
import io.junction.connect.ConnectorStatus.State;

/**
 * A running {@code http-sink}: one member of the configured group, in process, that POSTs every message it is
 * handed to the URL and settles it by the response ({@link Outcome}). The group does the ordering: under the
 * {@code key} ordering it hands out at most one message per key at a time, so requests for different keys run in
 * parallel and those of one key in offset order, redeliveries included.
 *
 * <p><b>Flow control.</b> The member's credits are the free request slots: it joins with {@code max-concurrency}
 * credits and gets one back each time a delivery is settled, so at most that many requests are outstanding and the
 * group holds the rest. Response bodies are read bounded ({@link BoundedBody}).
 *
 * <p><b>Threads.</b> Deliveries arrive on the group's owner thread and are only handed on; requests are built,
 * sent and settled on the sink's own pool ({@value #THREADS} threads named {@code junction-http-sink-NAME-N}, also
 * the HTTP client's executor) and the JDK client's selector thread. Joining (and joining again after the broker
 * removed the member, e.g. the station was deleted and created again) is retried on that pool with backoff.
 * Counters are atomic; {@link #start} and {@link #stop} are serialized by the instance's monitor, which no
 * other thread takes (the group's owner thread must never wait for a stop).
 *
 * <p><b>Delivery.</b> At least once: an ack follows a 2xx, so a receiver that failed after doing the work, or a
 * response lost on the way, sees the message again with the same {@code Idempotency-Key}.
 */
final class HttpSink implements Connector {

    static final int THREADS = 2;
    /** How long {@link #stop} waits for the durable acks and dead letters of settled deliveries. */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(10);
    private static final Duration REJOIN_MIN = Duration.ofSeconds(1);
    private static final Duration REJOIN_MAX = Duration.ofSeconds(30);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(HttpSink.class.getName());

    private final ConnectorContext context;
    private final HttpSinkConfig config;
    private final String memberName;
    private final ScheduledExecutorService pool;
    private final HttpClient client;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder stale = new LongAdder();
    private final Set<CompletableFuture<?>> requests = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<?>> settling = ConcurrentHashMap.newKeySet();

    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile Session session;
    /** Stop was asked: no credits are given back any more. */
    private volatile boolean stopping;
    /** Stop gave up waiting: requests not sent yet are not sent. */
    private volatile boolean abandoned;
    private volatile int maxDeliveries;
    private volatile long lastLogNanos = System.nanoTime() - LOG_EVERY.toNanos() - 1;
    /** Guards the next join's schedule; held briefly (the group's owner thread takes it in {@code closed}). */
    private final Object joinLock = new Object();
    private ScheduledFuture<?> rejoin; // guarded by joinLock
    private Duration rejoinDelay = REJOIN_MIN; // guarded by joinLock
    private boolean started; // guarded by this

    HttpSink(ConnectorContext context, HttpSinkConfig config) {
        this.context = context;
        this.config = config;
        this.memberName = "http-sink " + context.name();
        AtomicInteger n = new AtomicInteger();
        String prefix = "junction-http-sink-" + context.name() + "-";
        ScheduledThreadPoolExecutor threads = new ScheduledThreadPoolExecutor(THREADS, r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.setRemoveOnCancelPolicy(true); // a request's deadline is cancelled when it completes, mostly
        this.pool = threads;
        this.client = HttpClient.newBuilder().executor(pool).connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        state = State.STARTING;
        pool.execute(this::join);
    }

    /** One membership of the group; a new one after the broker removed the member. */
    private final class Session implements DeliverySink {

        /** Completes when {@link io.junction.broker.Broker#subscribe} returns (deliveries may come before). */
        final CompletableFuture<GroupMember> member = new CompletableFuture<>();

        @Override
        public void deliver(Delivery d) {
            inFlight.incrementAndGet();
            try {
                pool.execute(() -> post(this, d));
            } catch (RejectedExecutionException e) {
                done(); // stopped: leaving the group hands it out again
            }
        }

        @Override
        public void stale(Settlement kind, List<DeliveryRef> refs) {
            stale.add(refs.size());
        }

        @Override
        public void closed(BrokerException reason) {
            if (!stopping) {
                fail("the broker removed the member: " + reason.getMessage());
                scheduleJoin();
            }
        }
    }

    private void join() {
        if (stopping) {
            return;
        }
        Session s = new Session();
        try {
            maxDeliveries = context.broker().stationInfo(context.tenant(), config.station()).config().maxDeliveries();
            GroupMember m = context.broker().subscribe(context.tenant(), config.station(), config.group(),
                    StartPosition.earliest(), memberName, config.maxConcurrency(), s);
            session = s;
            s.member.complete(m);
            synchronized (joinLock) {
                rejoinDelay = REJOIN_MIN;
            }
            lastError = null;
            state = State.RUNNING;
            if (stopping) { // stop() ran meanwhile and found no member to leave
                m.leave();
            }
        } catch (RuntimeException e) {
            s.member.completeExceptionally(e);
            fail("cannot join group " + config.group() + " of station " + config.station() + ": " + e.getMessage());
            scheduleJoin();
        }
    }

    private void scheduleJoin() {
        synchronized (joinLock) {
            if (stopping) {
                return;
            }
            Duration delay = rejoinDelay;
            rejoinDelay = delay.multipliedBy(2).compareTo(REJOIN_MAX) > 0 ? REJOIN_MAX : delay.multipliedBy(2);
            try {
                rejoin = pool.schedule(this::join, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // stopped meanwhile
            }
        }
    }

    private void post(Session s, Delivery d) {
        if (abandoned) {
            done();
            return;
        }
        CompletableFuture<HttpResponse<String>> response;
        try {
            response = client.sendAsync(request(d), BoundedBody.HANDLER);
        } catch (RuntimeException e) {
            settle(s, d, Outcome.ofFailure(e, config.timeout(), d.deliveries(), config.backoffInitial(),
                    config.backoffMax()));
            return;
        }
        requests.add(response);
        // The client's timeout ends the wait for the response's head; this one also bounds reading its body.
        ScheduledFuture<?> deadline = pool.schedule(() -> response.cancel(true), config.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
        response.whenComplete((r, failure) -> {
            deadline.cancel(false);
            requests.remove(response);
            settle(s, d, failure != null
                    ? Outcome.ofFailure(failure, config.timeout(), d.deliveries(), config.backoffInitial(),
                            config.backoffMax())
                    : Outcome.ofResponse(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null),
                            d.deliveries(), config.backoffInitial(), config.backoffMax(), Instant.now()));
        });
    }

    HttpRequest request(Delivery d) {
        String msgId = DeliveryBody.msgId(d);
        byte[] body = DeliveryBody.encode(config.station(), d, msgId);
        HttpRequest.Builder b = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                .version(config.url().getScheme().equalsIgnoreCase("https") ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        config.headers().forEach(b::header);
        b.header("Content-Type", "application/json");
        b.header("Idempotency-Key", idempotencyKey(d, msgId));
        b.header("X-Junction-Delivery", Integer.toString(d.deliveries()));
        if (config.hmacKey() != null) {
            b.header("X-Junction-Signature", DeliveryBody.signature(config.hmacKey(), body));
        }
        return b.build();
    }

    /** The same on every delivery of a message: its msg-id, else where it is stored. */
    String idempotencyKey(Delivery d, String msgId) {
        return msgId != null && !msgId.isEmpty() && msgId.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? msgId
                : context.tenant() + "/" + config.station() + "/" + d.partition() + "/" + d.offset();
    }

    private void settle(Session s, Delivery d, Outcome outcome) {
        try {
            GroupMember m = s.member.join();
            List<DeliveryRef> ref = List.of(d.ref());
            switch (outcome.kind()) {
                case ACK -> {
                    delivered.increment();
                    lastError = null;
                    state = State.RUNNING;
                    track(m.ackSyncAsync(ref));
                }
                case DEAD_LETTER -> {
                    deadLettered.increment();
                    lastError = outcome.error();
                    track(m.deadLetterAsync(ref, outcome.error()));
                }
                case RETRY -> {
                    if (maxDeliveries > 0 && d.deliveries() >= maxDeliveries) {
                        deadLettered.increment(); // the group stores it in the DLS with this error
                    } else {
                        retried.increment();
                    }
                    fail(outcome.error());
                    m.nack(ref, outcome.delay(), outcome.error());
                }
            }
            if (!stopping) {
                m.addCredits(1);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "http-sink {0}: cannot settle {1}: {2}", context.name(), d.ref(),
                    e.toString());
        } finally {
            done();
        }
    }

    private void track(CompletableFuture<?> f) {
        settling.add(f);
        f.whenComplete((x, e) -> settling.remove(f));
    }

    /** Shows the failure; logs it when it is the first since a success, at most once per {@link #LOG_EVERY}. */
    private void fail(String error) {
        if (stopping) {
            lastError = error;
            return;
        }
        boolean first = state != State.FAILED;
        state = State.FAILED; // before the error: a reader that sees the error sees the state
        lastError = error;
        long now = System.nanoTime();
        if (first && now - lastLogNanos > LOG_EVERY.toNanos()) {
            lastLogNanos = now;
            LOG.log(System.Logger.Level.WARNING, "http-sink {0} ({1}) is failing, retrying: {2}", context.name(),
                    HttpSinkConfig.redacted(config.url()), error);
        }
    }

    private void done() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (inFlight) {
                inFlight.notifyAll();
            }
        }
    }

    @Override
    public ConnectorStatus status() {
        String position = "";
        long lag = -1;
        List<String> warnings = new ArrayList<>();
        if (session != null) {
            try {
                GroupInfo g = context.broker().groupInfo(context.tenant(), config.station(), config.group());
                lag = g.lag();
                StringBuilder p = new StringBuilder();
                for (GroupInfo.Partition part : g.partitions()) {
                    p.append(p.length() == 0 ? "" : " ").append('p').append(part.partition()).append(':')
                            .append(part.ackFloor());
                }
                position = p.toString();
                Duration ackTimeout = context.broker().stationInfo(context.tenant(), config.station()).config()
                        .ackTimeout();
                if (config.timeout().compareTo(ackTimeout) >= 0) {
                    warnings.add("timeout " + config.timeout() + " is not below the ack timeout of station "
                            + config.station() + " (" + ackTimeout + "): a slow request's message may be handed out "
                            + "again while it runs");
                }
                if (g.ordering() == Ordering.PARTITION && config.maxConcurrency() > 1) {
                    warnings.add("group " + config.group() + " has partition ordering: the messages of a partition "
                            + "are posted up to max-concurrency at once; use max-concurrency 1 for partition order");
                }
            } catch (RuntimeException e) {
                warnings.add("cannot read group " + config.group() + ": " + e.getMessage());
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("delivered", delivered.sum());
        counts.put("dead_lettered", deadLettered.sum());
        counts.put("retried", retried.sum());
        counts.put("in_flight", (long) Math.max(0, inFlight.get()));
        counts.put("stale", stale.sum());
        return new ConnectorStatus(state, lastError, position, lag, "messages", counts, warnings);
    }

    /**
     * Stops: takes the member's credits back (nothing more is handed over), waits for the outstanding requests
     * (at most the timeout, then cancels them: those are nacked) and for their settlements to be durable, then
     * leaves the group. What it still held goes back to the group.
     */
    @Override
    public synchronized void stop() {
        if (stopping) {
            return;
        }
        synchronized (joinLock) {
            stopping = true;
            if (rejoin != null) {
                rejoin.cancel(false);
            }
        }
        Session s = session;
        GroupMember m = s == null ? null : s.member.getNow(null);
        if (m != null) {
            await(m.withdrawCredits(), Duration.ofSeconds(5));
        }
        if (!awaitIdle(config.timeout().plusSeconds(1))) {
            abandoned = true;
            requests.forEach(r -> r.cancel(true));
            awaitIdle(Duration.ofSeconds(5));
        }
        await(CompletableFuture.allOf(settling.toArray(CompletableFuture[]::new)), SETTLE_WAIT);
        if (m != null) {
            await(m.applied(), Duration.ofSeconds(5));
            m.leave();
        }
        client.shutdownNow();
        pool.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(5));
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = State.STOPPED;
    }

    private boolean awaitIdle(Duration max) {
        long end = System.nanoTime() + max.toNanos();
        synchronized (inFlight) {
            while (inFlight.get() > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(inFlight, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private static void await(CompletableFuture<?> f, Duration max) {
        try {
            f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // shutting down or timed out: leaving the group returns what is still held
        }
    }
}
