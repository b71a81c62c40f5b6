package io.junction.api.v1;

import java.util.Optional;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;

/**
 * Error codes are protocol: the one place where a {@link ErrorCode} becomes a gRPC status and back. A failed call
 * carries a coarse gRPC status code (for generic tooling) and, in the binary trailer {@value #TRAILER_NAME}, the
 * serialized {@link Error} with the stable Junction code, the message and whether a retry may succeed. Stream
 * responses that carry an {@link Error} field (ProduceResponse, ConsumeResponse) use the same codes.
 *
 * <p>Stateless; safe for use by any thread.
 */
public final class Errors {

    /** The binary trailer carrying a serialized {@code junction.v1.Error}. */
    public static final String TRAILER_NAME = "junction-error-bin";

    /** The trailer key; its marshaller parses and serializes {@link Error}. */
    public static final Metadata.Key<Error> ERROR_KEY =
            Metadata.Key.of(TRAILER_NAME, ProtoUtils.metadataMarshaller(Error.getDefaultInstance()));

    private Errors() {
    }

    /** Whether a call that failed with {@code code} may succeed when tried again unchanged. */
    public static boolean isRetriable(ErrorCode code) {
        switch (code) {
            case INTERNAL:
            case SHUTTING_DOWN:
            case STORAGE_FULL:
            case STORAGE_ERROR:
            case SLOW_CONSUMER:
                return true;
            default:
                return false;
        }
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
                return Status.Code.NOT_FOUND;
            case STATION_EXISTS:
            case SCHEMA_EXISTS:
                return Status.Code.ALREADY_EXISTS;
            case OFFSET_OUT_OF_RANGE:
                return Status.Code.OUT_OF_RANGE;
            case INCOMPATIBLE_SCHEMA:
            case SCHEMA_IN_USE:
            case STALE_DELIVERY:
                return Status.Code.FAILED_PRECONDITION;
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

    /** The {@link Error} detail for {@code code}, with its retriability filled in. */
    public static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setRetriable(isRetriable(code)).build();
    }

    /** A status exception for {@code code}: the coarse status, {@code message} as description, the detail trailer. */
    public static StatusRuntimeException toStatus(ErrorCode code, String message) {
        return toStatus(error(code, message));
    }

    /** A status exception carrying {@code error} in its trailer. */
    public static StatusRuntimeException toStatus(Error error) {
        final Metadata trailers = new Metadata();
        trailers.put(ERROR_KEY, error);
        return Status.fromCode(statusCode(error.getCode())).withDescription(error.getMessage())
                .asRuntimeException(trailers);
    }

    /**
     * The Junction error that {@code failure} (a {@link io.grpc.StatusRuntimeException} or
     * {@link io.grpc.StatusException}, or anything caused by one) carries in its trailers; empty if none does.
     */
    public static Optional<Error> fromStatus(Throwable failure) {
        final Metadata trailers = Status.trailersFromThrowable(failure);
        if (trailers == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(trailers.get(ERROR_KEY));
        } catch (IllegalArgumentException e) {
            // A trailer that does not parse is a peer's bug; the caller falls back to the gRPC status.
            return Optional.empty();
        }
    }
}
