package io.junction.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A message to produce: an optional key (messages with the same key go to the same partition, in order), a value,
 * headers, and optionally an explicit partition, a msg-id and a timestamp. Immutable; the byte arrays given to the
 * builder are not copied, so do not change them after {@code send}.
 */
public final class Message {

    private final byte[] key;
    private final byte[] value;
    private final Map<String, byte[]> headers;
    private final Integer partition;
    private final String msgId;
    private final Instant timestamp;
    private final boolean tombstone;

    private Message(Builder b) {
        this.key = b.key;
        this.value = b.value;
        this.headers = b.headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.partition = b.partition;
        this.msgId = b.msgId;
        this.timestamp = b.timestamp;
        this.tombstone = b.tombstone;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A tombstone for {@code key}: no value; on a compacted station it deletes the key (once older than the
     * station's tombstone retention). Consumers see it with {@link ReceivedMessage#isTombstone()}.
     */
    public static Message tombstone(String key) {
        return builder().key(Objects.requireNonNull(key, "key")).tombstone().build();
    }

    /** A keyless message with this UTF-8 value. */
    public static Message of(String value) {
        return builder().value(value).build();
    }

    /** The key, or null for a keyless message. */
    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public Map<String, byte[]> headers() {
        return headers;
    }

    public OptionalInt partition() {
        return partition == null ? OptionalInt.empty() : OptionalInt.of(partition);
    }

    /** The idempotency key, or null. */
    public String msgId() {
        return msgId;
    }

    /** The timestamp, or null for the broker's clock. */
    public Instant timestamp() {
        return timestamp;
    }

    /** True for a tombstone (no value): it deletes its key on a compacted station. */
    public boolean isTombstone() {
        return tombstone;
    }

    /** Builds a {@link Message}; not thread-safe. */
    public static final class Builder {
        private byte[] key;
        private byte[] value = new byte[0];
        private final Map<String, byte[]> headers = new LinkedHashMap<>();
        private Integer partition;
        private String msgId;
        private Instant timestamp;
        private boolean tombstone;

        private Builder() {
        }

        /** Makes this message a tombstone: it needs a key and keeps no value. */
        public Builder tombstone() {
            this.tombstone = true;
            this.value = new byte[0];
            return this;
        }

        public Builder key(byte[] key) {
            this.key = key;
            return this;
        }

        public Builder key(String key) {
            return key(key == null ? null : key.getBytes(StandardCharsets.UTF_8));
        }

        public Builder value(byte[] value) {
            this.value = Objects.requireNonNull(value, "value");
            return this;
        }

        public Builder value(String value) {
            return value(value.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * The value as the JSON of {@code value}, written by Jackson (an optional dependency of the client: add
         * {@code jackson-databind} to use this); for stations with a JSON Schema.
         */
        public Builder json(Object value) {
            return value(TypedValues.toJson(Objects.requireNonNull(value, "value")));
        }

        /** The value as {@code value}'s Protobuf binary encoding (a generated message class). */
        public Builder protobuf(com.google.protobuf.MessageLite value) {
            return value(Objects.requireNonNull(value, "value").toByteArray());
        }

        public Builder header(String name, byte[] value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder header(String name, String value) {
            return header(name, value.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends to this partition, whatever the key. */
        public Builder partition(int partition) {
            this.partition = partition;
            return this;
        }

        /** An idempotency key: a message whose msg-id the station stored inside its dedup window is not stored again. */
        public Builder msgId(String msgId) {
            this.msgId = msgId;
            return this;
        }

        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        public Message build() {
            if (tombstone && (key == null || value.length > 0)) {
                throw new IllegalStateException("a tombstone needs a key and no value");
            }
            return new Message(this);
        }
    }
}
