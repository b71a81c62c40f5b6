package io.junction.broker;

import io.junction.broker.internal.AuditLog;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.HeldBytes;
import io.junction.broker.internal.Pace;
import io.junction.broker.internal.SchemaStore;
import io.junction.broker.internal.group.ConsumerGroup;
import io.junction.broker.internal.station.Browsing;
import io.junction.broker.internal.station.Station;
import io.junction.errors.ErrorCode;
import io.junction.log.FileTrees;
import io.junction.schema.Compatibility;
import io.junction.schema.SchemaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The broker core: tenants, their stations, produce, consumer groups. It knows nothing of gRPC or HTTP; the
 * server maps its protocol onto these calls and {@link BrokerException}s onto its error codes.
 *
 * <pre>
 * DATA/tenants/TENANT/stations/NAME/   one directory per station (see Station)
 * DATA/tenants/TENANT/.trash/          deleted stations on their way out; emptied on open
 * DATA/tenants/TENANT/audit/           the tenant's audit log (see AuditLog)
 * DATA/.trash/                         deleted tenants on their way out; emptied on open
 * </pre>
 *
 * <p>Thread-safe. Admin calls (create, update, delete) are serialized by the broker's lock; produce and
 * consume go straight to the station.
 */
public final class Broker implements AutoCloseable {

    public static final String DEFAULT_TENANT = "default";
    static final String TENANTS_DIR = "tenants";
    static final String STATIONS_DIR = "stations";
    static final String TRASH_DIR = ".trash";

    private final BrokerContext context;
    private final Path dataDir;
    /** tenant → station name → station. */
    private final Map<String, Map<String, Station>> tenants = new ConcurrentHashMap<>();
    /** tenant → its quotas (see TenantLimits), kept in DATA/tenants/T/tenant.properties. */
    private final Map<String, TenantLimits> limits = new ConcurrentHashMap<>();
    /** tenant → its produce and consume paces. */
    private final Map<String, Pace[]> paces = new ConcurrentHashMap<>();
    /** tenant → {bytes stored, when measured (nanos)}: measured at most once a second for the storage quota. */
    private final Map<String, long[]> usage = new ConcurrentHashMap<>();
    /** tenant → its audit log. */
    private final Map<String, AuditLog> audits = new ConcurrentHashMap<>();
    /** tenant → its schema registry. */
    private final Map<String, SchemaStore> schemaStores = new ConcurrentHashMap<>();
    /** tenant → how long its produce requests took to be durable (metrics). */
    private final Map<String, LatencyHistogram> produceLatency = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Tests: the broker-wide budget of contents groups keep. */
    HeldBytes heldBytes() {
        return context.heldBytes();
    }

    private Broker(BrokerContext context) {
        this.context = context;
        this.dataDir = context.config().dataDir();
    }

    /** Opens (or creates) the broker's state under the configured data directory. */
    public static Broker open(BrokerConfig config) {
        return open(config, System::nanoTime);
    }

    /**
     * Tests: as {@link #open(BrokerConfig)}, with {@code nanoTime} as the monotonic clock that ack deadlines,
     * redelivery delays and stall timeouts are measured by (a test moves it instead of sleeping through them).
     */
    static Broker open(BrokerConfig config, java.util.function.LongSupplier nanoTime) {
        return open(config, nanoTime, io.junction.log.PartitionLog::open);
    }

    /**
     * Tests: as {@link #open(BrokerConfig, java.util.function.LongSupplier)}, with every partition, dead-letter log
     * and group journal kept in stores {@code stores} opens (e.g. {@link io.junction.log.MemoryPartitionStore}s).
     */
    static Broker open(BrokerConfig config, java.util.function.LongSupplier nanoTime,
            BrokerContext.StoreOpener stores) {
        return open(config, nanoTime, stores, null);
    }

    /**
     * As {@link #open(BrokerConfig)}, with tiered storage: stations with tiering on upload their sealed segments
     * through {@code tiering} and read them back from it. The broker closes {@code tiering} when it closes.
     */
    public static Broker open(BrokerConfig config, io.junction.tier.Tiering tiering) {
        return open(config, System::nanoTime, io.junction.log.PartitionLog::open, tiering);
    }

    static Broker open(BrokerConfig config, java.util.function.LongSupplier nanoTime,
            BrokerContext.StoreOpener stores, io.junction.tier.Tiering tiering) {
        BrokerContext context = new BrokerContext(config, nanoTime, stores);
        context.tiering(tiering);
        Broker broker = new Broker(context);
        try {
            broker.load();
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return broker;
    }

    private void load() throws IOException {
        Path tenantsDir = dataDir.resolve(TENANTS_DIR);
        Files.createDirectories(tenantDir(DEFAULT_TENANT).resolve(STATIONS_DIR));
        FileTrees.deleteTree(dataDir.resolve(TRASH_DIR));
        List<String> names = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(tenantsDir)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (Files.isDirectory(dir) && Names.NAME.matcher(name).matches()
                        && Files.isDirectory(dir.resolve(STATIONS_DIR))) {
                    names.add(name);
                }
            }
        }
        // Tenants first (so that close() closes what opened if one station fails), then every station of every
        // tenant in parallel: opening is mostly waiting for the disk (recovery reads, directory fsyncs), and a
        // broker with thousands of stations must be back within seconds after a crash.
        List<Runnable> openings = new ArrayList<>();
        for (String tenant : names) {
            Path tenantDir = tenantDir(tenant);
            FileTrees.deleteTree(tenantDir.resolve(TRASH_DIR));
            SchemaStore schemas = SchemaStore.open(tenant, tenantDir);
            schemaStores.put(tenant, schemas);
            audits.put(tenant, AuditLog.open(context, tenantDir));
            installLimits(tenant, readLimits(tenantDir));
            Map<String, Station> stations = new ConcurrentHashMap<>();
            tenants.put(tenant, stations);
            try (Stream<Path> dirs = Files.list(tenantDir.resolve(STATIONS_DIR))) {
                for (Path dir : dirs.sorted().toList()) {
                    String name = dir.getFileName().toString();
                    if (Files.isDirectory(dir) && Names.NAME.matcher(name).matches()
                            && Files.exists(dir.resolve(Station.META_FILE))) {
                        openings.add(() -> stations.put(name, openStation(tenant, name, dir, schemas)));
                    }
                }
            }
        }
        ExecutorService openers = Executors.newFixedThreadPool(Math.min(OPEN_THREADS, Math.max(1, openings.size())),
                r -> {
                    Thread t = new Thread(r, "junction-open");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<?>> opened = new ArrayList<>();
            for (Runnable opening : openings) {
                opened.add(openers.submit(opening));
            }
            for (Future<?> f : opened) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while opening the stations", e);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException("opening a station failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            openers.shutdownNow();
        }
    }

    private Station openStation(String tenant, String name, Path dir, SchemaStore schemas) {
        try {
            return Station.open(context, tenant, name, dir, schemas);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Threads that open the stations when the broker starts. */
    static final int OPEN_THREADS = 8;

    private Path tenantDir(String tenant) {
        return dataDir.resolve(TENANTS_DIR).resolve(tenant);
    }

    /** The tenant a call names: {@code tenant}, or {@value #DEFAULT_TENANT} when it names none. */
    private static String tenantName(String tenant) {
        return tenant == null || tenant.isEmpty() ? DEFAULT_TENANT : tenant;
    }

    private Map<String, Station> tenant(String tenant) {
        if (closed) {
            throw new BrokerException(ErrorCode.SHUTTING_DOWN, "the broker is shutting down");
        }
        String name = tenantName(tenant);
        Map<String, Station> stations = tenants.get(name);
        if (stations == null) {
            throw unknownTenant(name);
        }
        return stations;
    }

    private static BrokerException unknownTenant(String name) {
        return new BrokerException(ErrorCode.UNKNOWN_TENANT, "tenant " + Names.quote(name) + " does not exist");
    }

    // ----- tenants -----------------------------------------------------------------------------------------------

    /**
     * Creates an empty tenant: its own stations, groups, dead letters and schemas, under
     * {@code DATA/tenants/NAME/}. Durable once this returns (the directories are fsynced).
     */
    public TenantInfo createTenant(String name) {
        return createTenant(name, TenantLimits.NONE);
    }

    /** As {@link #createTenant(String)}, with quotas. */
    public synchronized TenantInfo createTenant(String name, TenantLimits quotas) {
        tenant(DEFAULT_TENANT); // SHUTTING_DOWN
        Names.check("tenant", name);
        if (tenants.containsKey(name)) {
            throw new BrokerException(ErrorCode.TENANT_EXISTS, "tenant '" + name + "' already exists");
        }
        Path dir = tenantDir(name);
        try {
            if (Files.exists(dir)) {
                FileTrees.deleteTree(dir); // left by a deletion that crashed half way, or stray files
            }
            Files.createDirectories(dir.resolve(STATIONS_DIR));
            writeLimits(dir, quotas);
            Station.fsyncDirectory(dir);
            Station.fsyncDirectory(dir.getParent());
            schemaStores.put(name, SchemaStore.open(name, dir));
            audits.put(name, AuditLog.open(context, dir));
            installLimits(name, quotas);
            tenants.put(name, new ConcurrentHashMap<>());
        } catch (IOException e) {
            throw storage("cannot create tenant '" + name + "'", e);
        }
        LOG.log(System.Logger.Level.INFO, "tenant {0} created", name);
        return tenantInfo(name);
    }

    /**
     * Deletes a tenant with everything it holds. Refused for {@value #DEFAULT_TENANT} (INVALID_ARGUMENT), and with
     * TENANT_NOT_EMPTY while it has stations unless {@code force} (then its stations go as with
     * {@link #deleteStation}: connected members are told UNKNOWN_STATION).
     */
    public synchronized void deleteTenant(String name, boolean force) {
        if (DEFAULT_TENANT.equals(name)) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the default tenant cannot be deleted");
        }
        Map<String, Station> stations = tenant(Names.check("tenant", name));
        if (!stations.isEmpty() && !force) {
            throw new BrokerException(ErrorCode.TENANT_NOT_EMPTY, "tenant '" + name + "' still has "
                    + stations.size() + " station(s); delete them first, or delete with force");
        }
        tenants.remove(name);
        schemaStores.remove(name);
        limits.remove(name);
        paces.remove(name);
        usage.remove(name);
        produceLatency.remove(name);
        for (Station station : stations.values()) {
            station.closeForDelete();
        }
        AuditLog audit = audits.remove(name);
        if (audit != null) {
            audit.close();
        }
        Path trash = dataDir.resolve(TRASH_DIR);
        try {
            Files.createDirectories(trash);
            Path moved = trash.resolve(name + "-" + System.nanoTime());
            Files.move(tenantDir(name), moved, StandardCopyOption.ATOMIC_MOVE);
            Station.fsyncDirectory(dataDir.resolve(TENANTS_DIR));
            FileTrees.deleteTree(moved);
        } catch (IOException e) {
            throw storage("cannot delete tenant '" + name + "'", e);
        }
        LOG.log(System.Logger.Level.INFO, "tenant {0} deleted ({1} station(s))", name, stations.size());
    }

    public TenantInfo tenantInfo(String name) {
        Map<String, Station> stations = tenant(name);
        String tenant = tenantName(name);
        return new TenantInfo(tenant, stations.size(), storedBytes(stations), limits(tenant));
    }

    /** Every tenant, by name. */
    public List<TenantInfo> listTenants() {
        tenant(DEFAULT_TENANT); // SHUTTING_DOWN
        return tenants.keySet().stream().sorted().map(this::tenantInfo).toList();
    }

    /** Changes a tenant's quotas (durably); they hold from the next call on. */
    public synchronized TenantInfo updateTenant(String name, TenantLimits quotas) {
        tenant(name);
        String tenant = tenantName(name);
        try {
            writeLimits(tenantDir(tenant), quotas);
        } catch (IOException e) {
            throw storage("cannot update tenant '" + tenant + "'", e);
        }
        installLimits(tenant, quotas);
        LOG.log(System.Logger.Level.INFO, "tenant {0}: limits {1}", tenant, quotas);
        return tenantInfo(tenant);
    }

    /** A tenant's quotas ({@link TenantLimits#NONE} for a tenant without any). */
    public TenantLimits limits(String tenant) {
        return limits.getOrDefault(tenantName(tenant), TenantLimits.NONE);
    }

    static final String TENANT_FILE = "tenant.properties";

    private void installLimits(String tenant, TenantLimits quotas) {
        limits.put(tenant, quotas);
        produceLatency.computeIfAbsent(tenant, t -> new LatencyHistogram());
        Pace[] pace = paces.computeIfAbsent(tenant, t -> new Pace[] {new Pace(context::nanoTime, 0),
                new Pace(context::nanoTime, 0)});
        pace[0].rate(quotas.maxProduceBytesPerSecond());
        pace[1].rate(quotas.maxConsumeBytesPerSecond());
    }

    private static TenantLimits readLimits(Path tenantDir) throws IOException {
        Path file = tenantDir.resolve(TENANT_FILE);
        if (!Files.exists(file)) {
            return TenantLimits.NONE;
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        try {
            return new TenantLimits(Long.parseLong(p.getProperty("max.storage.bytes", "0")),
                    Long.parseLong(p.getProperty("max.produce.bytes.per.second", "0")),
                    Long.parseLong(p.getProperty("max.consume.bytes.per.second", "0")),
                    Integer.parseInt(p.getProperty("max.stations", "0")),
                    Integer.parseInt(p.getProperty("max.connections", "0")));
        } catch (RuntimeException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeLimits(Path tenantDir, TenantLimits q) throws IOException {
        String text = "# the tenant's quotas; 0 = no limit\n"
                + "max.storage.bytes=" + q.maxStorageBytes() + "\n"
                + "max.produce.bytes.per.second=" + q.maxProduceBytesPerSecond() + "\n"
                + "max.consume.bytes.per.second=" + q.maxConsumeBytesPerSecond() + "\n"
                + "max.stations=" + q.maxStations() + "\n"
                + "max.connections=" + q.maxConnections() + "\n";
        io.junction.log.DurableFiles.write(tenantDir.resolve(TENANT_FILE),
                text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static long storedBytes(Map<String, Station> stations) {
        long bytes = 0;
        for (Station s : stations.values()) {
            bytes += s.storedBytes();
        }
        return bytes;
    }

    /** The tenant's stored bytes, measured at most once a second. */
    private long storedBytesRecently(String tenant, Map<String, Station> stations) {
        long now = context.nanoTime();
        long[] measured = usage.get(tenant);
        if (measured != null && now - measured[1] < 1_000_000_000L) {
            return measured[0];
        }
        long bytes = storedBytes(stations);
        usage.put(tenant, new long[] {bytes, now});
        return bytes;
    }

    /**
     * QUOTA_EXCEEDED if storing {@code messages} would take the tenant past its storage quota; nothing of them is
     * stored then. The usage is at most a second old, so a burst can pass the quota by a second's worth.
     */
    private void checkStorage(String tenant, Map<String, Station> stations, List<OutgoingMessage> messages) {
        long max = limits(tenant).maxStorageBytes();
        if (max == 0) {
            return;
        }
        long adding = 0;
        for (OutgoingMessage m : messages) {
            adding += (m.key() == null ? 0 : m.key().length) + (m.value() == null ? 0 : m.value().length);
        }
        long used = storedBytesRecently(tenant, stations);
        if (used + adding > max) {
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "tenant '" + tenant + "' stores " + used
                    + " bytes; its storage limit is " + max + " bytes (this request adds " + adding
                    + "): free space (retention, deleting stations) or raise the limit");
        }
    }

    /** Holds {@code receipts} back as long as the tenant's produce rate asks. */
    private CompletableFuture<List<Receipt>> paced(String tenant, List<OutgoingMessage> messages,
            CompletableFuture<List<Receipt>> receipts) {
        Pace[] pace = paces.get(tenant);
        if (pace == null || limits(tenant).maxProduceBytesPerSecond() == 0) {
            return receipts;
        }
        long bytes = 0;
        for (OutgoingMessage m : messages) {
            bytes += (m.key() == null ? 0 : m.key().length) + (m.value() == null ? 0 : m.value().length);
        }
        long delay = pace[0].take(bytes);
        if (delay == 0) {
            return receipts;
        }
        return receipts.thenCompose(r -> {
            CompletableFuture<List<Receipt>> later = new CompletableFuture<>();
            context.timer().schedule(() -> later.complete(r), delay, java.util.concurrent.TimeUnit.NANOSECONDS);
            return later;
        });
    }

    /**
     * Consume pace: records {@code bytes} delivered to members of the tenant's groups; returns how long the server
     * should hold back the next credits so that deliveries keep to the tenant's consume rate (0: none).
     */
    public long consumed(String tenant, long bytes) {
        Pace[] pace = paces.get(tenantName(tenant));
        return pace == null ? 0 : pace[1].take(bytes);
    }

    /** Whether {@code tenant} exists (the default one always does). */
    public boolean hasTenant(String tenant) {
        return tenants.containsKey(tenantName(tenant));
    }

    private static final System.Logger LOG = System.getLogger(Broker.class.getName());

    // ----- audit -------------------------------------------------------------------------------------------------

    /**
     * Records an entry in the tenant's audit log ({@value #DEFAULT_TENANT}'s when the tenant does not exist, e.g.
     * a failed login naming a made-up tenant); completes once it is durable.
     */
    public CompletableFuture<Void> audit(String tenant, AuditEntry entry) {
        if (closed) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.SHUTTING_DOWN,
                    "the broker is shutting down"));
        }
        AuditLog log = audits.get(tenantName(tenant));
        if (log == null) {
            log = audits.get(DEFAULT_TENANT);
        }
        return log.append(entry);
    }

    /** The most entries one {@link #auditEntries} call returns. */
    public static final int MAX_AUDIT_ENTRIES = 10_000;

    /**
     * Up to {@code limit} (at most {@value #MAX_AUDIT_ENTRIES}) entries of the tenant's audit log recorded at or
     * after {@code sinceMs}, with ids above {@code afterId} (-1: from the first), oldest first.
     */
    public List<AuditEntry> auditEntries(String tenant, long sinceMs, long afterId, int limit) {
        tenant(tenant); // UNKNOWN_TENANT, SHUTTING_DOWN
        if (limit < 1 || limit > MAX_AUDIT_ENTRIES) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be in [1, " + MAX_AUDIT_ENTRIES
                    + "], was " + limit);
        }
        return audits.get(tenantName(tenant)).read(sinceMs, afterId, limit);
    }

    /** Tests: the group itself. */
    ConsumerGroup group(String tenant, String station, String group) {
        return station(tenant, station).existingGroup(group);
    }

    private Station station(String tenant, String name) {
        Station station = tenant(tenant).get(name);
        if (station == null) {
            Names.check("station", name);
            throw new BrokerException(ErrorCode.UNKNOWN_STATION, "station '" + name + "' does not exist");
        }
        return station;
    }

    // ----- stations ----------------------------------------------------------------------------------------------

    public synchronized StationInfo createStation(String tenant, String name, StationConfig config) {
        Map<String, Station> stations = tenant(tenant);
        Names.check("station", name);
        config.validate();
        checkSchema(tenant, config);
        checkTiering(config);
        if (stations.containsKey(name)) {
            throw new BrokerException(ErrorCode.STATION_EXISTS, "station '" + name + "' already exists");
        }
        int maxStations = limits(tenant).maxStations();
        if (maxStations > 0 && stations.size() >= maxStations) {
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "tenant '" + tenantName(tenant) + "' has "
                    + stations.size() + " stations, its limit: delete one or raise the limit");
        }
        Path dir = tenantDir(tenantName(tenant)).resolve(STATIONS_DIR).resolve(name);
        try {
            if (Files.exists(dir)) {
                FileTrees.deleteTree(dir); // a creation that crashed before its settings were written
            }
            Station station = Station.create(context, tenantName(tenant), name, dir, config, schemas(tenant));
            stations.put(name, station);
            return station.info();
        } catch (IOException e) {
            throw storage("cannot create station '" + name + "'", e);
        }
    }

    public synchronized StationInfo updateStation(String tenant, String name, StationConfig config) {
        Station station = station(tenant, name);
        config.validate();
        checkSchema(tenant, config);
        checkTiering(config);
        try {
            station.update(config);
        } catch (IOException e) {
            throw storage("cannot update station '" + name + "'", e);
        }
        return station.info();
    }

    private void checkTiering(StationConfig config) {
        if (config.tiering().enabled() && context.tiering() == null) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "tiering needs an object store: start the server "
                    + "with --s3-bucket (and --s3-endpoint for an S3-compatible store)");
        }
    }

    /**
     * Per partition of a station: what its tier holds and does (uploads pending, the last upload, errors); empty
     * on a broker without an object store.
     */
    public List<io.junction.tier.TierStatus> tierStatus(String tenant, String station) {
        return station(tenant, station).tierStatus();
    }

    /** The tier's read-back cache now; null on a broker without an object store. */
    public io.junction.tier.TierCacheStats tierCacheStats() {
        return context.tiering() == null ? null : context.tiering().cacheStats();
    }

    /**
     * Uploads and trims now, every tiered partition of the broker, on the caller's thread (the tier also does it
     * on its own every few seconds); false on a broker without an object store.
     */
    public boolean runTiering() throws InterruptedException {
        if (context.tiering() == null) {
            return false;
        }
        context.tiering().runOnce();
        return true;
    }

    /** Deletes the station, its messages and its groups; connected members are told UNKNOWN_STATION. */
    public synchronized void deleteStation(String tenant, String name) {
        Station station = station(tenant, name);
        tenant(tenant).remove(name);
        station.closeForDelete();
        Path trash = tenantDir(tenantName(tenant)).resolve(TRASH_DIR);
        try {
            Files.createDirectories(trash);
            Path moved = trash.resolve(name + "-" + System.nanoTime());
            Files.move(station.dir, moved, StandardCopyOption.ATOMIC_MOVE);
            Station.fsyncDirectory(station.dir.getParent());
            FileTrees.deleteTree(moved);
        } catch (IOException e) {
            throw storage("cannot delete station '" + name + "'", e);
        }
    }

    public StationInfo stationInfo(String tenant, String name) {
        return station(tenant, name).info();
    }

    public List<StationInfo> listStations(String tenant) {
        return tenant(tenant).values().stream().sorted(Comparator.comparing(s -> s.name)).map(Station::info)
                .toList();
    }

    // ----- produce -----------------------------------------------------------------------------------------------

    /**
     * Stores the messages and returns their receipts, in order, once they are durable. Every message is
     * checked first; when one is refused (its error names it) nothing of the request is stored.
     */
    public CompletableFuture<List<Receipt>> produce(String tenant, String station, List<OutgoingMessage> messages) {
        Station s = station(tenant, station);
        checkStorage(tenantName(tenant), tenant(tenant), messages);
        long start = context.nanoTime();
        return paced(tenantName(tenant), messages, timed(tenantName(tenant), start, s.produce(messages)));
    }

    /**
     * As {@link #produce(String, String, List)} for request {@code sequence} of the idempotent producer
     * {@code producerId}: a retry of the same request inside the station's dedup window stores nothing new and
     * gets the original receipts (marked duplicate), also after a restart. Its messages carry no msg-ids.
     */
    public CompletableFuture<List<Receipt>> produce(String tenant, String station, List<OutgoingMessage> messages,
            long producerId, int sequence) {
        Station s = station(tenant, station);
        checkStorage(tenantName(tenant), tenant(tenant), messages);
        long start = context.nanoTime();
        return paced(tenantName(tenant), messages, timed(tenantName(tenant), start,
                s.produce(messages, producerId, sequence)));
    }

    /**
     * Counts how long {@code receipts} took from {@code start} in the tenant's produce-ack latency, once they are
     * durable (failures are not counted). Returns {@code receipts} itself: the caller's future is not wrapped.
     */
    private CompletableFuture<List<Receipt>> timed(String tenant, long start,
            CompletableFuture<List<Receipt>> receipts) {
        LatencyHistogram latency = produceLatency.get(tenant);
        if (latency != null) {
            receipts.thenRun(() -> latency.record(context.nanoTime() - start));
        }
        return receipts;
    }

    // ----- metrics -----------------------------------------------------------------------------------------------

    /**
     * The station's stats; none (null) when it or its tenant was deleted (and its logs closed) while they were read.
     * A failure of a station that still exists is not hidden.
     */
    private CompletableFuture<BrokerStats.StationStats> statsOrNone(String tenant, Map<String, Station> stations,
            Station station) {
        try {
            return station.stats();
        } catch (RuntimeException e) {
            if (tenants.get(tenant) == stations && stations.get(station.name) == station) {
                throw e;
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    /** How long a scrape waits for the groups' owner threads to answer, at most. */
    static final long STATS_TIMEOUT_SECONDS = 10;

    /**
     * Counters and state of the tenants {@code tenants} lets through (and of their stations {@code stations} lets
     * through: tenant, station), read now, for metrics: nothing is registered anywhere, so a deleted tenant, station
     * or group is simply not in the next answer. Every group answers on its owner thread, all at once; one that
     * does not within {@value #STATS_TIMEOUT_SECONDS} s fails the call (INTERNAL) rather than hide it.
     */
    public BrokerStats stats(java.util.function.Predicate<String> tenants,
            java.util.function.BiPredicate<String, String> stations) {
        tenant(DEFAULT_TENANT); // SHUTTING_DOWN
        List<String> names = this.tenants.keySet().stream().filter(tenants).sorted().toList();
        List<CompletableFuture<BrokerStats.TenantStats>> asked = new ArrayList<>();
        for (String tenant : names) {
            Map<String, Station> of = this.tenants.get(tenant);
            LatencyHistogram latency = produceLatency.get(tenant);
            if (of == null || latency == null) {
                continue; // deleted meanwhile
            }
            List<CompletableFuture<BrokerStats.StationStats>> perStation = of.values().stream()
                    .filter(s -> stations.test(tenant, s.name)).sorted(Comparator.comparing(s -> s.name))
                    .map(s -> statsOrNone(tenant, of, s)).toList();
            asked.add(CompletableFuture.allOf(perStation.toArray(CompletableFuture[]::new)).thenApply(ignored ->
                    new BrokerStats.TenantStats(tenant, latency.snapshot(), perStation.stream()
                            .map(CompletableFuture::join).filter(s -> s != null).toList())));
        }
        try {
            CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                    .get(STATS_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException(ErrorCode.INTERNAL, "interrupted while reading the broker's stats");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new BrokerException(ErrorCode.INTERNAL, "cannot read the broker's stats: " + e, e);
        }
        return new BrokerStats(asked.stream().map(CompletableFuture::join).toList(), context.fsyncs().snapshot());
    }

    // ----- groups ------------------------------------------------------------------------------------------------

    public GroupInfo createGroup(String tenant, String station, String group, StartPosition start) {
        return createGroup(tenant, station, group, start, null);
    }

    /**
     * Creates the group (or returns the existing one, unchanged) starting at {@code start}, with
     * {@code ordering}; null ordering = the station's default.
     */
    public GroupInfo createGroup(String tenant, String station, String group, StartPosition start,
            Ordering ordering) {
        return createGroup(tenant, station, group, start, ordering, null);
    }

    /**
     * Creates the group (or returns the existing one, unchanged) starting at {@code start}, with
     * {@code ordering} and {@code onDeadLetter}; null = the station's default.
     */
    public GroupInfo createGroup(String tenant, String station, String group, StartPosition start,
            Ordering ordering, OnDeadLetter onDeadLetter) {
        return createGroup(tenant, station, group, start, ordering, onDeadLetter, null);
    }

    /**
     * As above; {@code history} FULL reads every record ever appended from a tiered station's object store
     * (INVALID_ARGUMENT on a station without tiering); null = the compacted view.
     */
    public GroupInfo createGroup(String tenant, String station, String group, StartPosition start,
            Ordering ordering, OnDeadLetter onDeadLetter, History history) {
        Names.check("group", group);
        return station(tenant, station).group(group, start == null ? StartPosition.earliest() : start, ordering,
                onDeadLetter, history).info();
    }

    /**
     * Deletes a group with its state and its open dead letters. Refused with GROUP_IN_USE while members are
     * connected, unless {@code force} (their streams then end with UNKNOWN_GROUP).
     */
    public void deleteGroup(String tenant, String station, String group, boolean force) {
        Names.check("group", group);
        station(tenant, station).deleteGroup(group, force);
    }

    public GroupInfo groupInfo(String tenant, String station, String group) {
        return station(tenant, station).group(group, null, null, null).info();
    }

    public List<GroupInfo> listGroups(String tenant, String station) {
        return station(tenant, station).groups().stream().map(ConsumerGroup::info).toList();
    }

    /**
     * Joins {@code group} (created at {@code start} when it does not exist yet) as a new member with
     * {@code credits} initial credits; messages go to {@code sink}.
     */
    public GroupMember subscribe(String tenant, String station, String group, StartPosition start, String memberName,
            int credits, DeliverySink sink) {
        return subscribe(tenant, station, group, start, null, memberName, credits, sink);
    }

    /** As {@link #subscribe(String, String, String, StartPosition, String, int, DeliverySink)}; {@code ordering}
     * (null = the station's default) applies only when this call creates the group. */
    public GroupMember subscribe(String tenant, String station, String group, StartPosition start, Ordering ordering,
            String memberName, int credits, DeliverySink sink) {
        return subscribe(tenant, station, group, start, ordering, null, memberName, credits, sink);
    }

    /** As above; {@code ordering} and {@code onDeadLetter} (null = the station's defaults) apply only when this
     * call creates the group. */
    public GroupMember subscribe(String tenant, String station, String group, StartPosition start, Ordering ordering,
            OnDeadLetter onDeadLetter, String memberName, int credits, DeliverySink sink) {
        return subscribe(tenant, station, group, start, ordering, onDeadLetter, null, memberName, credits, sink);
    }

    /** As above; {@code history} (null = compacted) applies only when this call creates the group. */
    public GroupMember subscribe(String tenant, String station, String group, StartPosition start, Ordering ordering,
            OnDeadLetter onDeadLetter, History history, String memberName, int credits, DeliverySink sink) {
        Names.check("group", group);
        Names.checkMemberName(memberName);
        return station(tenant, station).group(group, start == null ? StartPosition.earliest() : start, ordering,
                onDeadLetter, history).join(memberName, credits, sink);
    }

    /**
     * Moves a group's position, like Kafka's offset reset: on {@code partition} (every partition when null) the
     * group goes on from {@code to} (earliest, latest, an offset, the first message at or after a time, the last N).
     * Everything at or after the new position is delivered again (acks and delivery counts above it are
     * forgotten), nothing below it is; the group's open dead letters stay in the dead-letter station and stay done
     * for the group (resend them to have them processed again), as after a restart. Durable when this returns (a
     * snapshot of the group's journal, fsynced).
     *
     * @return the group as it is after the reset
     * @throws BrokerException GROUP_IN_USE while members are connected (stop them first); UNKNOWN_GROUP;
     *     INVALID_PARTITION; OFFSET_OUT_OF_RANGE for an offset beyond a partition's end or below its start (checked
     *     on every partition concerned before anything changes); INVALID_ARGUMENT for a negative offset, time or N
     */
    public GroupInfo resetGroup(String tenant, String station, String group, StartPosition to, Integer partition) {
        Names.check("group", group);
        if (to == null) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "a reset needs a position (earliest, latest, an "
                    + "offset, a timestamp or last N)");
        }
        return station(tenant, station).resetGroup(group, to, partition);
    }

    // ----- browsing ----------------------------------------------------------------------------------------------

    /** The most messages one {@link #browse} returns. */
    public static final int MAX_BROWSE_LIMIT = Browsing.MAX_LIMIT;

    /** As {@link #browse(String, String, int, StartPosition, int, String, long)} without a byte bound. */
    public BrowseResult browse(String tenant, String station, int partition, StartPosition from, int limit,
            String search) {
        return browse(tenant, station, partition, from, limit, search, Long.MAX_VALUE);
    }

    /**
     * Reads a partition's stored messages without a group (nothing changes for any group): from {@code from} (null:
     * earliest; an offset below the partition's start starts there, one beyond its end at the end), at most
     * {@code limit} messages and about {@code maxBytes} of keys, values and headers (one message always goes), and
     * with a {@code search} text (null or "": none) only the messages whose key, value, a header name or a header
     * value contains it (case-sensitive, compared as UTF-8 bytes). One call looks at about 16 MiB of stored
     * messages at most: a page may then hold fewer messages than asked without being the end — go on from its
     * {@link BrowseResult#nextOffset()} until {@link BrowseResult#endReached()}.
     *
     * @throws BrokerException INVALID_PARTITION; INVALID_ARGUMENT for a limit outside [1, 1000], a negative offset,
     *     time or N, or a search text over 1024 bytes
     */
    public BrowseResult browse(String tenant, String station, int partition, StartPosition from, int limit,
            String search, long maxBytes) {
        return station(tenant, station).browse(partition, from, limit, search, maxBytes);
    }

    // ----- schemas -----------------------------------------------------------------------------------------------

    private SchemaStore schemas(String tenant) {
        tenant(tenant); // UNKNOWN_TENANT, SHUTTING_DOWN
        return schemaStores.get(tenantName(tenant));
    }

    /** A station's schema must exist, and so must a fixed version of it. */
    private void checkSchema(String tenant, StationConfig config) {
        if (config.schema() != null) {
            SchemaStore.Entry e = schemas(tenant).get(config.schema().name());
            if (config.schema().version() != 0) {
                e.version(config.schema().version());
            }
        }
    }

    /** {@link #createSchema(String, String, SchemaType, String, String, Compatibility)} with no message type. */
    public SchemaInfo createSchema(String tenant, String name, SchemaType type, String definition,
            Compatibility compatibility) {
        return createSchema(tenant, name, type, definition, null, compatibility);
    }

    /**
     * Registers a schema with its first version.
     *
     * @param messageType Protobuf: the message type values are (null: the file's first message); else null
     * @throws BrokerException INVALID_SCHEMA (the parser's reason), SCHEMA_EXISTS, INVALID_NAME
     */
    public synchronized SchemaInfo createSchema(String tenant, String name, SchemaType type, String definition,
            String messageType, Compatibility compatibility) {
        SchemaStore store = schemas(tenant);
        return store.info(store.create(name, type, definition, messageType, compatibility == null
                ? Compatibility.DEFAULT : compatibility, context.clock().millis()), List.of());
    }

    /** {@link #addSchemaVersion(String, String, String, String)} with no message type. */
    public SchemaInfo addSchemaVersion(String tenant, String name, String definition) {
        return addSchemaVersion(tenant, name, definition, null);
    }

    /**
     * Adds the schema's next version.
     *
     * @throws BrokerException INVALID_SCHEMA, INCOMPATIBLE_SCHEMA (what breaks the schema's compatibility)
     */
    public synchronized SchemaInfo addSchemaVersion(String tenant, String name, String definition,
            String messageType) {
        return addSchemaVersion(tenant, name, definition, messageType, false);
    }

    /**
     * As {@link #addSchemaVersion(String, String, String, String)}; with {@code dryRun}, only checks: the answer is
     * the schema as it would be with the version, or the same error, and nothing is stored.
     */
    public synchronized SchemaInfo addSchemaVersion(String tenant, String name, String definition,
            String messageType, boolean dryRun) {
        SchemaStore store = schemas(tenant);
        return store.info(store.addVersion(name, definition, messageType, dryRun), stationsUsing(tenant, name));
    }

    public SchemaInfo schemaInfo(String tenant, String name) {
        SchemaStore store = schemas(tenant);
        return store.info(store.get(name), stationsUsing(tenant, name));
    }

    public List<SchemaInfo> listSchemas(String tenant) {
        SchemaStore store = schemas(tenant);
        return store.list().stream().map(e -> store.info(e, stationsUsing(tenant, e.name()))).toList();
    }

    /** Deletes a schema and its versions; refused with SCHEMA_IN_USE while a station uses it. */
    public synchronized void deleteSchema(String tenant, String name) {
        List<String> using = stationsUsing(tenant, name);
        if (!using.isEmpty()) {
            throw new BrokerException(ErrorCode.SCHEMA_IN_USE, "schema '" + name + "' is attached to station"
                    + (using.size() == 1 ? " '" : "s '") + String.join("', '", using) + "': detach it first");
        }
        schemas(tenant).delete(name);
    }

    /**
     * Attaches a schema to a station ({@code version} 0: the latest at each produce); from now on every value
     * produced to it is validated. {@code deadLetterViolations}: keep refused messages in the station's DLS.
     */
    public synchronized StationInfo attachSchema(String tenant, String station, String schema, int version,
            boolean deadLetterViolations) {
        if (version < 0) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "a schema version is 1 or more (0: the latest), "
                    + "was " + version);
        }
        Station s = station(tenant, station);
        return updateStation(tenant, station, s.config().withSchema(new StationConfig.SchemaBinding(schema, version,
                deadLetterViolations)));
    }

    /** Detaches the station's schema (if any): values are no longer validated. */
    public synchronized StationInfo detachSchema(String tenant, String station) {
        Station s = station(tenant, station);
        return updateStation(tenant, station, s.config().withSchema(null));
    }

    private List<String> stationsUsing(String tenant, String schema) {
        return tenant(tenant).values().stream().filter(s -> s.config().schema() != null
                && s.config().schema().name().equals(schema)).map(s -> s.name).sorted().toList();
    }

    /** Runs the station's retention now (it also runs every minute); returns what it removed. */
    public RetentionResult runRetention(String tenant, String station) {
        return station(tenant, station).retain();
    }

    /**
     * Runs a key-compaction pass over the station now and waits for it (throttled like the background passes);
     * a station without compaction returns {@link CompactionResult#NONE}.
     */
    public CompactionResult runCompaction(String tenant, String station) {
        try {
            return station(tenant, station).compact(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException(ErrorCode.SHUTTING_DOWN, "compaction of '" + station + "' was interrupted");
        }
    }

    // ----- dead letters ------------------------------------------------------------------------------------------

    /**
     * The station's open dead letters of {@code group} (every group when null), oldest first: at most
     * {@code limit}, with ids above {@code afterId} (-1: from the first).
     */
    public List<DeadLetter> listDeadLetters(String tenant, String station, String group, long afterId, int limit) {
        return listDeadLetters(tenant, station, group, afterId, limit, Long.MAX_VALUE);
    }

    /**
     * As above, stopping once the letters hold {@code maxBytes} (keys, values, headers; at least one letter): a
     * page may be shorter than {@code limit}; page on after its last id until a page is empty.
     */
    public List<DeadLetter> listDeadLetters(String tenant, String station, String group, long afterId, int limit,
            long maxBytes) {
        if (limit < 1) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be positive, was " + limit);
        }
        return station(tenant, station).listDeadLetters(emptyToNull(group), afterId, limit, maxBytes);
    }

    /**
     * Hands the dead letters {@code ids} (or all of them, of {@code group} when given) back to the group that
     * failed each; returns how many. Every id must be an open dead letter, else nothing is done
     * (UNKNOWN_DEAD_LETTER).
     */
    public int resendDeadLetters(String tenant, String station, List<Long> ids, boolean all, String group) {
        return station(tenant, station).resendDeadLetters(ids, all, emptyToNull(group));
    }

    /** Forgets the dead letters {@code ids} (or all, of {@code group} when given); returns how many. */
    public int dropDeadLetters(String tenant, String station, List<Long> ids, boolean all, String group) {
        return station(tenant, station).dropDeadLetters(ids, all, emptyToNull(group));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // ----- lifecycle ---------------------------------------------------------------------------------------------

    /** Stops every group (members are told SHUTTING_DOWN), writes group snapshots, closes every log. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        context.stopCompactor();
        for (Map<String, Station> stations : tenants.values()) {
            for (Station station : stations.values()) {
                station.close();
            }
        }
        audits.values().forEach(AuditLog::close);
        if (context.tiering() != null) {
            context.tiering().close();
        }
        context.close();
    }

    private static BrokerException storage(String what, IOException e) {
        return new BrokerException(ErrorCode.STORAGE_ERROR, what + ": " + e.getMessage(), e);
    }
}
