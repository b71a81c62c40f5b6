package io.junction.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.junction.api.v1.DeliveredMessage;

/**
 * A message handed to a {@link Consumer}'s handler. Settle it once with {@link #ack()}, {@link #nack()} or
 * {@link #nackWithDelay(Duration)}; until then {@link #inProgress()} asks the broker for more time. A message left
 * unsettled is redelivered after the station's ack timeout; one whose handler threw is nacked. Settling twice does
 * nothing. Thread-safe: it may be settled from any thread.
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
    private final AtomicBoolean settled = new AtomicBoolean();

    ReceivedMessage(Consumer consumer, int generation, String station, DeliveredMessage m) {
        this.consumer = consumer;
        this.generation = generation;
        this.station = station;
        this.partition = m.getPartition();
        this.offset = m.getOffset();
        this.key = m.hasKey() ? m.getKey().toByteArray() : null;
        this.value = m.getValue().toByteArray();
        this.headers = Collections.unmodifiableMap(Protos.headers(m.getHeadersList()));
        this.timestamp = Instant.ofEpochMilli(m.getTimestampMs());
        this.deliveries = m.getDeliveries();
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

    public byte[] value() {
        return value;
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

    /** Done with: the group never receives it again. Acks are sent in batches within a few milliseconds. */
    public void ack() {
        if (settled.compareAndSet(false, true)) {
            consumer.ack(this);
        }
    }

    /** Not processed: redeliver it now (to this or another member of the group). */
    public void nack() {
        nackWithDelay(Duration.ZERO);
    }

    /** Not processed: redeliver it after {@code delay}. */
    public void nackWithDelay(Duration delay) {
        if (settled.compareAndSet(false, true)) {
            consumer.nack(this, delay);
        }
    }

    /** Still working on it: extend its ack deadline by one ack timeout. */
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
        return station + "/" + partition + "@" + offset + " (delivery " + deliveries + ")";
    }
}
