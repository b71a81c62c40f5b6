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
import io.grpc.Status;
import io.junction.api.v1.BrowseMessagesRequest;
import io.junction.api.v1.BrowseMessagesResponse;
import io.junction.api.v1.ListDeadLettersResponse;
import io.junction.api.v1.ListStationsResponse;
import io.junction.api.v1.ListTenantsResponse;
import io.junction.broker.AuditEntry;
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
 * what the caller may see (stations outside its patterns, other tenants; dead letters' and browsed messages' keys,
 * values and headers without {@link Permission#READ_VALUES}, which a browser search needs too). A refused call
 * ends with its code and reaches no service: nothing changes.
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
    private final Auditor auditor;
    /** tenant → failures recorded in the current minute: a flood of bad credentials cannot fill the disk. */
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> failureBudget =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Where audit entries go: the broker's audit log of a tenant. */
    @FunctionalInterface
    interface Auditor {
        java.util.concurrent.CompletableFuture<Void> record(String tenant, AuditEntry entry);
    }

    /** Failures (authentication, denials) recorded per tenant and minute at most; the rest are counted. */
    static final int MAX_FAILURE_ENTRIES_PER_MINUTE = 1000;

    /** The most produce and consume streams a tenant may have open (0: no limit). */
    private final java.util.function.ToIntFunction<String> maxConnections;
    /** tenant → produce and consume streams open now. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> streams =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether a tenant exists: failures naming another go to default's log and budget (bounded by tenants). */
    private final java.util.function.Predicate<String> tenantExists;

    Guard(AccessControl access, ServerConfig.AuthMode mode, Auditor auditor,
            java.util.function.ToIntFunction<String> maxConnections,
            java.util.function.Predicate<String> tenantExists) {
        this.tenantExists = tenantExists;
        this.access = access;
        this.loopbackIsRoot = mode == ServerConfig.AuthMode.LOOPBACK;
        this.auditor = auditor;
        this.maxConnections = maxConnections;
    }

    /** The produce and consume streams the tenant has open now. */
    int connections(String tenant) {
        java.util.concurrent.atomic.AtomicInteger n = streams.get(tenant);
        return n == null ? 0 : n.get();
    }

    /**
     * Counts a new stream of the caller's tenant; QUOTA_EXCEEDED past its limit. Returns what ends the count
     * (idempotent), or null for a unary call (not counted).
     */
    private Runnable openStream(ServerCall<?, ?> call, Principal principal) {
        if (call.getMethodDescriptor().getType() == io.grpc.MethodDescriptor.MethodType.UNARY) {
            return null;
        }
        String tenant = principal.tenant();
        java.util.concurrent.atomic.AtomicInteger open = streams.computeIfAbsent(tenant,
                t -> new java.util.concurrent.atomic.AtomicInteger());
        int max = maxConnections.applyAsInt(tenant);
        int now = open.incrementAndGet();
        if (max > 0 && now > max) {
            open.decrementAndGet();
            throw new AccessException(ErrorCode.QUOTA_EXCEEDED, "tenant '" + tenant + "' has " + max
                    + " produce and consume streams open, its limit: close one or raise the limit");
        }
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                open.decrementAndGet();
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String action = call.getMethodDescriptor().getBareMethodName();
        CallRules.Rule rule = CallRules.RULES.get(method);
        String address = address();
        Principal principal;
        try {
            if (rule == null) {
                throw new AccessException(ErrorCode.INTERNAL, "no access rule for " + method);
            }
            principal = authenticate(headers.get(AUTHORIZATION), address);
        } catch (AccessException e) {
            refuse(call, e);
            String[] tried = tried(headers.get(AUTHORIZATION));
            recordFailure(tried[1], AuditEntry.of(tried[0], "", address, action, "", e.code().name(),
                    e.getMessage()));
            return new ServerCall.Listener<>() {
            };
        }
        Runnable release;
        try {
            release = openStream(call, principal);
        } catch (AccessException e) {
            refuse(call, e);
            return new ServerCall.Listener<>() {
            };
        }
        Context context = Context.current().withValue(PRINCIPAL, principal);
        Audited<Q, R> audited = new Audited<>(call, principal, action, address);
        return Contexts.interceptCall(context, audited, headers,
                (c, h) -> new Checking<>(next.startCall(c, h), audited, rule, principal, release));
    }

    /** The caller's address (of the gRPC or HTTP request being served), for the audit and throttling. */
    static String address() {
        InetSocketAddress remote = remoteAddress();
        return remote == null ? "unknown" : remote.getAddress().getHostAddress();
    }

    /**
     * The caller of an HTTP request (on the HTTP port: {@code /metrics}), authenticated as a gRPC call's; a refusal is
     * recorded in the audit log as a gRPC call's is, with {@code action} (e.g. {@code GET /metrics}), and rethrown.
     */
    Principal authenticateHttp(String authorization, String action) {
        String address = address();
        try {
            return authenticate(authorization, address);
        } catch (AccessException e) {
            String[] tried = tried(authorization);
            recordFailure(tried[1], AuditEntry.of(tried[0], "", address, action, "", e.code().name(),
                    e.getMessage()));
            throw e;
        }
    }

    /**
     * Who a refused credential claimed to be, and its tenant, for the audit: a Basic user's name (never its
     * password), a token's id (not its secret), or "(none)".
     */
    private static String[] tried(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new String[] {"(none)", AccessControl.DEFAULT_TENANT};
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(java.util.Base64.getDecoder().decode(authorization.substring(6).strip()),
                        java.nio.charset.StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                String login = colon < 0 ? "" : decoded.substring(0, colon);
                if (login.matches("[a-z0-9][a-z0-9_.-]{0,127}(@[a-z0-9][a-z0-9_.-]{0,127})?")) {
                    int at = login.indexOf('@');
                    return new String[] {"user " + login, at < 0 ? AccessControl.DEFAULT_TENANT
                            : login.substring(at + 1)};
                }
            } catch (IllegalArgumentException e) {
                // not Base64: recorded as malformed below
            }
            return new String[] {"(malformed Basic credentials)", AccessControl.DEFAULT_TENANT};
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            return new String[] {token.startsWith("jn_") && token.length() > 23 ? "token id " + token.substring(3, 23)
                    : "(malformed token)", AccessControl.DEFAULT_TENANT};
        }
        return new String[] {"(malformed credentials)", AccessControl.DEFAULT_TENANT};
    }

    /** Records a failure unless the tenant's budget for this minute is spent (then counts it, and says so later). */
    private void recordFailure(String named, AuditEntry entry) {
        // A client names any tenant in its credentials: only existing ones get a budget of their own.
        String tenant = tenantExists.test(named) ? named : AccessControl.DEFAULT_TENANT;
        long minute = System.currentTimeMillis() / 60_000;
        long[] budget = failureBudget.computeIfAbsent(tenant, t -> new long[3]);
        long suppressed;
        synchronized (budget) {
            if (budget[0] != minute) {
                suppressed = budget[2];
                budget[0] = minute;
                budget[1] = 0;
                budget[2] = 0;
            } else {
                suppressed = 0;
            }
            if (budget[1] >= MAX_FAILURE_ENTRIES_PER_MINUTE) {
                budget[2]++;
                return;
            }
            budget[1]++;
        }
        if (suppressed > 0) {
            fireAndForget(tenant, AuditEntry.of("(broker)", "", "", "AuditSuppressed", "", "OK", suppressed
                    + " more failures in the minute before were not recorded (more than "
                    + MAX_FAILURE_ENTRIES_PER_MINUTE + " a minute)"));
        }
        fireAndForget(tenant, entry);
    }

    private void fireAndForget(String tenant, AuditEntry entry) {
        try {
            auditor.record(tenant, entry).exceptionally(e -> {
                LOG.log(System.Logger.Level.WARNING, "cannot record an audit entry of tenant {0}: {1}", tenant,
                        String.valueOf(e));
                return null;
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record an audit entry of tenant {0}: {1}", tenant,
                    String.valueOf(e));
        }
    }

    private static final System.Logger LOG = System.getLogger(Guard.class.getName());

    /** Calls that change something: recorded whatever their result. Reads are recorded only when refused. */
    static boolean changes(String service, String action) {
        return (service.equals("Admin") || service.equals("Access")) && !action.startsWith("Get")
                && !action.startsWith("List") && !action.startsWith("Browse") && !action.equals("WhoAmI")
                && !action.equals("TierStatus");
    }

    /** What a request acts on, for the audit: e.g. "station orders, group g", "user alice". */
    static String target(String action, Message request) {
        if (request == null) {
            return "";
        }
        Message scope = request;
        FieldDescriptor subscribe = request.getDescriptorForType().findFieldByName("subscribe");
        if (subscribe != null && request.hasField(subscribe)) {
            scope = (Message) request.getField(subscribe);
        }
        StringBuilder sb = new StringBuilder();
        String name = field(scope, "name");
        if (!name.isEmpty()) {
            sb.append(action.contains("Tenant") ? "tenant " : action.contains("User") || action.contains("Password")
                    ? "user " : action.contains("Token") ? "token " : action.contains("Schema") ? "schema "
                    : "station ").append(name);
        }
        String station = field(scope, "station");
        if (!station.isEmpty()) {
            sb.append(sb.isEmpty() ? "" : ", ").append("station ").append(station);
        }
        String group = field(scope, "group");
        if (!group.isEmpty()) {
            sb.append(", group ").append(group);
        }
        String schema = field(scope, "schema");
        if (!schema.isEmpty()) {
            sb.append(", schema ").append(schema);
        }
        return sb.toString();
    }

    private static String field(Message m, String name) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
        return f == null || f.getJavaType() != FieldDescriptor.JavaType.STRING || f.isRepeated() ? ""
                : (String) m.getField(f);
    }

    /**
     * The caller: by its {@code authorization} header if it sends one; else by its TLS client certificate (mutual
     * TLS: the subject's CN names the user); else root for a loopback caller in loopback mode; else refused.
     */
    Principal authenticate(String authorization, String address) {
        InetSocketAddress remote = remoteAddress();
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
        private final Audited<Q, ?> call;
        private final CallRules.Rule rule;
        private final Principal principal;
        private final Runnable release;
        private boolean refused; // the call's callbacks are serialized: no lock needed

        Checking(ServerCall.Listener<Q> delegate, Audited<Q, ?> call, CallRules.Rule rule, Principal principal,
                Runnable release) {
            super(delegate);
            this.call = call;
            this.rule = rule;
            this.principal = principal;
            this.release = release;
        }

        @Override
        public void onComplete() {
            if (release != null) {
                release.run();
            }
            super.onComplete();
        }

        @Override
        public void onCancel() {
            if (release != null) {
                release.run();
            }
            super.onCancel();
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            Q checked;
            call.request = (Message) message;
            try {
                if (!access.stillValid(principal)) {
                    throw new AccessException(ErrorCode.UNAUTHENTICATED, "the credentials of this call were "
                            + "revoked or expired");
                }
                checked = (Q) authorize(rule, principal, (Message) message);
                call.request = (Message) checked;
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
        if (request instanceof BrowseMessagesRequest browse && !browse.getSearch().isEmpty()
                && !principal.can(Permission.READ_VALUES)) {
            // a search reveals what values hold, one guess at a time: it needs the right to see them
            throw new AccessException(ErrorCode.PERMISSION_DENIED, "searching message contents needs permission "
                    + Permission.READ_VALUES.label());
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

    /**
     * The call as the service answers it: listings cut to what the caller may see ({@link #filter}), and its end
     * recorded in the audit log — a change whatever its result (a successful one is durable in the log before the
     * caller hears of it), a refused read or stream when the refusal is about access.
     */
    private final class Audited<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Principal principal;
        private final String action;
        private final String address;
        /** The last request seen (the call's callbacks are serialized). */
        volatile Message request;

        Audited(ServerCall<Q, R> delegate, Principal principal, String action, String address) {
            super(delegate);
            this.principal = principal;
            this.action = action;
            this.address = address;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(R message) {
            super.sendMessage((R) filter(principal, message));
        }

        @Override
        public void close(Status status, Metadata trailers) {
            try {
                record(status, trailers);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot record an audit entry for {0}: {1}", action,
                        String.valueOf(e));
            }
            super.close(status, trailers);
        }

        private void record(Status status, Metadata trailers) {
            String code = status.isOk() ? "OK" : io.junction.api.v1.Errors.fromStatus(status.asRuntimeException(
                    trailers)).map(e -> e.getCode().name()).orElse(status.getCode().name());
            String message = status.isOk() || status.getDescription() == null ? "" : status.getDescription();
            String tenant = tenantOf(request);
            boolean denied = code.equals("PERMISSION_DENIED") || code.equals("UNAUTHENTICATED")
                    || (code.equals("UNKNOWN_TENANT") && !principal.isRoot());
            String service = getMethodDescriptor().getServiceName();
            service = service == null ? "" : service.substring(service.lastIndexOf('.') + 1);
            AuditEntry entry = AuditEntry.of(who(principal), principal.via(), address, action,
                    target(action, request), code, message);
            if (denied) {
                recordFailure(principal.tenant(), entry);
            } else if (changes(service, action) && !dryRun(request)) {
                if (status.isOk()) {
                    try {
                        auditor.record(tenant, entry).get(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        LOG.log(System.Logger.Level.WARNING, "cannot record an audit entry of tenant {0}: {1}",
                                tenant, String.valueOf(e));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    fireAndForget(tenant, entry);
                }
            }
        }

        /** The tenant the call acted in: its request's (filled in by the check), else the caller's own. */
        private String tenantOf(Message request) {
            if (request != null) {
                Message scope = request;
                FieldDescriptor subscribe = request.getDescriptorForType().findFieldByName("subscribe");
                if (subscribe != null && request.hasField(subscribe)) {
                    scope = (Message) request.getField(subscribe);
                }
                String tenant = field(scope, "tenant");
                if (!tenant.isEmpty()) {
                    return tenant;
                }
                if (action.contains("Tenant") && principal.isRoot()) {
                    return AccessControl.DEFAULT_TENANT; // tenants are root's business: in default's log
                }
            }
            return principal.tenant();
        }
    }

    /** A request that only checks (a schema version's {@code dry_run}): it changes nothing, so it is not audited. */
    private static boolean dryRun(Message request) {
        if (request == null) {
            return false;
        }
        FieldDescriptor f = request.getDescriptorForType().findFieldByName("dry_run");
        return f != null && f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN && (Boolean) request.getField(f);
    }

    private static String who(Principal p) {
        return p.isRoot() ? "user root" : p.display();
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
        if (response instanceof BrowseMessagesResponse page && !principal.can(Permission.READ_VALUES)) {
            BrowseMessagesResponse.Builder b = page.toBuilder().clearMessages();
            page.getMessagesList().forEach(m -> b.addMessages(m.toBuilder().clearValue().clearKey().clearHeaders()));
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
