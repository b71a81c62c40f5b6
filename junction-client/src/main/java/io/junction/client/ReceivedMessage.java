package io.junction.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.junction.api.v1.DeliveredMessage;
import io.junction.errors.ErrorCode;

/**
 * A message handed to a {@link Consumer}'s handler. Settle it once with {@link #ack()}, {@link #ackSync()}, {@link
 * #nack()}, {@link #nackWithDelay(Duration)} or {@link #deadLetter(String)}; until then {@link #inProgress()} asks
 * the broker for more time. A message left unsettled is redelivered after the station's ack timeout; one whose
 * handler threw is nacked. Settling twice does nothing (except that {@link #ackSync()} after another kind of
 * settling throws). Thread-safe: it may be settled from any thread.
 *
 * <p><b>Deadline.</b> The ack deadline counts from when the consumer hands the message to the handler (it tells
 * the broker so), not from when it arrived: the handler has one whole ack timeout ({@link #remainingAckTime()}),
 * and each {@link #inProgress()} gives it another from then. A settlement that reaches the broker after the
 * deadline is <em>stale</em>: the message has gone back to the group (perhaps to another member, which then
 * holds its key), and the late settlement changes nothing — {@link #ackSync()} throws {@link
 * ErrorCode#STALE_DELIVERY}, and any other kind is reported to the consumer's {@link
 * Consumer.Builder#onStaleSettlement stale-settlement listener}.
 */
public final class ReceivedMessage {

    private final Consumer consumer;
    private final int generation;
    private final String station;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final Map<String, byte[]> headers;
    private final Instant timestamp;
    private final int deliveries;
    private final long deliveryId;
    private final boolean tombstone;
    private final long receivedNanos;
    private volatile long deadlineNanos;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile CompletableFuture<Void> syncAck; // set before settled by ackSyncAsync

    ReceivedMessage(Consumer consumer, int generation, String station, DeliveredMessage m, long receivedNanos,
            long ackTimeoutNanos) {
        this(consumer, generation, station, m.getPartition(), new StoredBatches.Stored(m.getOffset(),
                m.getTimestampMs(), m.hasKey() ? m.getKey().toByteArray() : null,
                m.getTombstone() ? null : m.getValue().toByteArray(), Protos.headers(m.getHeadersList())),
                m.getDeliveries(), m.getDeliveryId(), receivedNanos, ackTimeoutNanos);
    }

    /** A message read out of a stored batch ({@code value} null: a tombstone). */
    ReceivedMessage(Consumer consumer, int generation, String station, int partition, StoredBatches.Stored m,
            int deliveries, long deliveryId, long receivedNanos, long ackTimeoutNanos) {
        this.consumer = consumer;
        this.generation = generation;
        this.station = station;
        this.partition = partition;
        this.offset = m.offset();
        this.key = m.key();
        this.value = m.value() == null ? new byte[0] : m.value();
        this.headers = Collections.unmodifiableMap(m.headers());
        this.timestamp = Instant.ofEpochMilli(m.timestampMs());
        this.deliveries = deliveries;
        this.deliveryId = deliveryId;
        this.tombstone = m.value() == null;
        this.receivedNanos = receivedNanos;
        this.deadlineNanos = receivedNanos + ackTimeoutNanos;
    }

    public String station() {
        return station;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** The key, or null for a keyless message. */
    public byte[] key() {
        return key;
    }

    /** The key as UTF-8 text, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** The value; empty for a tombstone. */
    public byte[] value() {
        return value;
    }

    /**
     * The value read as JSON into {@code type} by Jackson (an optional dependency: add {@code jackson-databind}).
     *
     * @throws IllegalArgumentException when the value is not JSON of that type
     */
    public <T> T json(Class<T> type) {
        return TypedValues.fromJson(value, type);
    }

    /**
     * The value parsed as a Protobuf message by {@code parser} (a generated class's {@code parser()}).
     *
     * @throws IllegalArgumentException when the value is not that message's binary encoding
     */
    public <T> T protobuf(com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the value is not a Protobuf message of that type: " + e.getMessage(),
                    e);
        }
    }

    /** True for a tombstone: its key was deleted (on a compacted station it goes after the tombstone retention). */
    public boolean isTombstone() {
        return tombstone;
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public Map<String, byte[]> headers() {
        return headers;
    }

    public Instant timestamp() {
        return timestamp;
    }

    /** How often this message has been delivered to the group, this time included (1 on the first delivery). */
    public int deliveries() {
        return deliveries;
    }

    /** The broker's id of this delivery: what a settlement names, and what a stale one reports. */
    public long deliveryId() {
        return deliveryId;
    }

    /**
     * The time left before the ack deadline, as this consumer sees it (zero once it has passed): one ack timeout
     * from when the message was handed to the handler, or from the last {@link #inProgress()}. The broker's
     * deadline is a little later (it starts when the broker hears of the hand-off), so a settlement sent within
     * this time is applied.
     */
    public Duration remainingAckTime() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    long receivedNanos() {
        return receivedNanos;
    }

    /** The consumer handed it to the handler, or extended it with in-progress: the deadline starts again. */
    void restartDeadline(long nowNanos, long ackTimeoutNanos) {
        deadlineNanos = nowNanos + ackTimeoutNanos;
    }

    /**
     * Done with: the group never receives it again. Acks are sent in batches within a few milliseconds, and the
     * broker makes them durable within its flush interval (a second): a broker crash (kill -9, power loss) may lose
     * a recent ack, and the message then comes back as a redelivery, never as a loss. Use {@link #ackSync()} when
     * that matters.
     */
    public void ack() {
        if (settled.compareAndSet(false, true)) {
            consumer.ack(this);
        }
    }

    /**
     * Done with, durably: sends the ack at once and returns only when the broker has confirmed that it is on disk.
     * From then on the group never delivers this message again, even after kill -9 of the broker. What remains the
     * application's job is the gap before the confirmation: if the stream breaks or the consumer closes first, this
     * throws, the ack's fate is unknown and the message may be delivered again, so its side effects should be
     * idempotent. Calling it again on the same message waits for the same confirmation.
     *
     * @throws JunctionException {@link ErrorCode#UNAVAILABLE} when the stream broke, the consumer closed, or no
     *     confirmation came within the client's call timeout (or the broker's code when it ended the stream with an
     *     error): the message was perhaps acked, perhaps not, and may be redelivered; {@link
     *     ErrorCode#STALE_DELIVERY} when the broker refused the ack because this delivery was no longer current
     *     (its deadline had passed): the ack changed nothing, and the message is being delivered again
     * @throws IllegalStateException when the message was already settled with {@link #ack()} or a nack
     */
    public void ackSync() {
        final CompletableFuture<Void> confirmed = ackSyncAsync();
        final Duration timeout = consumer.confirmTimeout();
        try {
            confirmed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof JunctionException j ? j
                    : new JunctionException(ErrorCode.UNKNOWN, String.valueOf(e.getCause()), false, e.getCause());
        } catch (TimeoutException e) {
            throw new JunctionException(ErrorCode.UNAVAILABLE, "the broker did not confirm the ack of " + this
                    + " within " + timeout.toMillis() + " ms; it may or may not have been applied, and the message "
                    + "may be delivered again", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JunctionException(ErrorCode.UNAVAILABLE, "interrupted while waiting for the broker to confirm "
                    + "the ack of " + this + "; it may or may not have been applied", true, e);
        }
    }

    /**
     * {@link #ackSync()} without blocking: the future completes once the broker confirmed that the ack is durable,
     * and fails with a {@link JunctionException} when the stream ends first (the ack's fate is then unknown and the
     * message may be delivered again). It has no timeout of its own.
     *
     * @throws IllegalStateException when the message was already settled with {@link #ack()} or a nack
     */
    public CompletableFuture<Void> ackSyncAsync() {
        synchronized (settled) {
            if (syncAck != null) {
                return syncAck.copy();
            }
            if (!settled.compareAndSet(false, true)) {
                throw new IllegalStateException(this + " was already settled without a sync ack");
            }
            syncAck = consumer.ackSync(this);
            return syncAck.copy();
        }
    }

    /** Not processed: redeliver it now (to this or another member of the group). */
    public void nack() {
        nackWithDelay(Duration.ZERO);
    }

    /** Not processed: redeliver it after {@code delay}. */
    public void nackWithDelay(Duration delay) {
        nackWithDelay(delay, null);
    }

    /**
     * Not processed because of {@code error}: redeliver it after {@code delay}. The error is kept with the message
     * if this was its last allowed delivery and it goes to the dead-letter station.
     */
    public void nackWithDelay(Duration delay, String error) {
        if (settled.compareAndSet(false, true)) {
            consumer.nack(this, delay, error);
        }
    }

    /**
     * Give up on it: the broker stores it in the station's dead-letter station with {@code reason} (reason
     * {@code consumer}), where it can be listed, resent to this group or dropped; for this group it is done. In a
     * group with {@link OnDeadLetter#PARK} its key's later messages wait until the dead letter is resolved.
     */
    public void deadLetter(String reason) {
        if (settled.compareAndSet(false, true)) {
            consumer.deadLetter(this, reason);
        }
    }

    /** Still working on it: its ack deadline starts again, one ack timeout from now. */
    public void inProgress() {
        if (!settled.get()) {
            consumer.inProgress(this);
        }
    }

    boolean isSettled() {
        return settled.get();
    }

    int generation() {
        return generation;
    }

    @Override
    public String toString() {
        return station + "/" + partition + "@" + offset + " (delivery " + deliveries + ", id " + deliveryId + ")";
    }
}
