package io.junction.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;

/**
 * Sends messages to one station in batches over one bidirectional {@code Produce} stream.
 *
 * <p>{@link #send} adds a message to the open batch and returns at once with a future that completes with the
 * message's {@link Receipt} when the broker has stored the batch durably. A batch goes out when it holds
 * {@link Builder#batchMessages} messages or {@link Builder#batchBytes} bytes, or {@link Builder#linger} after its
 * first message, whichever comes first; several batches may be in flight at once, each with its own
 * {@code request_id}. While more than {@link Builder#maxInFlightBytes} of sent messages are unacknowledged,
 * {@code send} blocks: that is the backpressure that keeps a fast producer from filling the heap.
 *
 * <p>When the stream breaks (the broker restarts, the network fails), the producer opens a new one with exponential
 * backoff (100 ms doubling to 5 s) and resends every unacknowledged batch. A resent batch is not stored twice: the
 * producer is idempotent ({@link Builder#idempotent}, on by default) — it picks a random producer id and numbers its
 * requests, and the broker stores each (producer id, sequence) once within the station's dedup window (keep {@link
 * Builder#deliveryTimeout} within it; both default to 2 minutes), also across a broker restart. Messages with a
 * msg-id travel in requests of their own and are deduplicated by it. In an idempotent request the keyless messages
 * all go to one partition (the broker picks it from the sequence), so keyless messages spread over the partitions
 * batch by batch. A batch not acknowledged within {@link Builder#deliveryTimeout} fails. A batch the broker rejects
 * (unknown station, message too large, ...) fails its futures with a {@link JunctionException} carrying the broker's
 * code; the other batches go on.
 *
 * <p>Thread-safe: any number of threads may call {@code send}. Futures complete on a gRPC thread; chain slow work
 * with the {@code ...Async} methods. {@link #close()} flushes, then ends the stream.
 */
public final class Producer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Producer.class.getName());
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final JunctionClient client;
    private final String station;
    private final long lingerNanos;
    private final int batchMessages;
    private final int batchBytes;
    private final long maxInFlightBytes;
    private final long deliveryTimeoutNanos;
    /** The id of this idempotent producer (0: not idempotent). */
    private final long producerId;

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    private List<Pending> batch = new ArrayList<>();
    private long batchSize;
    private final NavigableMap<Long, Batch> unacked = new TreeMap<>();
    private long inFlightBytes;
    private long nextRequestId = 1;
    private int nextSequence;
    private StreamObserver<ProduceRequest> stream;
    private int generation;
    private ScheduledFuture<?> lingerTimer;
    private boolean reconnectScheduled;
    private int failedAttempts;
    private boolean closed;

    private Producer(Builder b) {
        this.client = b.client;
        this.station = b.station;
        this.lingerNanos = b.linger.toNanos();
        this.batchMessages = b.batchMessages;
        this.batchBytes = b.batchBytes;
        this.maxInFlightBytes = b.maxInFlightBytes;
        this.deliveryTimeoutNanos = b.deliveryTimeout.toNanos();
        this.producerId = b.idempotent ? 1 + ThreadLocalRandom.current().nextLong(Long.MAX_VALUE - 1) : 0;
    }

    /** This producer's id, picked at random when it was built; 0 when it is not idempotent. */
    public long producerId() {
        return producerId;
    }

    public String station() {
        return station;
    }

    /**
     * Adds {@code message} to the open batch; blocks while more than the in-flight byte limit is unacknowledged.
     *
     * @return a future completing with the receipt once the message is stored, or failing with a
     *         {@link JunctionException}
     * @throws IllegalStateException if the producer is closed
     */
    public CompletableFuture<Receipt> send(Message message) {
        final ProduceMessage proto = Protos.message(Objects.requireNonNull(message, "message"));
        final long size = Protos.size(message);
        final CompletableFuture<Receipt> future = new CompletableFuture<>();
        synchronized (lock) {
            while (!closed && inFlightBytes > 0 && inFlightBytes + size > maxInFlightBytes) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    future.completeExceptionally(new CancellationException("interrupted while waiting to send"));
                    return future;
                }
            }
            if (closed) {
                throw new IllegalStateException("the producer to '" + station + "' is closed");
            }
            inFlightBytes += size;
            batch.add(new Pending(proto, size, future));
            batchSize += size;
            if (batch.size() >= batchMessages || batchSize >= batchBytes || lingerNanos == 0) {
                sendBatchLocked();
            } else if (lingerTimer == null) {
                lingerTimer = client.scheduler().schedule(this::lingerExpired, lingerNanos, TimeUnit.NANOSECONDS);
            }
        }
        return future;
    }

    /** Sends a tombstone for {@code key}: on a compacted station it deletes the key. See {@link #send}. */
    public CompletableFuture<Receipt> sendTombstone(String key) {
        return send(Message.tombstone(key));
    }

    /**
     * Sends the open batch now and waits until every message sent so far is acknowledged or has failed; batches
     * still unacknowledged after the delivery timeout fail with {@link io.junction.errors.ErrorCode#UNAVAILABLE}.
     */
    public void flush() {
        final List<CompletableFuture<Receipt>> waiting = new ArrayList<>();
        synchronized (lock) {
            sendBatchLocked();
            for (Batch batch : unacked.values()) {
                for (Pending p : batch.pending) {
                    waiting.add(p.future);
                }
            }
        }
        // Wait on the futures themselves: they complete outside the lock, after the batch leaves `unacked`.
        try {
            CompletableFuture.allOf(waiting.toArray(new CompletableFuture<?>[0]))
                    .get(deliveryTimeoutNanos, TimeUnit.NANOSECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.ExecutionException e) {
            return; // every future is settled; some failed, and their callers see why
        } catch (java.util.concurrent.TimeoutException e) {
            // fall through: fail what is still unacknowledged
        }
        final List<Runnable> completions;
        synchronized (lock) {
            completions = failLocked(new ArrayList<>(unacked.values()), new JunctionException(
                    io.junction.errors.ErrorCode.UNAVAILABLE, "not acknowledged by the broker at " + client.server()
                            + " within " + Duration.ofNanos(deliveryTimeoutNanos)));
        }
        completions.forEach(Runnable::run);
    }

    /** Flushes, then ends the stream; {@code send} throws afterwards. */
    @Override
    public void close() {
        flush();
        final List<Runnable> completions;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            if (stream != null) {
                stream.onCompleted();
                stream = null;
            }
            completions = failLocked(new ArrayList<>(unacked.values()),
                    new JunctionException(io.junction.errors.ErrorCode.UNAVAILABLE, "the producer was closed"));
        }
        completions.forEach(Runnable::run);
        client.unregister(this);
    }

    private void lingerExpired() {
        synchronized (lock) {
            lingerTimer = null;
            sendBatchLocked();
        }
    }

    private void sendBatchLocked() {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
        if (batch.isEmpty()) {
            return;
        }
        if (producerId == 0) {
            sendLocked(batch, false);
        } else {
            // Messages with a msg-id are deduplicated by it, the others by the producer's sequence: one request each.
            final List<Pending> withMsgId = new ArrayList<>();
            final List<Pending> without = new ArrayList<>();
            for (Pending p : batch) {
                (p.message.getMsgId().isEmpty() ? without : withMsgId).add(p);
            }
            sendLocked(without, true);
            sendLocked(withMsgId, false);
        }
        batch = new ArrayList<>();
        batchSize = 0;
    }

    private void sendLocked(List<Pending> messages, boolean sequenced) {
        if (messages.isEmpty()) {
            return;
        }
        final ProduceRequest.Builder request = ProduceRequest.newBuilder()
                .setTenant(client.tenant()).setStation(station).setRequestId(nextRequestId++);
        if (sequenced) {
            request.setProducerId(producerId).setSequence(nextSequence++);
        }
        long bytes = 0;
        for (Pending p : messages) {
            request.addMessages(p.message);
            bytes += p.size;
        }
        final Batch sent = new Batch(request.build(), messages, bytes, System.nanoTime());
        unacked.put(sent.request.getRequestId(), sent);
        if (stream != null) {
            stream.onNext(sent.request);
        } else if (!reconnectScheduled) {
            openStreamLocked();
        }
    }

    /** Opens a stream and (re)sends every unacknowledged batch on it, oldest first. */
    private void openStreamLocked() {
        final int gen = ++generation;
        stream = ProduceGrpc.newStub(client.channel()).produce(new ResponseObserver(gen));
        for (Batch b : unacked.values()) {
            stream.onNext(b.request);
        }
    }

    private void answered(int gen, ProduceResponse response) {
        final List<Runnable> completions = new ArrayList<>();
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            final Batch b = unacked.remove(response.getRequestId());
            if (b == null) {
                return;
            }
            failedAttempts = 0;
            final boolean failed = response.hasError()
                    && response.getError().getCode() != ErrorCode.ERROR_CODE_UNSPECIFIED;
            if (failed && response.getError().getCode() == ErrorCode.SHUTTING_DOWN) {
                unacked.put(response.getRequestId(), b); // resent on the next stream, when the broker is back
                return;
            }
            long released = b.bytes; // what leaves the in-flight window
            if (failed && response.getRejectedCount() > 0) {
                // The station's schema refused some messages, so the broker stored none of the request: those
                // fail, each with its own reason; the others go again, in a request of their own.
                final Set<Integer> refused = new HashSet<>();
                for (io.junction.api.v1.Rejected r : response.getRejectedList()) {
                    if (r.getIndex() >= 0 && r.getIndex() < b.pending.size() && refused.add(r.getIndex())) {
                        final Pending p = b.pending.get(r.getIndex());
                        final JunctionException e = new JunctionException(
                                Errors.fromWire(response.getError().getCode()), r.getReason());
                        completions.add(() -> p.future.completeExceptionally(e));
                    }
                }
                released = 0;
                final List<Pending> others = new ArrayList<>();
                for (int i = 0; i < b.pending.size(); i++) {
                    if (refused.contains(i)) {
                        released += b.pending.get(i).size;
                    } else {
                        others.add(b.pending.get(i));
                    }
                }
                sendLocked(others, b.request.getProducerId() != 0);
            } else if (failed) {
                final JunctionException e = Protos.exception(response.getError());
                b.pending.forEach(p -> completions.add(() -> p.future.completeExceptionally(e)));
            } else if (response.getReceiptsCount() != b.pending.size()) {
                final JunctionException e = new JunctionException(io.junction.errors.ErrorCode.INTERNAL,
                        "the broker answered " + b.pending.size() + " messages with " + response.getReceiptsCount()
                                + " receipts");
                b.pending.forEach(p -> completions.add(() -> p.future.completeExceptionally(e)));
            } else {
                for (int i = 0; i < b.pending.size(); i++) {
                    final io.junction.api.v1.Receipt r = response.getReceipts(i);
                    final CompletableFuture<Receipt> f = b.pending.get(i).future;
                    completions.add(() -> f.complete(new Receipt(r.getPartition(), r.getOffset(), r.getDuplicate())));
                }
            }
            inFlightBytes -= released;
            lock.notifyAll();
        }
        completions.forEach(Runnable::run);
    }

    private void streamEnded(int gen, Throwable failure) {
        final List<Runnable> completions = new ArrayList<>();
        synchronized (lock) {
            streamEndedLocked(gen, failure, completions);
        }
        completions.forEach(Runnable::run);
    }

    private void streamEndedLocked(int gen, Throwable failure, List<Runnable> completions) {
        if (gen != generation) {
            return;
        }
        stream = null;
        if (unacked.isEmpty()) {
            return; // the next batch opens a new stream
        }
        final JunctionException e = failure != null ? Protos.exception(failure, client.server())
                : new JunctionException(io.junction.errors.ErrorCode.UNAVAILABLE,
                        "the broker ended the produce stream");
        if (!e.retriable()) {
            completions.addAll(failLocked(new ArrayList<>(unacked.values()), e));
            return;
        }
        completions.addAll(expireLocked(e));
        if (!unacked.isEmpty()) {
            final long delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(failedAttempts, 16));
            failedAttempts++;
            reconnectScheduled = true;
            LOG.log(System.Logger.Level.DEBUG, "produce stream to {0} broke ({1}); retrying in {2} ms",
                    station, e, delay);
            client.scheduler().schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void reconnect() {
        synchronized (lock) {
            reconnectScheduled = false;
            if (closed || stream != null || unacked.isEmpty()) {
                return;
            }
            client.reconnectNow();
            openStreamLocked();
        }
    }

    /** Fails the batches older than the delivery timeout with {@code cause}'s code. */
    private List<Runnable> expireLocked(JunctionException cause) {
        final long now = System.nanoTime();
        final List<Batch> expired = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Batch>> it = unacked.entrySet().iterator(); it.hasNext();) {
            final Batch b = it.next().getValue();
            if (now - b.sentNanos >= deliveryTimeoutNanos) {
                expired.add(b);
            }
        }
        return failLocked(expired, new JunctionException(cause.code(), "not acknowledged within "
                + Duration.ofNanos(deliveryTimeoutNanos) + ": " + cause.getMessage(), cause.retriable(), cause));
    }

    /** Removes {@code batches} and returns the completions that fail their futures, to run outside the lock. */
    private List<Runnable> failLocked(List<Batch> batches, JunctionException e) {
        final List<Runnable> completions = new ArrayList<>();
        for (Batch b : batches) {
            unacked.remove(b.request.getRequestId());
            inFlightBytes -= b.bytes;
            b.pending.forEach(p -> completions.add(() -> p.future.completeExceptionally(e)));
        }
        lock.notifyAll();
        return completions;
    }

    private static final class Pending {
        final ProduceMessage message;
        final long size;
        final CompletableFuture<Receipt> future;

        Pending(ProduceMessage message, long size, CompletableFuture<Receipt> future) {
            this.message = message;
            this.size = size;
            this.future = future;
        }
    }

    private static final class Batch {
        final ProduceRequest request;
        final List<Pending> pending;
        final long bytes;
        final long sentNanos;

        Batch(ProduceRequest request, List<Pending> pending, long bytes, long sentNanos) {
            this.request = request;
            this.pending = pending;
            this.bytes = bytes;
            this.sentNanos = sentNanos;
        }
    }

    private final class ResponseObserver implements StreamObserver<ProduceResponse> {
        private final int gen;

        ResponseObserver(int gen) {
            this.gen = gen;
        }

        @Override
        public void onNext(ProduceResponse response) {
            answered(gen, response);
        }

        @Override
        public void onError(Throwable t) {
            streamEnded(gen, t);
        }

        @Override
        public void onCompleted() {
            streamEnded(gen, null);
        }
    }

    /** Builds a {@link Producer}; not thread-safe. */
    public static final class Builder {
        private final JunctionClient client;
        private final String station;
        private Duration linger = Duration.ofMillis(5);
        private int batchMessages = 1000;
        private int batchBytes = 256 * 1024;
        private long maxInFlightBytes = 32L * 1024 * 1024;
        private Duration deliveryTimeout = Duration.ofMinutes(2);
        private boolean idempotent = true;

        Builder(JunctionClient client, String station) {
            this.client = client;
            this.station = Objects.requireNonNull(station, "station");
        }

        /** How long a batch waits for more messages after its first; 0 sends each message at once. Default 5 ms. */
        public Builder linger(Duration linger) {
            if (linger.isNegative()) {
                throw new IllegalArgumentException("linger must be >= 0, not " + linger);
            }
            this.linger = linger;
            return this;
        }

        /** The most messages in one batch; default 1000. */
        public Builder batchMessages(int batchMessages) {
            this.batchMessages = positive("batchMessages", batchMessages);
            return this;
        }

        /** The bytes at which a batch is sent without waiting for the linger; default 256 KiB. */
        public Builder batchBytes(int batchBytes) {
            this.batchBytes = positive("batchBytes", batchBytes);
            return this;
        }

        /** The unacknowledged bytes above which {@code send} blocks; default 32 MiB. */
        public Builder maxInFlightBytes(long maxInFlightBytes) {
            this.maxInFlightBytes = positive("maxInFlightBytes", maxInFlightBytes);
            return this;
        }

        /** How long a sent batch may stay unacknowledged across reconnects before it fails; default 2 min. */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
            return this;
        }

        /**
         * Whether resent batches are stored once (by producer id and request sequence, see {@link Producer});
         * default true. Off: a batch resent after a reconnect may be stored twice unless its messages have msg-ids.
         */
        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        public Producer build() {
            final Producer producer = new Producer(this);
            client.register(producer);
            return producer;
        }

        private static int positive(String name, int value) {
            return (int) positive(name, (long) value);
        }

        private static long positive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, not " + value);
            }
            return value;
        }
    }
}
