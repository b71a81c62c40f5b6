package io.junction.broker;

/**
 * The broker's stable error codes. The wire enum {@code junction.v1.ErrorCode} has a value of the same name for
 * each (the server maps them by name, and a test checks that they match); codes are never renumbered or reused.
 */
public enum ErrorCode {
    INTERNAL(true),
    INVALID_ARGUMENT(false),
    INVALID_NAME(false),
    UNKNOWN_TENANT(false),
    UNKNOWN_STATION(false),
    STATION_EXISTS(false),
    UNKNOWN_GROUP(false),
    MESSAGE_TOO_LARGE(false),
    INVALID_PARTITION(false),
    INVALID_HEADER(false),
    OFFSET_OUT_OF_RANGE(false),
    SHUTTING_DOWN(true),
    STORAGE_FULL(true),
    STORAGE_ERROR(true),
    INVALID_CONFIG(false),
    UNKNOWN_DEAD_LETTER(false),
    INVALID_SCHEMA(false),
    UNKNOWN_SCHEMA(false),
    SCHEMA_EXISTS(false),
    INCOMPATIBLE_SCHEMA(false),
    SCHEMA_IN_USE(false),
    SCHEMA_VIOLATION(false),
    /** A settlement of a delivery the member does not hold (any more): it changed nothing. */
    STALE_DELIVERY(false),
    /** The member did not read its stream for the broker's stall timeout and was removed; subscribe again. */
    SLOW_CONSUMER(true),
    /** A group that still has connected members cannot be deleted without force. */
    GROUP_IN_USE(false);

    private final boolean retriable;

    ErrorCode(boolean retriable) {
        this.retriable = retriable;
    }

    /** True when the same request may succeed if simply tried again later. */
    public boolean retriable() {
        return retriable;
    }
}
