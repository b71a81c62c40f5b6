package io.junction.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

/**
 * Calls the gRPC services in process, through the same guarded definitions the gRPC port serves: the REST gateway's
 * requests pass the {@link Guard} (authentication from the HTTP request's {@code Authorization} header and address,
 * permissions, tenant scoping, filtered listings, audit) and the services' own checks exactly as a gRPC call does.
 * A call sends one request and collects every response until the service closes the call. Must run in the HTTP
 * request's context (the guard reads the caller's address and TLS session from it). Thread-safe.
 */
final class LocalCalls {

    private final Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();

    LocalCalls(List<ServerServiceDefinition> services) {
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                methods.put(method.getMethodDescriptor().getFullMethodName(), method);
            }
        }
    }

    /** The call's responses once it closed OK; else completes with the call's StatusRuntimeException. */
    @SuppressWarnings("unchecked")
    <Q, R> CompletableFuture<List<R>> call(MethodDescriptor<Q, R> method, Q request, String authorization) {
        ServerMethodDefinition<Q, R> definition = (ServerMethodDefinition<Q, R>) methods.get(
                method.getFullMethodName());
        if (definition == null) {
            throw new IllegalArgumentException("no service serves " + method.getFullMethodName());
        }
        Metadata headers = new Metadata();
        if (authorization != null) {
            headers.put(Guard.AUTHORIZATION, authorization);
        }
        Call<Q, R> call = new Call<>(definition.getMethodDescriptor());
        ServerCall.Listener<Q> listener = definition.getServerCallHandler().startCall(call, headers);
        call.result.whenComplete((r, e) -> listener.onComplete());
        listener.onReady();
        listener.onMessage(request);
        listener.onHalfClose();
        return call.result;
    }

    /** As {@link #call}, for a call that answers once. */
    <Q, R> CompletableFuture<R> unary(MethodDescriptor<Q, R> method, Q request, String authorization) {
        return call(method, request, authorization).thenApply(responses -> {
            if (responses.size() != 1) {
                throw Status.INTERNAL.withDescription(method.getFullMethodName() + " answered " + responses.size()
                        + " times").asRuntimeException();
            }
            return responses.get(0);
        });
    }

    /** The call as the service sees it: every message it sends is kept; closing it completes the result. */
    private static final class Call<Q, R> extends ServerCall<Q, R> {
        private final MethodDescriptor<Q, R> method;
        private final List<R> responses = new ArrayList<>(); // guarded by this
        final CompletableFuture<List<R>> result = new CompletableFuture<>();

        Call(MethodDescriptor<Q, R> method) {
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            // every request is handed over at once
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public synchronized void sendMessage(R message) {
            responses.add(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            List<R> sent;
            synchronized (this) {
                sent = List.copyOf(responses);
            }
            if (status.isOk()) {
                result.complete(sent);
            } else {
                result.completeExceptionally(status.asRuntimeException(trailers));
            }
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public String getAuthority() {
            return null;
        }
    }
}
