package io.junction.api.v1;

import java.util.Optional;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Error codes are protocol: the one place where a Junction {@link io.junction.errors.ErrorCode} becomes a wire
 * {@link ErrorCode} ({@link #toWire}, {@link #fromWire}: by number) and a gRPC status and back. A failed call
 * (unary, or a stream that ends with an error) carries a fitting gRPC status code — NOT_FOUND, ALREADY_EXISTS,
 * INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, UNAVAILABLE, ... — and, in the standard
 * {@code grpc-status-details-bin} trailer, a {@code google.rpc.Status} whose details hold a
 * {@code google.rpc.ErrorInfo}: reason = the Junction code's name (e.g. {@code UNKNOWN_STATION}), domain =
 * {@value #DOMAIN}, metadata {@code retriable} = {@code true} or {@code false}. Any gRPC client reads it with the
 * googleapis protos, as it reads Google's own APIs' errors. In-band {@link Error}s are used only where a stream goes
 * on after a refusal (a produce request refused on a healthy produce stream).
 *
 * <p>Stateless; safe for use by any thread.
 */
public final class Errors {

    /** {@code ErrorInfo.domain} of every Junction error. */
    public static final String DOMAIN = "junction.v1";
    /** {@code ErrorInfo.metadata} key: whether the same call may succeed when tried again unchanged. */
    public static final String RETRIABLE = "retriable";

    private Errors() {
    }

    /**
     * The wire's code for {@code code}: the value of the same number (and name) in {@code junction.v1.ErrorCode}.
     * The client-side codes ({@link io.junction.errors.ErrorCode#clientSide()}) are never sent; a broker never
     * raises them, and should one reach this, it goes out as {@link ErrorCode#INTERNAL}.
     */
    public static ErrorCode toWire(io.junction.errors.ErrorCode code) {
        final ErrorCode wire = code.clientSide() ? null : ErrorCode.forNumber(code.number());
        return wire != null ? wire : ErrorCode.INTERNAL;
    }

    /**
     * The Junction code for a wire code; {@link io.junction.errors.ErrorCode#UNKNOWN} for
     * {@code ERROR_CODE_UNSPECIFIED} and for a number this version does not know ({@code UNRECOGNIZED}).
     */
    public static io.junction.errors.ErrorCode fromWire(ErrorCode code) {
        if (code == ErrorCode.UNRECOGNIZED) {
            return io.junction.errors.ErrorCode.UNKNOWN;
        }
        return io.junction.errors.ErrorCode.forNumber(code.getNumber()).filter(c -> !c.clientSide())
                .orElse(io.junction.errors.ErrorCode.UNKNOWN);
    }

    /** Whether a call that failed with {@code code} may succeed when tried again unchanged. */
    public static boolean isRetriable(ErrorCode code) {
        return fromWire(code).retriable();
    }

    /** The gRPC status code that best describes {@code code} to tools that know nothing of Junction. */
    public static Status.Code statusCode(ErrorCode code) {
        switch (code) {
            case INVALID_ARGUMENT:
            case INVALID_NAME:
            case INVALID_PARTITION:
            case INVALID_HEADER:
            case INVALID_CONFIG:
            case INVALID_SCHEMA:
            case SCHEMA_VIOLATION:
                return Status.Code.INVALID_ARGUMENT;
            case UNKNOWN_TENANT:
            case UNKNOWN_STATION:
            case UNKNOWN_GROUP:
            case UNKNOWN_DEAD_LETTER:
            case UNKNOWN_SCHEMA:
            case UNKNOWN_USER:
            case UNKNOWN_TOKEN:
            case UNKNOWN_CONNECTOR:
                return Status.Code.NOT_FOUND;
            case STATION_EXISTS:
            case SCHEMA_EXISTS:
            case TENANT_EXISTS:
            case USER_EXISTS:
            case TOKEN_EXISTS:
            case CONNECTOR_EXISTS:
                return Status.Code.ALREADY_EXISTS;
            case OFFSET_OUT_OF_RANGE:
                return Status.Code.OUT_OF_RANGE;
            case INCOMPATIBLE_SCHEMA:
            case SCHEMA_IN_USE:
            case STALE_DELIVERY:
            case GROUP_IN_USE:
            case TENANT_NOT_EMPTY:
                return Status.Code.FAILED_PRECONDITION;
            case QUOTA_EXCEEDED:
                return Status.Code.RESOURCE_EXHAUSTED;
            case UNAUTHENTICATED:
                return Status.Code.UNAUTHENTICATED;
            case PERMISSION_DENIED:
                return Status.Code.PERMISSION_DENIED;
            case LOGIN_THROTTLED:
            case MESSAGE_TOO_LARGE:
            case STORAGE_FULL:
            case SLOW_CONSUMER:
                return Status.Code.RESOURCE_EXHAUSTED;
            case SHUTTING_DOWN:
                return Status.Code.UNAVAILABLE;
            default:
                return Status.Code.INTERNAL;
        }
    }

    /**
     * The most characters of an error message: it travels twice in a failed call's trailers (the status message and
     * the details), which a client refuses past its header limit (8 KiB by default in grpc-java), so an error that
     * quotes a client's huge input must still fit.
     */
    public static final int MAX_MESSAGE_CHARS = 1024;

    /** The {@link Error} detail for {@code code}, with its retriability filled in; a long message is cut. */
    public static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(cut(message)).setRetriable(isRetriable(code)).build();
    }

    private static String cut(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_MESSAGE_CHARS ? message
                : message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " characters in all)";
    }

    /** A status exception for {@code code}: the coarse status, {@code message} as description, the detail trailer. */
    public static StatusRuntimeException toStatus(ErrorCode code, String message) {
        return toStatus(error(code, message));
    }

    /** A status exception carrying {@code error} as a {@code google.rpc.Status} with an {@code ErrorInfo}. */
    public static StatusRuntimeException toStatus(Error error) {
        final ErrorInfo info = ErrorInfo.newBuilder().setReason(error.getCode().name()).setDomain(DOMAIN)
                .putMetadata(RETRIABLE, Boolean.toString(error.getRetriable())).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(statusCode(error.getCode()).value()).setMessage(cut(error.getMessage()))
                .addDetails(Any.pack(info)).build());
    }

    /**
     * The Junction error that {@code failure} (a {@link io.grpc.StatusRuntimeException} or
     * {@link io.grpc.StatusException}, or anything caused by one) carries in its status details; empty if none does.
     */
    public static Optional<Error> fromStatus(Throwable failure) {
        final com.google.rpc.Status status;
        try {
            status = StatusProto.fromThrowable(failure);
        } catch (IllegalArgumentException unparseable) {
            return Optional.empty(); // a peer's bug: the caller falls back to the gRPC status
        }
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (!detail.is(ErrorInfo.class)) {
                continue;
            }
            try {
                final ErrorInfo info = detail.unpack(ErrorInfo.class);
                if (!DOMAIN.equals(info.getDomain())) {
                    continue;
                }
                final ErrorCode code = ErrorCode.valueOf(info.getReason());
                return Optional.of(Error.newBuilder().setCode(code).setMessage(status.getMessage())
                        .setRetriable(Boolean.parseBoolean(info.getMetadataOrDefault(RETRIABLE,
                                Boolean.toString(isRetriable(code))))).build());
            } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                // A detail that does not parse, or a code this version does not know: the gRPC status is all.
            }
        }
        return Optional.empty();
    }
}
