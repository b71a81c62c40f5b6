package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.Identity;
import io.junction.api.v1.WhoAmIRequest;
import io.junction.security.AccessControl;

/**
 * The default {@code --auth loopback} mode: a call from 127.0.0.1 or ::1 without credentials acts as root (the quick
 * start needs no login), any other caller must authenticate, and credentials, when given, are always checked.
 */
class LoopbackModeTest {

    @TempDir
    Path dir;

    @Test
    void aLoopbackCallWithoutCredentialsActsAsRootAndGivenCredentialsAreStillChecked() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                Identity me = AccessGrpc.newBlockingStub(channel).whoAmI(WhoAmIRequest.getDefaultInstance());
                assertThat(me.getUser()).isEqualTo("root");
                assertThat(me.getRole()).isEqualTo("root");
                assertThat(me.getVia()).isEqualTo("loopback");

                Metadata bad = new Metadata();
                bad.put(Guard.AUTHORIZATION, "Bearer jn_0000000000000000000a_" + "A".repeat(43));
                assertThatThrownBy(() -> AccessGrpc.newBlockingStub(channel).withInterceptors(
                        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bad))
                        .whoAmI(WhoAmIRequest.getDefaultInstance()))
                        .satisfies(e -> assertThat(Errors.fromStatus(e)).map(io.junction.api.v1.Error::getCode)
                                .hasValue(ErrorCode.UNAUTHENTICATED));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aCallerFromAnotherAddressMustAuthenticate() {
        AccessControl access = AccessControl.open(dir, java.time.Clock.systemUTC(), Duration.ofHours(1));
        Guard guard = new Guard(access, ServerConfig.AuthMode.LOOPBACK, LoopbackModeTest::noAudit, t -> 0, t -> true);

        assertThat(refusal(guard, new InetSocketAddress("203.0.113.5", 40000))).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(refusal(guard, new InetSocketAddress("10.1.2.3", 40000))).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(refusal(guard, new InetSocketAddress("127.0.0.1", 40000))).isNull();
        assertThat(refusal(guard, new InetSocketAddress("::1", 40000))).isNull();

        Guard required = new Guard(access, ServerConfig.AuthMode.REQUIRED, LoopbackModeTest::noAudit, t -> 0, t -> true);
        assertThat(refusal(required, new InetSocketAddress("127.0.0.1", 40000)))
                .isEqualTo(ErrorCode.UNAUTHENTICATED);
    }

    private static java.util.concurrent.CompletableFuture<Void> noAudit(String tenant,
            io.junction.broker.AuditEntry entry) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** The code the guard closes a credential-less WhoAmI call from {@code remote} with; null if it lets it on. */
    private static ErrorCode refusal(Guard guard, InetSocketAddress remote) {
        ServiceRequestContext ctx = ServiceRequestContext.builder(HttpRequest.of(HttpMethod.POST,
                "/junction.v1.Access/WhoAmI")).remoteAddress(remote).build();
        RecordingCall call = new RecordingCall();
        SafeCloseable pushed = ctx.push();
        try {
            guard.interceptCall(call, new Metadata(), (c, h) -> new ServerCall.Listener<>() {
            });
        } finally {
            pushed.close();
        }
        return call.closed == null ? null : Errors.fromStatus(call.closed.asRuntimeException(call.trailers))
                .map(io.junction.api.v1.Error::getCode).orElseThrow();
    }

    private static final class RecordingCall extends ServerCall<Object, Object> {
        Status closed;
        Metadata trailers;

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(Object message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.closed = status;
            this.trailers = trailers;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        @SuppressWarnings("unchecked")
        public MethodDescriptor<Object, Object> getMethodDescriptor() {
            return (MethodDescriptor<Object, Object>) (MethodDescriptor<?, ?>) AccessGrpc.getWhoAmIMethod();
        }
    }
}
