package io.junction.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        this.callTimeout = b.callTimeout;
        this.givenChannel = b.channel != null;
        this.channel = givenChannel ? b.channel : newChannel(b.server);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "junction-client-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    private static ManagedChannel newChannel(String server) {
        return Grpc.newChannelBuilder(server, InsecureChannelCredentials.create())
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The broker's address, {@code host:port}. */
    public String server() {
        return server;
    }

    public String tenant() {
        return tenant;
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
        return call(() -> Protos.group(admin().createGroup(CreateGroupRequest.newBuilder().setTenant(tenant)
                .setStation(station).setGroup(group).setStart(Protos.start(start))
                .setOrdering(Protos.ordering(ordering))
                .setOnDeadLetter(onDeadLetter == null ? "" : onDeadLetter.wireName()).build())));
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
                consumeChannel = givenChannel ? channel : newChannel(server);
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
        private String tenant = DEFAULT_TENANT;
        private Duration callTimeout = Duration.ofSeconds(30);
        private ManagedChannel channel;

        private Builder() {
        }

        /** {@code host:port}; default: the environment variable {@value #SERVER_ENV}, else {@value #DEFAULT_SERVER}. */
        public Builder server(String server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /** The tenant every call names; default {@value #DEFAULT_TENANT}. */
        public Builder tenant(String tenant) {
            this.tenant = Objects.requireNonNull(tenant, "tenant");
            return this;
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
