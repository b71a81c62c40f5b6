package io.junction.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

class ErrorsTest {

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = "UNRECOGNIZED", mode = EnumSource.Mode.EXCLUDE)
    void everyCodeSurvivesTheRoundTripThroughAStatus(ErrorCode code) {
        final StatusRuntimeException status = Errors.toStatus(code, "what went wrong");

        assertThat(Errors.fromStatus(status)).hasValueSatisfying(error -> {
            assertThat(error.getCode()).isEqualTo(code);
            assertThat(error.getMessage()).isEqualTo("what went wrong");
            assertThat(error.getRetriable()).isEqualTo(Errors.isRetriable(code));
        });
        assertThat(status.getStatus().getDescription()).isEqualTo("what went wrong");
    }

    @Test
    void theTrailerSurvivesSerializationAsBytes() {
        final Metadata sent = Errors.toStatus(ErrorCode.UNKNOWN_STATION, "station 'x' does not exist").getTrailers();
        final Metadata received = new Metadata();
        received.merge(sent);

        assertThat(Errors.fromStatus(Status.NOT_FOUND.asException(received)))
                .map(Error::getCode).hasValue(ErrorCode.UNKNOWN_STATION);
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = "UNRECOGNIZED", mode = EnumSource.Mode.EXCLUDE)
    void mapsEveryCodeToAFittingGrpcStatus(ErrorCode code) {
        final Status.Code expected = switch (code) {
            case INVALID_ARGUMENT, INVALID_NAME, INVALID_PARTITION, INVALID_HEADER, INVALID_CONFIG, INVALID_SCHEMA,
                    SCHEMA_VIOLATION -> Status.Code.INVALID_ARGUMENT;
            case UNKNOWN_TENANT, UNKNOWN_STATION, UNKNOWN_GROUP, UNKNOWN_DEAD_LETTER, UNKNOWN_SCHEMA, UNKNOWN_USER,
                    UNKNOWN_TOKEN, UNKNOWN_CONNECTOR -> Status.Code.NOT_FOUND;
            case STATION_EXISTS, SCHEMA_EXISTS, TENANT_EXISTS, USER_EXISTS, TOKEN_EXISTS, CONNECTOR_EXISTS ->
                    Status.Code.ALREADY_EXISTS;
            case OFFSET_OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
            case INCOMPATIBLE_SCHEMA, SCHEMA_IN_USE, STALE_DELIVERY, GROUP_IN_USE, TENANT_NOT_EMPTY ->
                    Status.Code.FAILED_PRECONDITION;
            case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case MESSAGE_TOO_LARGE, STORAGE_FULL, SLOW_CONSUMER, LOGIN_THROTTLED, QUOTA_EXCEEDED ->
                    Status.Code.RESOURCE_EXHAUSTED;
            case SHUTTING_DOWN -> Status.Code.UNAVAILABLE;
            case INTERNAL, STORAGE_ERROR, ERROR_CODE_UNSPECIFIED, UNRECOGNIZED -> Status.Code.INTERNAL;
        };
        assertThat(code(code)).isEqualTo(expected);
    }

    @Test
    void theDetailIsAStandardErrorInfoInGrpcStatusDetailsBin() throws Exception {
        final Metadata trailers = Errors.toStatus(ErrorCode.UNKNOWN_STATION, "station 'x' does not exist")
                .getTrailers();
        final byte[] bytes = trailers.get(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER));
        final com.google.rpc.Status status = com.google.rpc.Status.parseFrom(bytes);
        final com.google.rpc.ErrorInfo info = status.getDetails(0).unpack(com.google.rpc.ErrorInfo.class);

        assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND.value());
        assertThat(status.getMessage()).isEqualTo("station 'x' does not exist");
        assertThat(info.getReason()).isEqualTo("UNKNOWN_STATION");
        assertThat(info.getDomain()).isEqualTo(Errors.DOMAIN);
        assertThat(info.getMetadataMap()).containsEntry("retriable", "false");
    }

    @Test
    void aHugeMessageIsCutSoTheTrailersFitAClientsDefaultHeaderLimit() {
        final StatusRuntimeException status = Errors.toStatus(ErrorCode.INVALID_NAME,
                "station name '" + "x".repeat(1 << 20) + "' is invalid");
        long bytes = status.getStatus().getDescription().length();
        final byte[] details = status.getTrailers().get(Metadata.Key.of("grpc-status-details-bin",
                Metadata.BINARY_BYTE_MARSHALLER));
        bytes += details.length * 4L / 3; // base64 on the wire
        assertThat(bytes).as("under grpc-java's default 8 KiB header list").isLessThan(8 << 10);
        assertThat(Errors.fromStatus(status)).map(Error::getCode).hasValue(ErrorCode.INVALID_NAME);
    }

    @Test
    void onlyTransientFailuresAreRetriable() {
        assertThat(Arrays.stream(ErrorCode.values()).filter(c -> c != ErrorCode.UNRECOGNIZED)
                .filter(Errors::isRetriable))
                .containsExactlyInAnyOrder(ErrorCode.INTERNAL, ErrorCode.SHUTTING_DOWN, ErrorCode.STORAGE_FULL,
                        ErrorCode.STORAGE_ERROR, ErrorCode.SLOW_CONSUMER, ErrorCode.LOGIN_THROTTLED);
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"UNRECOGNIZED", "ERROR_CODE_UNSPECIFIED"},
            mode = EnumSource.Mode.EXCLUDE)
    void everyWireCodeIsAJunctionCodeOfTheSameNumberAndName(ErrorCode wire) {
        final io.junction.errors.ErrorCode code = Errors.fromWire(wire);
        assertThat(code.number()).isEqualTo(wire.getNumber());
        assertThat(code.name()).isEqualTo(wire.name());
        assertThat(code.clientSide()).isFalse();
        assertThat(Errors.toWire(code)).isEqualTo(wire);
        assertThat(Errors.isRetriable(wire)).isEqualTo(code.retriable());
    }

    @ParameterizedTest
    @EnumSource(io.junction.errors.ErrorCode.class)
    void everyJunctionCodeButTheClientsOwnHasAWireCode(io.junction.errors.ErrorCode code) {
        if (code.clientSide()) {
            assertThat(ErrorCode.forNumber(code.number())).as("never on the wire").isNull();
            assertThat(Errors.toWire(code)).isEqualTo(ErrorCode.INTERNAL);
        } else {
            assertThat(Errors.fromWire(Errors.toWire(code))).isEqualTo(code);
        }
    }

    @Test
    void aWireCodeThisVersionDoesNotKnowIsUnknown() {
        assertThat(Errors.fromWire(ErrorCode.UNRECOGNIZED)).isEqualTo(io.junction.errors.ErrorCode.UNKNOWN);
        assertThat(Errors.fromWire(ErrorCode.ERROR_CODE_UNSPECIFIED))
                .isEqualTo(io.junction.errors.ErrorCode.UNKNOWN);
    }

    @Test
    void findsTheDetailInACheckedStatusExceptionAndInACause() {
        final StatusRuntimeException status = Errors.toStatus(ErrorCode.STATION_EXISTS, "exists");
        final StatusException checked = status.getStatus().asException(status.getTrailers());

        assertThat(Errors.fromStatus(checked)).map(Error::getCode).hasValue(ErrorCode.STATION_EXISTS);
        assertThat(Errors.fromStatus(new RuntimeException("wrapped", status))).map(Error::getCode)
                .hasValue(ErrorCode.STATION_EXISTS);
    }

    @Test
    void findsNothingInAFailureWithoutTheTrailer() {
        assertThat(Errors.fromStatus(Status.UNAVAILABLE.asRuntimeException())).isEmpty();
        assertThat(Errors.fromStatus(new IllegalStateException("no status"))).isEmpty();
    }

    @Test
    void findsNothingInATrailerThatDoesNotParse() {
        final Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER),
                new byte[] {(byte) 0xff});

        assertThat(Errors.fromStatus(Status.INTERNAL.asRuntimeException(trailers))).isEmpty();
    }

    private static Status.Code code(ErrorCode code) {
        return Errors.toStatus(code, "m").getStatus().getCode();
    }
}
