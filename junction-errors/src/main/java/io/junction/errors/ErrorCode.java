package io.junction.errors;

import java.util.Optional;

/**
 * Why a Junction call failed: the one list of error codes, for the broker that raises them, the server that puts
 * them on the wire and the Java client that hands them to applications.
 *
 * <p>Error codes are protocol. Each code has a stable {@link #number()}: on the wire it is the value of the same
 * name and number in {@code junction.v1.ErrorCode} (and its name is {@code ErrorInfo.reason}). A code is never
 * renumbered, renamed or reused; a new one takes the next free number. {@link #retriable()} says whether the same
 * call may succeed when tried again unchanged. The numbers are checked against a table kept with the tests and
 * against the wire enum (junction-api's {@code ErrorsTest}), which also holds the one translation to and from the
 * wire ({@code io.junction.api.v1.Errors}).
 *
 * <p>Two codes never travel: {@link #UNAVAILABLE} and {@link #UNKNOWN} are made by the client itself; their numbers
 * start at {@value #FIRST_CLIENT_SIDE}, outside the wire's range.
 *
 * <p>Immutable; safe for use by any thread.
 */
public enum ErrorCode {
    /** A bug or an unexpected failure in the broker. */
    INTERNAL(1, true),
    /** A malformed request. */
    INVALID_ARGUMENT(2, false),
    /** A station or group name that breaks the naming rule. */
    INVALID_NAME(3, false),
    UNKNOWN_TENANT(4, false),
    UNKNOWN_STATION(5, false),
    STATION_EXISTS(6, false),
    UNKNOWN_GROUP(7, false),
    MESSAGE_TOO_LARGE(8, false),
    INVALID_PARTITION(9, false),
    INVALID_HEADER(10, false),
    OFFSET_OUT_OF_RANGE(11, false),
    /** The broker is stopping. */
    SHUTTING_DOWN(12, true),
    /** The broker's disk is full; retriable once space returns. */
    STORAGE_FULL(13, true),
    /** An I/O error in the broker. */
    STORAGE_ERROR(14, true),
    /** A setting out of range (retention, ack timeout, ...). */
    INVALID_CONFIG(15, false),
    /** No open dead letter with that id (of that group). */
    UNKNOWN_DEAD_LETTER(16, false),
    /** A schema definition that does not parse; the message gives the parser's reason. */
    INVALID_SCHEMA(17, false),
    /** No such schema, or no such version of it. */
    UNKNOWN_SCHEMA(18, false),
    SCHEMA_EXISTS(19, false),
    /** A new schema version that breaks the schema's compatibility; the message says what breaks. */
    INCOMPATIBLE_SCHEMA(20, false),
    /** A schema still attached to a station. */
    SCHEMA_IN_USE(21, false),
    /** A value that does not match the station's schema; nothing of the request was stored. */
    SCHEMA_VIOLATION(22, false),
    /**
     * A settlement of a delivery the member no longer holds — its ack deadline passed and the broker handed the
     * message out again, or the stream that delivered it broke: the settlement changed nothing.
     */
    STALE_DELIVERY(23, false),
    /** The member did not read its stream for the broker's stall timeout and was removed; it subscribes again. */
    SLOW_CONSUMER(24, true),
    /** A group that still has connected members cannot be deleted without force, nor have its position reset. */
    GROUP_IN_USE(25, false),
    /** The call carries no credentials where the broker needs them, or bad, expired or revoked ones. */
    UNAUTHENTICATED(26, false),
    /** The caller is known but lacks the permission the call needs; the message names it. */
    PERMISSION_DENIED(27, false),
    TENANT_EXISTS(28, false),
    /** A tenant that still has stations cannot be deleted without force. */
    TENANT_NOT_EMPTY(29, false),
    UNKNOWN_USER(30, false),
    USER_EXISTS(31, false),
    /** No token of that name (or it was revoked). */
    UNKNOWN_TOKEN(32, false),
    TOKEN_EXISTS(33, false),
    /** Too many failed logins for that user or from that address lately; the message says when to try again. */
    LOGIN_THROTTLED(34, true),
    /** A tenant's quota (storage, stations, connections) would be passed; the message names the limit and usage. */
    QUOTA_EXCEEDED(35, false),
    /** No connector of that name in the tenant. */
    UNKNOWN_CONNECTOR(36, false),
    CONNECTOR_EXISTS(37, false),
    /** Client side, never on the wire: the broker cannot be reached, or did not answer in time. */
    UNAVAILABLE(1000, true),
    /** Client side, never on the wire: a failure that carries no Junction code this client knows. */
    UNKNOWN(1001, false);

    /** The first number of the codes the client makes itself; no wire code has a number this high. */
    public static final int FIRST_CLIENT_SIDE = 1000;

    private static final ErrorCode[] VALUES = values();

    private final int number;
    private final boolean retriable;

    ErrorCode(int number, boolean retriable) {
        this.number = number;
        this.retriable = retriable;
    }

    /** The code's stable number: its value in {@code junction.v1.ErrorCode} (client-side codes excepted). */
    public int number() {
        return number;
    }

    /** Whether the same call may succeed when tried again unchanged. */
    public boolean retriable() {
        return retriable;
    }

    /** True for {@link #UNAVAILABLE} and {@link #UNKNOWN}: made by the client, never sent by a broker. */
    public boolean clientSide() {
        return number >= FIRST_CLIENT_SIDE;
    }

    /** The code with that number; empty when this version knows none. */
    public static Optional<ErrorCode> forNumber(int number) {
        for (ErrorCode code : VALUES) {
            if (code.number == number) {
                return Optional.of(code);
            }
        }
        return Optional.empty();
    }
}
