package io.junction.client;

/**
 * Why a call failed. Mirrors the broker's {@code junction.v1.ErrorCode} by name, plus two codes the client itself
 * produces: {@link #UNAVAILABLE} (the broker cannot be reached) and {@link #UNKNOWN} (a failure without a Junction
 * code, or a code this client version does not know).
 */
public enum ErrorCode {
    /** A bug or an unexpected failure in the broker. */
    INTERNAL(true),
    /** A malformed request. */
    INVALID_ARGUMENT(false),
    /** A station or group name that breaks the naming rule. */
    INVALID_NAME(false),
    UNKNOWN_TENANT(false),
    UNKNOWN_STATION(false),
    STATION_EXISTS(false),
    UNKNOWN_GROUP(false),
    MESSAGE_TOO_LARGE(false),
    INVALID_PARTITION(false),
    INVALID_HEADER(false),
    OFFSET_OUT_OF_RANGE(false),
    /** The broker is stopping. */
    SHUTTING_DOWN(true),
    /** The broker's disk is full. */
    STORAGE_FULL(true),
    /** An I/O error in the broker. */
    STORAGE_ERROR(true),
    /** A setting out of range (retention, ack timeout, ...). */
    INVALID_CONFIG(false),
    /** No open dead letter with that id (of that group). */
    UNKNOWN_DEAD_LETTER(false),
    /** A schema definition that does not parse; the message gives the parser's reason. */
    INVALID_SCHEMA(false),
    UNKNOWN_SCHEMA(false),
    SCHEMA_EXISTS(false),
    /** A new schema version that breaks the schema's compatibility; the message says what breaks. */
    INCOMPATIBLE_SCHEMA(false),
    /** A schema still attached to a station. */
    SCHEMA_IN_USE(false),
    /** A value that does not match the station's schema; nothing of the request was stored. */
    SCHEMA_VIOLATION(false),
    /**
     * A settlement of a delivery this consumer no longer holds — its ack deadline passed and the broker handed the
     * message out again, or the stream that delivered it broke: the settlement changed nothing.
     */
    STALE_DELIVERY(false),
    /** The consumer did not read its stream for the broker's stall timeout and was removed; it subscribes again. */
    SLOW_CONSUMER(true),
    /** A group that still has connected members cannot be deleted without force. */
    GROUP_IN_USE(false),
    /** Client side: the broker cannot be reached, or did not answer in time. */
    UNAVAILABLE(true),
    /** Client side: a failure that carries no Junction code this client knows. */
    UNKNOWN(false);

    private final boolean retriable;

    ErrorCode(boolean retriable) {
        this.retriable = retriable;
    }

    /** Whether the same call may succeed when tried again unchanged. */
    public boolean retriable() {
        return retriable;
    }
}
