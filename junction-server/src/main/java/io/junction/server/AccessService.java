package io.junction.server;

import static io.junction.server.AdminService.answer;

import java.util.List;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.CreateTokenRequest;
import io.junction.api.v1.CreateTokenResponse;
import io.junction.api.v1.CreateUserRequest;
import io.junction.api.v1.DeleteTenantRequest;
import io.junction.api.v1.DeleteTenantResponse;
import io.junction.api.v1.DeleteUserRequest;
import io.junction.api.v1.DeleteUserResponse;
import io.junction.api.v1.GetTenantRequest;
import io.junction.api.v1.GetUserRequest;
import io.junction.api.v1.Identity;
import io.junction.api.v1.ListTenantsRequest;
import io.junction.api.v1.ListTenantsResponse;
import io.junction.api.v1.ListTokensRequest;
import io.junction.api.v1.ListTokensResponse;
import io.junction.api.v1.ListUsersRequest;
import io.junction.api.v1.ListUsersResponse;
import io.junction.api.v1.LoginRequest;
import io.junction.api.v1.LoginResponse;
import io.junction.api.v1.LogoutRequest;
import io.junction.api.v1.LogoutResponse;
import io.junction.api.v1.RevokeTokenRequest;
import io.junction.api.v1.RevokeTokenResponse;
import io.junction.api.v1.SetPasswordRequest;
import io.junction.api.v1.SetPasswordResponse;
import io.junction.api.v1.TenantInfo;
import io.junction.api.v1.TokenInfo;
import io.junction.api.v1.UserInfo;
import io.junction.api.v1.WhoAmIRequest;
import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;
import io.junction.security.AccessControl;
import io.junction.security.NewToken;
import io.junction.security.Principal;
import io.junction.security.Role;
import io.junction.security.StationRules;

/**
 * {@code junction.v1.Access}: logins, tenants, users and tokens. {@link Guard} has already authenticated the
 * caller and checked its permission and tenant; this maps the calls onto {@link AccessControl} (users, tokens)
 * and the {@link Broker} (tenants). Stateless; thread-safe.
 */
final class AccessService extends AccessGrpc.AccessImplBase {

    private final Broker broker;
    private final AccessControl access;
    /** Open produce and consume streams per tenant (the guard counts them). */
    private final java.util.function.ToIntFunction<String> connections;

    /** Told of each deleted tenant, after the broker deleted it (the connectors stop its connectors). */
    private final java.util.function.Consumer<String> tenantDeleted;

    AccessService(Broker broker, AccessControl access, java.util.function.ToIntFunction<String> connections,
            java.util.function.Consumer<String> tenantDeleted) {
        this.broker = broker;
        this.access = access;
        this.connections = connections;
        this.tenantDeleted = tenantDeleted;
    }

    private static Principal caller() {
        return Guard.PRINCIPAL.get();
    }

    /** UNKNOWN_TENANT unless the broker has it (the guard has already kept callers to their own). */
    private String existing(String tenant) {
        if (!broker.hasTenant(tenant)) {
            throw new BrokerException(ErrorCode.UNKNOWN_TENANT, "tenant '" + tenant + "' does not exist");
        }
        return tenant;
    }

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> out) {
        answer(out, () -> {
            NewToken session = access.login(caller());
            Principal p = caller();
            return LoginResponse.newBuilder().setToken(session.secret()).setIdentity(identity(new Principal(
                    p.tenant(), p.name(), p.role(), p.stations(), Principal.SESSION, session.info().expiresMs(),
                    "", p.readValues()))).build();
        });
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutResponse> out) {
        answer(out, () -> {
            access.logout(caller());
            return LogoutResponse.getDefaultInstance();
        });
    }

    @Override
    public void whoAmI(WhoAmIRequest request, StreamObserver<Identity> out) {
        answer(out, () -> identity(caller()));
    }

    // ----- tenants --------------------------------------------------------------------------------------------

    @Override
    public void createTenant(CreateTenantRequest request, StreamObserver<TenantInfo> out) {
        answer(out, () -> tenant(broker.createTenant(request.getName(), limits(io.junction.broker.TenantLimits.NONE,
                request.getLimits()))));
    }

    @Override
    public void updateTenant(io.junction.api.v1.UpdateTenantRequest request, StreamObserver<TenantInfo> out) {
        answer(out, () -> tenant(broker.updateTenant(request.getName(), limits(broker.limits(
                existing(request.getName())), request.getLimits()))));
    }

    /** {@code current} with the fields {@code given} sets. */
    private static io.junction.broker.TenantLimits limits(io.junction.broker.TenantLimits current,
            io.junction.api.v1.TenantLimits given) {
        return new io.junction.broker.TenantLimits(
                given.hasMaxStorageBytes() ? given.getMaxStorageBytes() : current.maxStorageBytes(),
                given.hasMaxProduceBytesPerSecond() ? given.getMaxProduceBytesPerSecond()
                        : current.maxProduceBytesPerSecond(),
                given.hasMaxConsumeBytesPerSecond() ? given.getMaxConsumeBytesPerSecond()
                        : current.maxConsumeBytesPerSecond(),
                given.hasMaxStations() ? given.getMaxStations() : current.maxStations(),
                given.hasMaxConnections() ? given.getMaxConnections() : current.maxConnections());
    }

    @Override
    public void getTenant(GetTenantRequest request, StreamObserver<TenantInfo> out) {
        answer(out, () -> tenant(broker.tenantInfo(request.getName())));
    }

    @Override
    public void listTenants(ListTenantsRequest request, StreamObserver<ListTenantsResponse> out) {
        answer(out, () -> ListTenantsResponse.newBuilder().addAllTenants(broker.listTenants().stream()
                .map(this::tenant).toList()).build());
    }

    @Override
    public void deleteTenant(DeleteTenantRequest request, StreamObserver<DeleteTenantResponse> out) {
        answer(out, () -> {
            broker.deleteTenant(request.getName(), request.getForce());
            access.dropTenant(request.getName());
            tenantDeleted.accept(request.getName());
            return DeleteTenantResponse.getDefaultInstance();
        });
    }

    private TenantInfo tenant(io.junction.broker.TenantInfo t) {
        io.junction.broker.TenantLimits l = t.limits();
        return TenantInfo.newBuilder().setName(t.name()).setStations(t.stations()).setStoredBytes(t.storedBytes())
                .setConnections(connections.applyAsInt(t.name()))
                .setLimits(io.junction.api.v1.TenantLimits.newBuilder().setMaxStorageBytes(l.maxStorageBytes())
                        .setMaxProduceBytesPerSecond(l.maxProduceBytesPerSecond())
                        .setMaxConsumeBytesPerSecond(l.maxConsumeBytesPerSecond()).setMaxStations(l.maxStations())
                        .setMaxConnections(l.maxConnections()))
                .build();
    }

    // ----- users ----------------------------------------------------------------------------------------------

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<UserInfo> out) {
        answer(out, () -> user(access.createUser(existing(request.getTenant()), request.getName(),
                Role.parse(request.getRole()), new StationRules(request.getStationsList(),
                        request.getDenyStationsList()), request.getPassword(), request.getReadValues())));
    }

    @Override
    public void getUser(GetUserRequest request, StreamObserver<UserInfo> out) {
        answer(out, () -> user(access.user(existing(request.getTenant()), request.getName())));
    }

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> out) {
        answer(out, () -> ListUsersResponse.newBuilder().addAllUsers(access.users(existing(request.getTenant()))
                .stream().map(AccessService::user).toList()).build());
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> out) {
        answer(out, () -> {
            access.deleteUser(caller(), existing(request.getTenant()), request.getName());
            return DeleteUserResponse.getDefaultInstance();
        });
    }

    @Override
    public void setPassword(SetPasswordRequest request, StreamObserver<SetPasswordResponse> out) {
        answer(out, () -> {
            access.setPassword(caller(), existing(request.getTenant()), request.getName(), request.getPassword());
            return SetPasswordResponse.getDefaultInstance();
        });
    }

    private static UserInfo user(io.junction.security.UserInfo u) {
        return UserInfo.newBuilder().setTenant(u.tenant()).setName(u.name()).setRole(u.role().label())
                .addAllStations(u.stations().allow()).addAllDenyStations(u.stations().deny())
                .setCreatedMs(u.createdMs()).setHasPassword(u.hasPassword()).setReadValues(u.readValues()).build();
    }

    // ----- tokens ---------------------------------------------------------------------------------------------

    @Override
    public void createToken(CreateTokenRequest request, StreamObserver<CreateTokenResponse> out) {
        answer(out, () -> {
            Role role = request.getRole().isEmpty() ? Role.PRODUCER : Role.parse(request.getRole());
            NewToken token = access.createToken(caller(), existing(request.getTenant()), request.getName(), role,
                    new StationRules(request.getStationsList(), request.getDenyStationsList()),
                    request.getExpiresInMs(), request.getReadValues());
            return CreateTokenResponse.newBuilder().setToken(token(token.info())).setSecret(token.secret()).build();
        });
    }

    @Override
    public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> out) {
        answer(out, () -> ListTokensResponse.newBuilder().addAllTokens(access.tokens(existing(request.getTenant()))
                .stream().map(AccessService::token).toList()).build());
    }

    @Override
    public void revokeToken(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> out) {
        answer(out, () -> {
            access.revokeToken(existing(request.getTenant()), request.getName());
            return RevokeTokenResponse.getDefaultInstance();
        });
    }

    private static TokenInfo token(io.junction.security.TokenInfo t) {
        return TokenInfo.newBuilder().setTenant(t.tenant()).setName(t.name()).setRole(t.role().label())
                .addAllStations(t.stations().allow()).addAllDenyStations(t.stations().deny())
                .setCreatedBy(t.createdBy()).setCreatedMs(t.createdMs()).setExpiresMs(t.expiresMs())
                .setReadValues(t.readValues()).build();
    }

    // ----- audit ----------------------------------------------------------------------------------------------

    /** Entries per page when the request names no limit. */
    static final int DEFAULT_AUDIT_LIMIT = 1000;

    @Override
    public void listAudit(io.junction.api.v1.ListAuditRequest request,
            StreamObserver<io.junction.api.v1.ListAuditResponse> out) {
        answer(out, () -> {
            int limit = request.getLimit() == 0 ? DEFAULT_AUDIT_LIMIT : request.getLimit();
            io.junction.api.v1.ListAuditResponse.Builder b = io.junction.api.v1.ListAuditResponse.newBuilder();
            long bytes = 0;
            for (io.junction.broker.AuditEntry e : broker.auditEntries(request.getTenant(), request.getSinceMs(),
                    request.hasAfterId() ? request.getAfterId() : -1, limit)) {
                io.junction.api.v1.AuditEntry entry = io.junction.api.v1.AuditEntry.newBuilder().setId(e.id())
                        .setTimeMs(e.timeMs()).setWho(e.who()).setVia(e.via()).setAddress(e.address())
                        .setAction(e.action()).setTarget(e.target()).setResult(e.result()).setMessage(e.message())
                        .build();
                bytes += entry.getSerializedSize();
                if (b.getEntriesCount() > 0 && bytes > AdminService.MAX_RESPONSE_BYTES) {
                    break; // a shorter page is not the end: page on with after_id
                }
                b.addEntries(entry);
            }
            return b.build();
        });
    }

    static Identity identity(Principal p) {
        List<String> allow = p.stations().allow();
        return Identity.newBuilder().setTenant(p.tenant()).setUser(p.name()).setRole(p.role().label())
                .addAllStations(allow).addAllDenyStations(p.stations().deny()).setVia(p.via())
                .setExpiresMs(p.expiresMs()).build();
    }
}
