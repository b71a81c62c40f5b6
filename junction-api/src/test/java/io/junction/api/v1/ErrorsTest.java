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

    @Test
    void mapsEachCodeToACoarseGrpcStatus() {
        assertThat(code(ErrorCode.INVALID_NAME)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(ErrorCode.INVALID_ARGUMENT)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(ErrorCode.INVALID_PARTITION)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(ErrorCode.UNKNOWN_STATION)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(ErrorCode.UNKNOWN_GROUP)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(ErrorCode.STATION_EXISTS)).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(code(ErrorCode.MESSAGE_TOO_LARGE)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(code(ErrorCode.STORAGE_FULL)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(code(ErrorCode.SHUTTING_DOWN)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(code(ErrorCode.STORAGE_ERROR)).isEqualTo(Status.Code.INTERNAL);
        assertThat(code(ErrorCode.INTERNAL)).isEqualTo(Status.Code.INTERNAL);
    }

    @Test
    void onlyTransientFailuresAreRetriable() {
        assertThat(Arrays.stream(ErrorCode.values()).filter(c -> c != ErrorCode.UNRECOGNIZED)
                .filter(Errors::isRetriable))
                .containsExactlyInAnyOrder(ErrorCode.INTERNAL, ErrorCode.SHUTTING_DOWN, ErrorCode.STORAGE_FULL,
                        ErrorCode.STORAGE_ERROR);
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
        trailers.put(Metadata.Key.of(Errors.TRAILER_NAME, Metadata.BINARY_BYTE_MARSHALLER), new byte[] {(byte) 0xff});

        assertThat(Errors.fromStatus(Status.INTERNAL.asRuntimeException(trailers))).isEmpty();
    }

    private static Status.Code code(ErrorCode code) {
        return Errors.toStatus(code, "m").getStatus().getCode();
    }
}
