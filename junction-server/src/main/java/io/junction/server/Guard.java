package io.junction.server;

import java.net.InetSocketAddress;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.junction.api.v1.ListDeadLettersResponse;
import io.junction.api.v1.ListStationsResponse;
import io.junction.api.v1.ListTenantsResponse;
import io.junction.errors.ErrorCode;
import io.junction.security.AccessControl;
import io.junction.security.AccessException;
import io.junction.security.Permission;
import io.junction.security.Principal;

/**
 * Every gRPC call passes here first: who makes it (authentication, from the {@code authorization} header or the
 * loopback rule), and whether it may (authorization, per request message, by {@link CallRules}). A request that
 * names no tenant gets the caller's; one that names another tenant (callers other than root) is refused as
 * UNKNOWN_TENANT, exactly as a tenant that does not exist, so nothing of another tenant shows. Listings are cut to
 * what the caller may see (stations outside its patterns, other tenants; dead letters' values without
 * {@link Permission#READ_VALUES}). A refused call ends with its code and reaches no service: nothing changes.
 * Streams are checked on each request, so a revoked token or deleted user stops at its next one.
 *
 * <p>Stateless besides the access control it reads; thread-safe.
 */
final class Guard implements ServerInterceptor {

    /** The caller of the current call, for the services. */
    static final Context.Key<Principal> PRINCIPAL = Context.key("junction-principal");
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final AccessControl access;
    private final boolean loopbackIsRoot;

    Guard(AccessControl access, ServerConfig.AuthMode mode) {
        this.access = access;
        this.loopbackIsRoot = mode == ServerConfig.AuthMode.LOOPBACK;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        CallRules.Rule rule = CallRules.RULES.get(method);
        Principal principal;
        try {
            if (rule == null) {
                throw new AccessException(ErrorCode.INTERNAL, "no access rule for " + method);
            }
            principal = authenticate(headers.get(AUTHORIZATION));
        } catch (AccessException e) {
            refuse(call, e);
            return new ServerCall.Listener<>() {
            };
        }
        Context context = Context.current().withValue(PRINCIPAL, principal);
        ServerCall<Q, R> filtered = new Filtering<>(call, principal);
        return Contexts.interceptCall(context, filtered, headers,
                (c, h) -> new Checking<>(next.startCall(c, h), c, rule, principal));
    }

    /**
     * The caller: by its {@code authorization} header if it sends one; else by its TLS client certificate (mutual
     * TLS: the subject's CN names the user); else root for a loopback caller in loopback mode; else refused.
     */
    private Principal authenticate(String authorization) {
        InetSocketAddress remote = remoteAddress();
        String address = remote == null ? "unknown" : remote.getAddress().getHostAddress();
        if (authorization == null || authorization.isEmpty()) {
            String cn = clientCertificateName();
            if (cn != null) {
                return access.certificateUser(cn);
            }
            if (loopbackIsRoot && remote != null && remote.getAddress().isLoopbackAddress()) {
                return access.loopbackRoot();
            }
        }
        return access.authenticate(authorization, address);
    }

    /** The CN of the verified client certificate of this call's connection; null without one. */
    private static String clientCertificateName() {
        ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        javax.net.ssl.SSLSession tls = ctx == null ? null : ctx.sslSession();
        if (tls == null) {
            return null;
        }
        try {
            java.security.cert.Certificate[] chain = tls.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof java.security.cert.X509Certificate cert)) {
                return null;
            }
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(cert.getSubjectX500Principal()
                    .getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "the client certificate has no CN naming a user");
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null; // a TLS connection without a client certificate
        } catch (javax.naming.InvalidNameException e) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "the client certificate's subject cannot be read");
        }
    }

    private static InetSocketAddress remoteAddress() {
        ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        return ctx == null ? null : ctx.remoteAddress();
    }

    private static void refuse(ServerCall<?, ?> call, AccessException e) {
        io.grpc.StatusRuntimeException status = Convert.status(e);
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
    }

    /**
     * Checks each request message against the call's rule before the service sees it, and fills in the caller's
     * tenant where the request names none. After a refusal the call is closed and nothing more is passed on.
     */
    private final class Checking<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, ?> call;
        private final CallRules.Rule rule;
        private final Principal principal;
        private boolean refused; // the call's callbacks are serialized: no lock needed

        Checking(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, CallRules.Rule rule, Principal principal) {
            super(delegate);
            this.call = call;
            this.rule = rule;
            this.principal = principal;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            Q checked;
            try {
                if (!access.stillValid(principal)) {
                    throw new AccessException(ErrorCode.UNAUTHENTICATED, "the credentials of this call were "
                            + "revoked or expired");
                }
                checked = (Q) authorize(rule, principal, (Message) message);
            } catch (AccessException e) {
                refused = true;
                refuse(call, e);
                return;
            }
            super.onMessage(checked);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                super.onReady();
            }
        }
    }

    /**
     * The request as the service may see it: tenant filled in, every check passed; AccessException otherwise.
     * Package-private for the tests.
     */
    static Message authorize(CallRules.Rule rule, Principal principal, Message request) {
        Message scope = request;
        if (rule.scope() != null) {
            FieldDescriptor f = request.getDescriptorForType().findFieldByName(rule.scope());
            if (!request.hasField(f)) {
                return request; // a credit, an ack...: part of a subscription already checked
            }
            scope = (Message) request.getField(f);
        }
        Message checkedScope = scope;
        if (rule.tenantField() != null) {
            FieldDescriptor f = scope.getDescriptorForType().findFieldByName(rule.tenantField());
            String tenant = (String) scope.getField(f);
            if (tenant.isEmpty()) {
                checkedScope = scope.toBuilder().setField(f, principal.tenant()).build();
            } else if (!principal.inTenant(tenant)) {
                throw new AccessException(ErrorCode.UNKNOWN_TENANT, "tenant '" + quote(tenant) + "' does not exist");
            }
        }
        if (rule.permission() != null) {
            if (rule.stationField() != null) {
                FieldDescriptor f = scope.getDescriptorForType().findFieldByName(rule.stationField());
                principal.require(rule.permission(), (String) scope.getField(f));
            } else {
                principal.require(rule.permission());
            }
        }
        if (checkedScope == scope) {
            return request;
        }
        if (rule.scope() == null) {
            return checkedScope;
        }
        return request.toBuilder().setField(request.getDescriptorForType().findFieldByName(rule.scope()),
                checkedScope).build();
    }

    private static String quote(String name) {
        String shown = name.length() <= 64 ? name : name.substring(0, 64) + "...";
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    /** Cuts listings to what the caller may see. */
    private static final class Filtering<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Principal principal;

        Filtering(ServerCall<Q, R> delegate, Principal principal) {
            super(delegate);
            this.principal = principal;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(R message) {
            super.sendMessage((R) filter(principal, message));
        }
    }

    /** A response as {@code principal} may see it. Package-private for the tests. */
    static Object filter(Principal principal, Object response) {
        if (principal.isRoot()) {
            return response;
        }
        if (response instanceof ListStationsResponse list && principal.stations().restricted()) {
            ListStationsResponse.Builder b = list.toBuilder().clearStations();
            list.getStationsList().stream().filter(s -> principal.stations().permits(s.getName()))
                    .forEach(b::addStations);
            return b.build();
        }
        if (response instanceof ListDeadLettersResponse list && !principal.can(Permission.READ_VALUES)) {
            ListDeadLettersResponse.Builder b = list.toBuilder().clearDeadLetters();
            list.getDeadLettersList().forEach(d -> b.addDeadLetters(d.toBuilder().clearValue().clearKey()
                    .clearHeaders()));
            return b.build();
        }
        if (response instanceof ListTenantsResponse list) {
            ListTenantsResponse.Builder b = list.toBuilder().clearTenants();
            list.getTenantsList().stream().filter(t -> t.getName().equals(principal.tenant()))
                    .forEach(b::addTenants);
            return b.build();
        }
        return response;
    }
}
