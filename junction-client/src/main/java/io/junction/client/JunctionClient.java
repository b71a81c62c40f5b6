package io.junction.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.DeleteStationRequest;
import io.junction.api.v1.GetGroupRequest;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.ListDeadLettersRequest;
import io.junction.api.v1.ListGroupsRequest;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.ResolveDeadLettersRequest;
import io.junction.api.v1.UpdateStationRequest;
import io.junction.errors.ErrorCode;

/**
 * A connection to one Junction broker: admin calls, and the factory of {@link Producer}s and {@link Consumer}s,
 * which share its connection. Admin calls block until the broker answers (at most {@link Builder#callTimeout}) and
 * throw {@link JunctionException} on failure.
 *
 * <pre>{@code
 * try (JunctionClient client = JunctionClient.builder().server("localhost:6666").build()) {
 *     client.createStation("orders", StationOptions.builder().partitions(3).build());
 * }
 * }</pre>
 *
 * <p>Thread-safe: one client per application and broker is enough. It opens two connections: one for admin calls and
 * producers, one for consumers, so a consumer's acks and credits never queue behind megabytes of produce requests
 * on one TCP stream (with both on one connection, a busy producer made every ack wait for its backlog, and the
 * consumers of the same application fell behind). {@link #close()} closes its producers (flushing them) and
 * consumers, then the connections.
 */
public final class JunctionClient implements AutoCloseable {

    /** The environment variable naming the broker, {@code host:port}. */
    public static final String SERVER_ENV = "JUNCTION_SERVER";
    public static final String DEFAULT_SERVER = "localhost:6666";
    public static final String DEFAULT_TENANT = "default";

    private final String server;
    private final String tenant;
    /** The {@code authorization} header's value for every call; null: none (loopback). */
    private final String authorization;
    /** Plaintext, or TLS trusting the given CA (and showing a client certificate, for mutual TLS). */
    private final io.grpc.ChannelCredentials credentials;
    private static final int READ_ATTEMPTS = 3;

    private final ManagedChannel channel;
    /** The consumers' connection, opened with the first consumer; the same as {@link #channel} in tests. */
    private ManagedChannel consumeChannel;
    private final Object consumeChannelLock = new Object();
    private final boolean givenChannel;
    private final Duration callTimeout;
    private final ScheduledExecutorService scheduler;
    private final Set<AutoCloseable> children = ConcurrentHashMap.newKeySet();

    private JunctionClient(Builder b) {
        this.server = b.server;
        this.tenant = b.tenant;
        this.authorization = b.authorization;
        this.callTimeout = b.callTimeout;
        this.givenChannel = b.channel != null;
        this.credentials = b.channelCredentials();
        this.channel = givenChannel ? b.channel : newChannel(b.server, credentials, authorization);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "junction-client-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    private static ManagedChannel newChannel(String server, io.grpc.ChannelCredentials credentials,
            String authorization) {
        final io.grpc.ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(server, credentials)
                .keepAliveTime(30, TimeUnit.SECONDS);
        if (authorization != null) {
            builder.intercept(new Authorization(authorization));
        }
        return builder.build();
    }

    /** Puts the client's credentials on every call. */
    private static final class Authorization implements io.grpc.ClientInterceptor {
        private static final io.grpc.Metadata.Key<String> KEY = io.grpc.Metadata.Key.of("authorization",
                io.grpc.Metadata.ASCII_STRING_MARSHALLER);
        private final String value;

        Authorization(String value) {
            this.value = value;
        }

        @Override
        public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method,
                io.grpc.CallOptions options, io.grpc.Channel next) {
            return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, io.grpc.Metadata headers) {
                    headers.put(KEY, value);
                    super.start(listener, headers);
                }
            };
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The broker's address, {@code host:port}. */
    public String server() {
        return server;
    }

    /** The tenant every call names; "" for the caller's own (root's and a loopback caller's: {@code default}). */
    public String tenant() {
        return tenant;
    }

    // ----- access: who am I, sessions, tenants, users, tokens ---------------------------------------------------

    /** Who the broker takes this client for. */
    public Identity whoAmI() {
        return read(() -> Protos.identity(access().whoAmI(io.junction.api.v1.WhoAmIRequest.getDefaultInstance())));
    }

    /**
     * Opens a session with the password given to {@link Builder#credentials}; its token (shown this once) serves
     * as {@link Builder#token} until it expires or {@link #logout()}.
     */
    public NewToken login() {
        return call(() -> {
            final io.junction.api.v1.LoginResponse r = access().login(
                    io.junction.api.v1.LoginRequest.getDefaultInstance());
            final Identity who = Protos.identity(r.getIdentity());
            return new NewToken(r.getToken(), new TokenInfo(who.tenant(), who.user(), who.role(), who.stations(),
                    who.denyStations(), who.user(), java.time.Instant.now(), who.expiresAt()));
        });
    }

    /** Ends the session whose token this client uses. */
    public void logout() {
        call(() -> access().logout(io.junction.api.v1.LogoutRequest.getDefaultInstance()));
    }

    /** Creates a tenant (root only); {@link ErrorCode#TENANT_EXISTS} if there is one of that name. */
    public TenantInfo createTenant(String name) {
        return createTenant(name, TenantLimits.UNCHANGED);
    }

    /** Creates a tenant with quotas (null fields: no limit). */
    public TenantInfo createTenant(String name, TenantLimits limits) {
        return call(() -> Protos.tenant(access().createTenant(io.junction.api.v1.CreateTenantRequest.newBuilder()
                .setName(name).setLimits(Protos.limits(limits)).build())));
    }

    /** Changes a tenant's quotas (root only); null fields keep their value, 0 removes a limit. */
    public TenantInfo updateTenant(String name, TenantLimits limits) {
        return call(() -> Protos.tenant(access().updateTenant(io.junction.api.v1.UpdateTenantRequest.newBuilder()
                .setName(name).setLimits(Protos.limits(limits)).build())));
    }

    /** A tenant; "" for the caller's own. */
    public TenantInfo tenantInfo(String name) {
        return read(() -> Protos.tenant(access().getTenant(io.junction.api.v1.GetTenantRequest.newBuilder()
                .setName(name).build())));
    }

    /** Every tenant the caller may see (root: all; others: their own). */
    public List<TenantInfo> tenants() {
        return read(() -> access().listTenants(io.junction.api.v1.ListTenantsRequest.getDefaultInstance())
                .getTenantsList().stream().map(Protos::tenant).toList());
    }

    /**
     * Deletes a tenant with everything it holds (root only); {@link ErrorCode#TENANT_NOT_EMPTY} while it has
     * stations unless {@code force}. The default tenant cannot be deleted.
     */
    public void deleteTenant(String name, boolean force) {
        call(() -> access().deleteTenant(io.junction.api.v1.DeleteTenantRequest.newBuilder().setName(name)
                .setForce(force).build()));
    }

    /**
     * Creates a user of the client's tenant. {@code stations}: allow patterns (empty: every station), {@code deny}:
     * deny patterns; {@code password} null or empty for a user that acts only through tokens.
     */
    public UserInfo createUser(String name, String role, List<String> stations, List<String> deny,
            String password) {
        return createUser(name, role, stations, deny, password, false);
    }

    /** As above; {@code readValues} lets a viewer see message values (dead letters), which its role hides. */
    public UserInfo createUser(String name, String role, List<String> stations, List<String> deny,
            String password, boolean readValues) {
        return call(() -> Protos.user(access().createUser(io.junction.api.v1.CreateUserRequest.newBuilder()
                .setTenant(tenant).setName(name).setRole(role).addAllStations(stations).addAllDenyStations(deny)
                .setPassword(password == null ? "" : password).setReadValues(readValues).build())));
    }

    public UserInfo user(String name) {
        return read(() -> Protos.user(access().getUser(io.junction.api.v1.GetUserRequest.newBuilder()
                .setTenant(tenant).setName(name).build())));
    }

    public List<UserInfo> users() {
        return read(() -> access().listUsers(io.junction.api.v1.ListUsersRequest.newBuilder().setTenant(tenant)
                .build()).getUsersList().stream().map(Protos::user).toList());
    }

    public void deleteUser(String name) {
        call(() -> access().deleteUser(io.junction.api.v1.DeleteUserRequest.newBuilder().setTenant(tenant)
                .setName(name).build()));
    }

    /** Sets a user's password (an admin's call, or a user's own) and ends its sessions. */
    public void setPassword(String name, String password) {
        call(() -> access().setPassword(io.junction.api.v1.SetPasswordRequest.newBuilder().setTenant(tenant)
                .setName(name).setPassword(password).build()));
    }

    /** Creates an API token of the client's tenant; its secret is in the answer only. {@code expiresIn} null: never. */
    public NewToken createToken(String name, String role, List<String> stations, List<String> deny,
            Duration expiresIn) {
        return createToken(name, role, stations, deny, expiresIn, false);
    }

    /** As above; {@code readValues} lets a viewer token see message values (dead letters), which its role hides. */
    public NewToken createToken(String name, String role, List<String> stations, List<String> deny,
            Duration expiresIn, boolean readValues) {
        return call(() -> {
            final io.junction.api.v1.CreateTokenResponse r = access().createToken(
                    io.junction.api.v1.CreateTokenRequest.newBuilder().setTenant(tenant).setName(name)
                            .setRole(role == null ? "" : role).addAllStations(stations).addAllDenyStations(deny)
                            .setExpiresInMs(expiresIn == null ? 0 : expiresIn.toMillis()).setReadValues(readValues)
                            .build());
            return new NewToken(r.getSecret(), Protos.token(r.getToken()));
        });
    }

    public List<TokenInfo> tokens() {
        return read(() -> access().listTokens(io.junction.api.v1.ListTokensRequest.newBuilder().setTenant(tenant)
                .build()).getTokensList().stream().map(Protos::token).toList());
    }

    /**
     * The client's tenant's audit entries recorded at or after {@code since}, oldest first, at most {@code limit}
     * (admins and root only).
     */
    public List<AuditEntry> audit(java.time.Instant since, int limit) {
        return read(() -> {
            final List<AuditEntry> entries = new ArrayList<>();
            long after = -1;
            while (entries.size() < limit) {
                final io.junction.api.v1.ListAuditRequest.Builder request = io.junction.api.v1.ListAuditRequest
                        .newBuilder().setTenant(tenant).setSinceMs(since.toEpochMilli())
                        .setLimit(Math.min(1000, limit - entries.size()));
                if (after >= 0) {
                    request.setAfterId(after);
                }
                final List<io.junction.api.v1.AuditEntry> page = access().listAudit(request.build())
                        .getEntriesList();
                for (io.junction.api.v1.AuditEntry e : page) {
                    entries.add(new AuditEntry(e.getId(), java.time.Instant.ofEpochMilli(e.getTimeMs()), e.getWho(),
                            e.getVia(), e.getAddress(), e.getAction(), e.getTarget(), e.getResult(),
                            e.getMessage()));
                    after = e.getId();
                }
                if (page.isEmpty()) {
                    break;
                }
            }
            return entries;
        });
    }

    /** Revokes a token: calls made with it fail from now on. */
    public void revokeToken(String name) {
        call(() -> access().revokeToken(io.junction.api.v1.RevokeTokenRequest.newBuilder().setTenant(tenant)
                .setName(name).build()));
    }

    /** Creates a station; {@link ErrorCode#STATION_EXISTS} if there is one of that name. */
    public StationInfo createStation(String name, StationOptions options) {
        return call(() -> Protos.station(admin().createStation(CreateStationRequest.newBuilder()
                .setTenant(tenant).setName(name).setConfig(Protos.config(options)).build())));
    }

    /** Changes the settings given in {@code options}; those left unset keep their value. */
    public StationInfo updateStation(String name, StationOptions options) {
        return call(() -> Protos.station(admin().updateStation(UpdateStationRequest.newBuilder()
                .setTenant(tenant).setName(name).setConfig(Protos.config(options)).build())));
    }

    /** Deletes a station with its messages and groups. */
    public void deleteStation(String name) {
        call(() -> admin().deleteStation(DeleteStationRequest.newBuilder().setTenant(tenant).setName(name).build()));
    }

    /** The station of that name; {@link ErrorCode#UNKNOWN_STATION} if there is none. */
    public StationInfo station(String name) {
        return read(() -> Protos.station(admin().getStation(
                GetStationRequest.newBuilder().setTenant(tenant).setName(name).build())));
    }

    /** Every station of the tenant. */
    public List<StationInfo> stations() {
        return read(() -> {
            final List<StationInfo> stations = new ArrayList<>();
            String after = "";
            do { // page by page (the broker bounds each response)
                final io.junction.api.v1.ListStationsResponse page = admin().listStations(
                        ListStationsRequest.newBuilder().setTenant(tenant).setAfter(after).build());
                for (io.junction.api.v1.StationInfo s : page.getStationsList()) {
                    stations.add(Protos.station(s));
                }
                after = page.getNextAfter();
            } while (!after.isEmpty());
            return stations;
        });
    }

    /**
     * Creates a consumer group starting at {@code start}, with the station's default ordering; groups are also
     * created by their first consumer. An existing group is returned unchanged.
     */
    public GroupInfo createGroup(String station, String group, StartPosition start) {
        return createGroup(station, group, start, null);
    }

    /**
     * Creates a consumer group starting at {@code start} with {@code ordering} (null: the station's default). An
     * existing group is returned unchanged: it keeps the ordering it was created with.
     */
    public GroupInfo createGroup(String station, String group, StartPosition start, Ordering ordering) {
        return createGroup(station, group, start, ordering, null);
    }

    /**
     * Creates a consumer group starting at {@code start} with {@code ordering} and {@code onDeadLetter} (null: the
     * station's defaults). An existing group is returned unchanged.
     */
    public GroupInfo createGroup(String station, String group, StartPosition start, Ordering ordering,
            OnDeadLetter onDeadLetter) {
        return createGroup(station, group, start, ordering, onDeadLetter, null);
    }

    /**
     * As above, reading {@code history} (null: the compacted view; {@link History#FULL} needs a station with
     * tiering, else {@link ErrorCode#INVALID_ARGUMENT}). An existing group is returned unchanged.
     */
    public GroupInfo createGroup(String station, String group, StartPosition start, Ordering ordering,
            OnDeadLetter onDeadLetter, History history) {
        return call(() -> Protos.group(admin().createGroup(CreateGroupRequest.newBuilder().setTenant(tenant)
                .setStation(station).setGroup(group).setStart(Protos.start(start))
                .setOrdering(Protos.ordering(ordering))
                .setOnDeadLetter(onDeadLetter == null ? "" : onDeadLetter.wireName())
                .setHistory(history == null ? "" : history.wireName()).build())));
    }

    /** The group of that name; {@link ErrorCode#UNKNOWN_GROUP} if there is none. */
    public GroupInfo group(String station, String group) {
        return read(() -> Protos.group(admin().getGroup(GetGroupRequest.newBuilder().setTenant(tenant)
                .setStation(station).setGroup(group).build())));
    }

    /**
     * Deletes a group with its state and its open dead letters; {@link ErrorCode#GROUP_IN_USE} while consumers are
     * connected to it, unless {@code force} (they then stop with {@link ErrorCode#UNKNOWN_GROUP}).
     */
    public void deleteGroup(String station, String group, boolean force) {
        call(() -> admin().deleteGroup(io.junction.api.v1.DeleteGroupRequest.newBuilder().setTenant(tenant)
                .setStation(station).setGroup(group).setForce(force).build()));
    }

    /**
     * Moves a group's position on every partition to {@code position} (earliest, latest, an offset, a time, the
     * last N), like Kafka's offset reset; see {@link #resetGroup(String, String, StartPosition, int)}.
     */
    public GroupInfo resetGroup(String station, String group, StartPosition position) {
        return resetGroup(station, group, position, -1);
    }

    /**
     * Moves a group's position on {@code partition} (every partition when negative) to {@code position}: everything
     * from there on is delivered to the group again, nothing before it; its open dead letters stay in the DLS and
     * stay done for it. Durable once this returns; returns the group after the reset.
     * {@link ErrorCode#GROUP_IN_USE} while consumers are connected to it (stop them first);
     * {@link ErrorCode#OFFSET_OUT_OF_RANGE} for an offset a partition does not hold.
     */
    public GroupInfo resetGroup(String station, String group, StartPosition position, int partition) {
        final io.junction.api.v1.ResetGroupRequest.Builder request = io.junction.api.v1.ResetGroupRequest
                .newBuilder().setTenant(tenant).setStation(station).setGroup(group)
                .setPosition(Protos.start(java.util.Objects.requireNonNull(position, "position")));
        if (partition >= 0) {
            request.setPartition(partition);
        }
        return call(() -> Protos.group(admin().resetGroup(request.build())));
    }

    /** The first (up to) {@code limit} messages of {@code partition} from {@code from}; see the full overload. */
    public BrowsePage browse(String station, int partition, StartPosition from, int limit) {
        return browse(station, partition, from, limit, null);
    }

    /**
     * Reads a partition's stored messages without a consumer group (no group's position changes): from
     * {@code from} (null: earliest; an offset below the partition's start starts there), at most {@code limit}
     * (1..1000) messages, with {@code search} (null or "": none) only those whose key, value, a header name or a
     * header value contains the text (case-sensitive; needs the {@code read-values} permission). Page on with
     * {@code StartPosition.offset(page.nextOffset())} until {@link BrowsePage#endReached()}.
     */
    public BrowsePage browse(String station, int partition, StartPosition from, int limit, String search) {
        final io.junction.api.v1.BrowseMessagesRequest.Builder request = io.junction.api.v1.BrowseMessagesRequest
                .newBuilder().setTenant(tenant).setStation(station).setPartition(partition).setLimit(limit)
                .setSearch(search == null ? "" : search);
        if (from != null) {
            request.setFrom(Protos.start(from));
        }
        return read(() -> Protos.page(admin().browseMessages(request.build())));
    }

    /** Every group of a station. */
    public List<GroupInfo> groups(String station) {
        return read(() -> {
            final List<GroupInfo> groups = new ArrayList<>();
            String after = "";
            do {
                final io.junction.api.v1.ListGroupsResponse page = admin().listGroups(ListGroupsRequest.newBuilder()
                        .setTenant(tenant).setStation(station).setAfter(after).build());
                for (io.junction.api.v1.GroupInfo g : page.getGroupsList()) {
                    groups.add(Protos.group(g));
                }
                after = page.getNextAfter();
            } while (!after.isEmpty());
            return groups;
        });
    }

    // ----- schemas -------------------------------------------------------------------------------------------

    /**
     * Registers a schema with its first version. {@code type}: {@code json}, {@code avro} or {@code graphql}
     * ({@code protobuf}: see {@link #createSchema(String, String, String, String, String)}); {@code compatibility}:
     * null for BACKWARD. A definition that does not parse fails with INVALID_SCHEMA and the parser's reason.
     */
    public SchemaInfo createSchema(String name, String type, String definition, String compatibility) {
        return createSchema(name, type, definition, null, compatibility);
    }

    /**
     * Registers a schema with its first version, as {@link #createSchema(String, String, String, String)};
     * {@code messageType}: for {@code protobuf}, the message type values are (fully qualified; null for the
     * file's first message).
     */
    public SchemaInfo createSchema(String name, String type, String definition, String messageType,
            String compatibility) {
        return call(() -> Protos.schema(admin().createSchema(io.junction.api.v1.CreateSchemaRequest.newBuilder()
                .setTenant(tenant).setName(name).setType(type).setDefinition(definition)
                .setMessageType(messageType == null ? "" : messageType)
                .setCompatibility(compatibility == null ? "" : compatibility).build())));
    }

    /** Adds the schema's next version; one that breaks its compatibility fails with INCOMPATIBLE_SCHEMA. */
    public SchemaInfo addSchemaVersion(String name, String definition) {
        return addSchemaVersion(name, definition, null);
    }

    /** Adds the schema's next version, of the given Protobuf message type (null: the latest version's). */
    public SchemaInfo addSchemaVersion(String name, String definition, String messageType) {
        return call(() -> Protos.schema(admin().addSchemaVersion(io.junction.api.v1.AddSchemaVersionRequest
                .newBuilder().setTenant(tenant).setName(name).setDefinition(definition)
                .setMessageType(messageType == null ? "" : messageType).build())));
    }

    public SchemaInfo schema(String name) {
        return read(() -> Protos.schema(admin().getSchema(io.junction.api.v1.GetSchemaRequest.newBuilder()
                .setTenant(tenant).setName(name).build())));
    }

    public List<SchemaInfo> schemas() {
        return read(() -> {
            final List<SchemaInfo> schemas = new ArrayList<>();
            String after = "";
            do {
                final io.junction.api.v1.ListSchemasResponse page = admin().listSchemas(
                        io.junction.api.v1.ListSchemasRequest.newBuilder().setTenant(tenant).setAfter(after).build());
                page.getSchemasList().forEach(s -> schemas.add(Protos.schema(s)));
                after = page.getNextAfter();
            } while (!after.isEmpty());
            return schemas;
        });
    }

    /** Deletes a schema; refused with SCHEMA_IN_USE while a station uses it. */
    public void deleteSchema(String name) {
        call(() -> admin().deleteSchema(io.junction.api.v1.DeleteSchemaRequest.newBuilder().setTenant(tenant)
                .setName(name).build()));
    }

    /**
     * Attaches a schema to a station: from now on the broker validates every value produced to it (a request
     * with a violating value fails whole with SCHEMA_VIOLATION). {@code version} 0: the latest at each produce.
     */
    public StationInfo attachSchema(String station, String schema, int version) {
        return call(() -> Protos.station(admin().attachSchema(io.junction.api.v1.AttachSchemaRequest.newBuilder()
                .setTenant(tenant).setStation(station).setSchema(schema).setVersion(version).build())));
    }

    public StationInfo detachSchema(String station) {
        return call(() -> Protos.station(admin().detachSchema(io.junction.api.v1.DetachSchemaRequest.newBuilder()
                .setTenant(tenant).setStation(station).build())));
    }

    /**
     * Runs the station's retention now (the broker also runs it every minute), then a compaction pass on a
     * compacted station, and waits; returns what they did: {@code segments_before, segments_after, bytes_before,
     * bytes_after, messages_removed} (retention and compaction together), and on a compacted station also
     * {@code segments_rewritten, keys_kept} (keys whose latest message is not a tombstone).
     */
    public java.util.Map<String, Long> cleanStation(String name) {
        return call(() -> {
            final io.junction.api.v1.CleanStationResponse r = admin().cleanStation(
                    io.junction.api.v1.CleanStationRequest.newBuilder().setTenant(tenant).setName(name).build());
            final java.util.Map<String, Long> summary = new java.util.LinkedHashMap<>();
            summary.put("segments_before", (long) r.getSegmentsBefore());
            summary.put("segments_after", (long) r.getSegmentsAfter());
            summary.put("bytes_before", r.getBytesBefore());
            summary.put("bytes_after", r.getBytesAfter());
            summary.put("messages_removed", r.getMessagesRemoved());
            if (r.getCompacted()) {
                summary.put("segments_rewritten", (long) r.getSegmentsRewritten());
                summary.put("keys_kept", r.getKeysKept());
            }
            return summary;
        });
    }

    /**
     * The station's tiered storage, per partition: what the object store holds, what is still only local, uploads
     * pending, the last upload and error. Empty for a station without tiering.
     */
    public List<TierStatus> tierStatus(String station) {
        return call(() -> admin().tierStatus(io.junction.api.v1.TierStatusRequest.newBuilder().setTenant(tenant)
                .setStation(station).build()).getPartitionsList().stream().map(Protos::tierStatus).toList());
    }

    /** The first (up to) 100 open dead letters of {@code station}, of {@code group} (null: every group). */
    public List<DeadLetter> deadLetters(String station, String group) {
        return deadLetters(station, group, -1, 100);
    }

    /**
     * Open dead letters of {@code station}, of {@code group} (null: every group), oldest first: at most
     * {@code limit} (1..10 000), with ids above {@code afterId} (-1: from the first), for paging.
     */
    public List<DeadLetter> deadLetters(String station, String group, long afterId, int limit) {
        return read(() -> {
            final ListDeadLettersRequest.Builder request = ListDeadLettersRequest.newBuilder().setTenant(tenant)
                    .setStation(station).setGroup(group == null ? "" : group).setLimit(limit);
            if (afterId >= 0) {
                request.setAfterId(afterId);
            }
            final List<DeadLetter> letters = new ArrayList<>();
            for (io.junction.api.v1.DeadLetter d : admin().listDeadLetters(request.build()).getDeadLettersList()) {
                letters.add(Protos.deadLetter(d));
            }
            return letters;
        });
    }

    /**
     * Hands the dead letters back to the group that failed each (that group only), at their own partition and
     * offset; returns how many. Every id must be an open dead letter (of {@code group} when not null), else
     * nothing is done ({@link ErrorCode#UNKNOWN_DEAD_LETTER}).
     */
    public int resendDeadLetters(String station, List<Long> ids, String group) {
        return resolve(station, ids, false, group, true);
    }

    /** Resends every open dead letter of {@code station} (of {@code group} when not null); returns how many. */
    public int resendAllDeadLetters(String station, String group) {
        return resolve(station, List.of(), true, group, true);
    }

    /** Forgets the dead letters (in PARK groups their keys go on); returns how many. As resend for the ids. */
    public int dropDeadLetters(String station, List<Long> ids, String group) {
        return resolve(station, ids, false, group, false);
    }

    /** Forgets every open dead letter of {@code station} (of {@code group} when not null); returns how many. */
    public int dropAllDeadLetters(String station, String group) {
        return resolve(station, List.of(), true, group, false);
    }

    private int resolve(String station, List<Long> ids, boolean all, String group, boolean resend) {
        final ResolveDeadLettersRequest request = ResolveDeadLettersRequest.newBuilder().setTenant(tenant)
                .setStation(station).addAllIds(ids).setAll(all).setGroup(group == null ? "" : group).build();
        return call(() -> (resend ? admin().resendDeadLetters(request) : admin().dropDeadLetters(request))
                .getCount());
    }

    /** A builder of a producer to {@code station}. */
    public Producer.Builder producer(String station) {
        return new Producer.Builder(this, station);
    }

    /** A builder of a consumer of {@code station} as a member of {@code group}. */
    public Consumer.Builder consumer(String station, String group) {
        return new Consumer.Builder(this, station, group);
    }

    /** Closes every producer (flushing it) and consumer of this client, then the connection. */
    @Override
    public void close() {
        for (AutoCloseable child : List.copyOf(children)) {
            try {
                child.close();
            } catch (Exception e) {
                // Closing the rest matters more; a producer's failed sends already failed their futures.
            }
        }
        scheduler.shutdownNow();
        final List<ManagedChannel> channels;
        synchronized (consumeChannelLock) {
            channels = consumeChannel == null || consumeChannel == channel ? List.of(channel)
                    : List.of(channel, consumeChannel);
        }
        channels.forEach(ManagedChannel::shutdown);
        try {
            for (ManagedChannel c : channels) {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            channels.forEach(ManagedChannel::shutdownNow);
            Thread.currentThread().interrupt();
        }
    }

    /** The connection for admin calls and producers. */
    ManagedChannel channel() {
        return channel;
    }

    /** The connection for consumers (opened on first use). */
    ManagedChannel consumeChannel() {
        synchronized (consumeChannelLock) {
            if (consumeChannel == null) {
                consumeChannel = givenChannel ? channel : newChannel(server, credentials, authorization);
            }
            return consumeChannel;
        }
    }

    /**
     * Called before a producer or consumer opens its stream again after a failure: the channel tries to connect
     * now instead of waiting out gRPC's own reconnect backoff, which grows to two minutes while the broker is
     * down. So a restarted broker is found within the producer's and consumer's backoff (at most 5 s).
     */
    void reconnectNow() {
        channel.resetConnectBackoff();
        synchronized (consumeChannelLock) {
            if (consumeChannel != null) {
                consumeChannel.resetConnectBackoff();
            }
        }
    }

    Duration callTimeout() {
        return callTimeout;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    void register(AutoCloseable child) {
        children.add(child);
    }

    void unregister(AutoCloseable child) {
        children.remove(child);
    }

    private io.junction.api.v1.AccessGrpc.AccessBlockingStub access() {
        return io.junction.api.v1.AccessGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    // ----- connectors --------------------------------------------------------------------------------------------

    /**
     * Creates a connector of the client's tenant and starts it (docs/connectors.md): {@code type} "postgres" or
     * "http-sink", the station it writes to or reads from, its options by name (as the CLI's {@code --NAME VALUE})
     * and its secrets (stored sealed, never shown again).
     */
    public ConnectorInfo createConnector(String name, String type, String station, Map<String, String> options,
            Map<String, String> secrets) {
        return call(() -> ConnectorInfo.of(connect().createConnector(io.junction.api.v1.CreateConnectorRequest
                .newBuilder().setTenant(tenant).setName(name).setType(type).setStation(station)
                .putAllOptions(options).putAllSecrets(secrets).build())));
    }

    /** A connector: configuration, state, last error, position, lag, counts and warnings. */
    public ConnectorInfo connectorInfo(String name) {
        return read(() -> ConnectorInfo.of(connect().getConnector(io.junction.api.v1.GetConnectorRequest
                .newBuilder().setTenant(tenant).setName(name).build())));
    }

    /** The tenant's connectors, by name. */
    public List<ConnectorInfo> connectors() {
        return read(() -> connect().listConnectors(io.junction.api.v1.ListConnectorsRequest.newBuilder()
                .setTenant(tenant).build()).getConnectorsList().stream().map(ConnectorInfo::of).toList());
    }

    /** Stops a connector until {@link #resumeConnector}, across broker restarts too. */
    public ConnectorInfo pauseConnector(String name) {
        return call(() -> ConnectorInfo.of(connect().pauseConnector(io.junction.api.v1.PauseConnectorRequest
                .newBuilder().setTenant(tenant).setName(name).build())));
    }

    /** Starts a paused connector again from its durable position. */
    public ConnectorInfo resumeConnector(String name) {
        return call(() -> ConnectorInfo.of(connect().resumeConnector(io.junction.api.v1.ResumeConnectorRequest
                .newBuilder().setTenant(tenant).setName(name).build())));
    }

    /**
     * Deletes a connector: stops it and releases what it holds outside the broker (a replication slot).
     *
     * @return what could not be released (the connector is deleted anyway)
     */
    public List<String> deleteConnector(String name) {
        return call(() -> connect().deleteConnector(io.junction.api.v1.DeleteConnectorRequest.newBuilder()
                .setTenant(tenant).setName(name).build()).getWarningsList());
    }

    private io.junction.api.v1.ConnectGrpc.ConnectBlockingStub connect() {
        return io.junction.api.v1.ConnectGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw Protos.exception(e, server);
        }
    }

    /**
     * A call that only reads: tried up to {@value #READ_ATTEMPTS} times while the broker cannot be reached (a
     * connection that broke under the call, a broker restarting), 100 ms then 200 ms apart.
     */
    private <T> T read(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call(call);
            } catch (JunctionException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || attempt == READ_ATTEMPTS) {
                    throw e;
                }
                // A broker that just came back: connect now, not after the channel's reconnect backoff (a second
                // or more), which would fail every attempt at once with the last connection's error.
                reconnectNow();
                try {
                    Thread.sleep(100L << (attempt - 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Builds a {@link JunctionClient}; not thread-safe. */
    public static final class Builder {
        private String server = defaultServer();
        private String tenant = "";
        private Duration callTimeout = Duration.ofSeconds(30);
        private ManagedChannel channel;
        private String authorization;
        private java.nio.file.Path tlsCa;
        private java.nio.file.Path tlsCertificate;
        private java.nio.file.Path tlsKey;

        private Builder() {
        }

        /** {@code host:port}; default: the environment variable {@value #SERVER_ENV}, else {@value #DEFAULT_SERVER}. */
        public Builder server(String server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /**
         * The tenant every call names; default: the caller's own (that of the user or token it authenticates as;
         * {@value #DEFAULT_TENANT} for root and for loopback calls without credentials).
         */
        public Builder tenant(String tenant) {
            this.tenant = Objects.requireNonNull(tenant, "tenant");
            return this;
        }

        /** Authenticate every call with this token (an API token, or a session's from {@link #login()}). */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            if (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw new IllegalArgumentException("a token is printable ASCII without spaces");
            }
            this.authorization = "Bearer " + token;
            return this;
        }

        /**
         * Authenticate every call with a user's password ({@code user}, or {@code user@tenant} for a user of
         * another tenant than {@code default}; without "@", the tenant set by {@link #tenant} if any). The broker
         * checks it once and remembers it for a few minutes; {@link #login()} exchanges it for a session token.
         */
        public Builder credentials(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            final String login = user.contains("@") || tenant.isEmpty() ? user : user + "@" + tenant;
            this.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (login + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return this;
        }

        /**
         * Talk TLS to the broker, trusting the certificate authorities in {@code caFile} (PEM); a broker started
         * with {@code --tls-cert} refuses plaintext clients.
         */
        public Builder tls(java.nio.file.Path caFile) {
            this.tlsCa = Objects.requireNonNull(caFile, "caFile");
            return this;
        }

        /**
         * Show this client certificate (PEM chain and PKCS#8 private key) to a broker that requires one (mutual
         * TLS, {@code --tls-client-ca}); its subject's CN names the user the calls act as when no token or
         * credentials are given. Needs {@link #tls}.
         */
        public Builder tlsClientCertificate(java.nio.file.Path certificateChain, java.nio.file.Path privateKey) {
            this.tlsCertificate = Objects.requireNonNull(certificateChain, "certificateChain");
            this.tlsKey = Objects.requireNonNull(privateKey, "privateKey");
            return this;
        }

        private io.grpc.ChannelCredentials channelCredentials() {
            if (tlsCa == null) {
                if (tlsCertificate != null) {
                    throw new IllegalStateException("a client certificate needs tls(caFile) too");
                }
                return InsecureChannelCredentials.create();
            }
            try {
                final io.grpc.TlsChannelCredentials.Builder b = io.grpc.TlsChannelCredentials.newBuilder()
                        .trustManager(tlsCa.toFile());
                if (tlsCertificate != null) {
                    b.keyManager(tlsCertificate.toFile(), tlsKey.toFile());
                }
                return b.build();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read the TLS files " + tlsCa
                        + (tlsCertificate == null ? "" : ", " + tlsCertificate + ", " + tlsKey) + ": " + e.getMessage(),
                        e);
            }
        }

        /** How long an admin call waits for the broker; default 30 s. */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
            return this;
        }

        /** Tests: talk over this channel (an in-process one) instead of opening a connection. */
        Builder channel(ManagedChannel channel) {
            this.channel = channel;
            return this;
        }

        public JunctionClient build() {
            return new JunctionClient(this);
        }

        private static String defaultServer() {
            final String env = System.getenv(SERVER_ENV);
            return env != null && !env.isBlank() ? env.strip() : DEFAULT_SERVER;
        }
    }
}
