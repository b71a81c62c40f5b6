package io.junction.broker.internal.station;

import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.BrokerStats;
import io.junction.broker.BrowseResult;
import io.junction.broker.CompactionResult;
import io.junction.broker.DeadLetter;
import io.junction.broker.GroupInfo;
import io.junction.broker.History;
import io.junction.broker.MessageRef;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.Receipt;
import io.junction.broker.RetentionResult;
import io.junction.broker.StartPosition;
import io.junction.broker.StationConfig;
import io.junction.broker.StationInfo;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.SchemaStore;
import io.junction.broker.internal.group.ConsumerGroup;
import io.junction.errors.ErrorCode;
import io.junction.log.DurableFiles;
import io.junction.log.FileTrees;
import io.junction.log.LogConfig;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.tier.TierPolicy;
import io.junction.tier.TierStatus;
import io.junction.tier.TieredStore;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One station: its settings (kept in {@code station.properties}), one {@link PartitionStore} per partition, and its
 * consumer groups.
 *
 * <pre>
 * DATA/tenants/TENANT/stations/NAME/
 *   station.properties        settings; rewritten through station.properties.tmp + rename
 *   partitions/0/ ...         one partition log per partition (docs/log-format.md)
 *   groups/GROUP/journal/     the group's state journal (see ConsumerGroup)
 *   dls/                      the dead-letter station (see DeadLetters)
 * </pre>
 *
 * <p>Thread-safety: produce may be called from any thread (each {@link Partition} applies its appends in order);
 * settings are replaced atomically; groups are created under the station's lock. Retention (on the broker's timer
 * thread or an admin call) and dead-letter resend/drop also hold the station's lock, and wait for groups' owner
 * threads (their ack floors, a resend made durable); an owner thread never takes the station's lock, so this cannot
 * deadlock.
 */
public final class Station {

    public static final String META_FILE = "station.properties";
    static final String PARTITIONS_DIR = "partitions";
    public static final String GROUPS_DIR = "groups";
    /** A group directory being deleted is first renamed to this prefix, which no group name can start with. */
    public static final String DELETED_GROUP_PREFIX = ".deleted-";
    private static final System.Logger LOG = System.getLogger(Station.class.getName());

    final String tenant;
    public final String name;
    public final Path dir;
    final long createdAtMs;
    private final BrokerContext context;
    private final PartitionStore[] partitions;
    /** The partitions' single writers (their appends); reads go to the stores directly. */
    private final Partition[] writers;
    private final ConcurrentHashMap<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
    private final ProducePipeline producer;
    private final StationMaintenance maintenance;
    private final DeadLetters deadLetters;
    /** This station as its groups see it. */
    private final StationForGroups forGroups;
    /** The tenant's schema registry, for the station's schema (if it has one). */
    private final SchemaStore schemas;
    private volatile StationConfig config;
    /** Its traffic since the broker opened it (metrics). */
    public final StationCounters counters = new StationCounters();


    private Station(BrokerContext context, String tenant, String name, Path dir, StationConfig config,
            long createdAtMs, PartitionStore[] partitions, DeadLetters deadLetters, SchemaStore schemas) {
        this.context = context;
        this.schemas = schemas;
        this.tenant = tenant;
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.createdAtMs = createdAtMs;
        this.partitions = partitions;
        this.deadLetters = deadLetters;
        this.forGroups = new StationForGroups(this, deadLetters);
        this.writers = new Partition[partitions.length];
        for (int p = 0; p < partitions.length; p++) {
            writers[p] = new Partition("station '" + name + "' partition " + p, partitions[p],
                    context.partitionExecutor());
        }
        this.producer = new ProducePipeline(context, name, writers, () -> this.config, deadLetters, schemas,
                (messages, bytes) -> {
                    counters.produced(messages, bytes);
                    groups.values().forEach(ConsumerGroup::onAppend);
                });
        this.maintenance = new StationMaintenance(context, name, partitions, () -> this.config, groups::values,
                deadLetters, this);
        for (PartitionStore log : partitions) {
            if (log instanceof TieredStore tiered) { // a segment a group waited for is in the cache: go on
                tiered.onRemoteReady(() -> groups.values().forEach(ConsumerGroup::wake));
            }
        }
    }

    /** See {@link StationMaintenance#retain()}. */
    public RetentionResult retain() {
        return maintenance.retain();
    }

    /** See {@link StationMaintenance#compact(boolean)}. */
    public CompactionResult compact(boolean onlyIfDue) throws InterruptedException {
        return maintenance.compact(onlyIfDue);
    }


    public static Station create(BrokerContext context, String tenant, String name, Path dir, StationConfig config,
            SchemaStore schemas) throws IOException {
        Files.createDirectories(dir.resolve(PARTITIONS_DIR));
        long now = context.clock().millis();
        writeMeta(dir, config, now);
        return open(context, tenant, name, dir, schemas);
    }

    public static Station open(BrokerContext context, String tenant, String name, Path dir, SchemaStore schemas)
            throws IOException {
        Properties meta = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(META_FILE), StandardCharsets.UTF_8)) {
            meta.load(in);
        }
        StationConfig config = readConfig(meta);
        long createdAt = Long.parseLong(meta.getProperty("created.at.ms", "0"));
        PartitionStore[] logs = new PartitionStore[config.partitions()];
        DeadLetters dls = null;
        // The tier reads the station's settings as they are when it acts (an update may turn tiering on or off).
        java.util.concurrent.atomic.AtomicReference<Station> opened =
                new java.util.concurrent.atomic.AtomicReference<>();
        try {
            for (int p = 0; p < logs.length; p++) {
                logs[p] = context.openStore(dir.resolve(PARTITIONS_DIR).resolve(Integer.toString(p)),
                        config.segmentBytes() == 0 ? context.logConfig()
                                : BrokerContext.partitionLogConfig(context.config(), config.segmentBytes(),
                                        context.fsyncs().partitions()::record));
                if (context.tiering() != null) {
                    StationConfig initial = config;
                    logs[p] = context.tiering().open(logs[p], tenant, name, p, () -> tierPolicy(
                            opened.get() == null ? initial : opened.get().config));
                }
            }
            dls = DeadLetters.open(context, dir);
        } catch (RuntimeException e) {
            Arrays.stream(logs).filter(l -> l != null).forEach(PartitionStore::close);
            throw e;
        }
        Station station = new Station(context, tenant, name, dir, config, createdAt, logs, dls, schemas);
        opened.set(station);
        LOG.log(System.Logger.Level.INFO, "station {0}: opened, offsets {1}, remembering {2} msg-ids and {3} "
                + "producer requests", name, Arrays.stream(logs).map(l -> l.firstOffset() + ".." + l.nextOffset())
                .toList(), station.producer.rememberedMsgIds(), station.producer.rememberedRequests());
        Path groupsDir = dir.resolve(GROUPS_DIR);
        if (Files.isDirectory(groupsDir)) {
            try (var entries = Files.list(groupsDir)) {
                for (Path groupDir : entries.filter(Files::isDirectory).sorted().toList()) {
                    String group = groupDir.getFileName().toString();
                    if (group.startsWith(DELETED_GROUP_PREFIX)) { // a deletion a crash interrupted: finish it
                        FileTrees.deleteTree(groupDir);
                        continue;
                    }
                    station.groups.put(group, ConsumerGroup.open(context, station.forGroups, group, groupDir, null,
                            null, null, null));
                }
            }
        }
        return station;
    }

    public StationConfig config() {
        return config;
    }

    /** What the tier of each partition does under {@code c}. */
    static TierPolicy tierPolicy(StationConfig c) {
        StationConfig.Tiering t = c.tiering();
        Duration age = t.localRetention() == null && t.localRetentionBytes() == 0
                ? StationConfig.Tiering.DEFAULT_LOCAL_RETENTION : t.localRetention();
        return new TierPolicy(t.enabled(), age, t.localRetentionBytes(), c.compaction().enabled(), c.dedupWindow());
    }

    /** Per partition, its tier's status; empty when the broker has no object store. */
    public List<TierStatus> tierStatus() {
        List<TierStatus> out = new ArrayList<>();
        for (PartitionStore log : partitions) {
            if (log instanceof TieredStore tiered) {
                out.add(tiered.status());
            }
        }
        return out;
    }

    /**
     * The partition as a group reads it: the full history of a tiered partition ({@link TieredStore#history()}:
     * every record as appended, from the object store below the uploaded end) or the station's own view.
     */
    public PartitionStore partition(int p, History history) {
        PartitionStore log = partitions[p];
        return history == History.FULL && log instanceof TieredStore tiered ? tiered.history() : log;
    }

    public Clock clock() {
        return context.clock();
    }

    public int partitionCount() {
        return partitions.length;
    }

    public PartitionStore partition(int p) {
        return partitions[p];
    }

    public synchronized void update(StationConfig newConfig) throws IOException {
        if (newConfig.partitions() != config.partitions()) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "partitions are fixed at creation: station '" + name
                    + "' has " + config.partitions() + ", the update asked for " + newConfig.partitions());
        }
        if (newConfig.segmentBytes() != config.segmentBytes()) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "segment bytes are fixed at creation: station '"
                    + name + "' has " + config.segmentBytes() + ", the update asked for " + newConfig.segmentBytes());
        }
        writeMeta(dir, newConfig, createdAtMs);
        boolean compactionTurnedOn = newConfig.compaction().enabled() && !config.compaction().enabled();
        config = newConfig;
        if (compactionTurnedOn) {
            maintenance.checkCompaction();
        }
    }

    /** See {@link ProducePipeline#produce(List)}. */
    public CompletableFuture<List<Receipt>> produce(List<OutgoingMessage> messages) {
        return producer.produce(messages);
    }

    /** See {@link ProducePipeline#produce(List, long, int)}. */
    public CompletableFuture<List<Receipt>> produce(List<OutgoingMessage> messages, long producerId, int sequence) {
        return producer.produce(messages, producerId, sequence);
    }

    /**
     * The group, created with {@code start}, {@code ordering} and {@code onDeadLetter} (null: the station's
     * defaults) when missing;
     * with a null {@code start} the group must exist.
     */
    public ConsumerGroup group(String group, StartPosition start, Ordering ordering, OnDeadLetter onDeadLetter) {
        return group(group, start, ordering, onDeadLetter, null);
    }

    /** As above; {@code history} (null: the compacted view) applies when this call creates the group. */
    public ConsumerGroup group(String group, StartPosition start, Ordering ordering, OnDeadLetter onDeadLetter,
            History history) {
        ConsumerGroup existing = groups.get(group);
        if (existing != null) {
            return existing;
        }
        if (start == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' does not exist on station '"
                    + name + "'");
        }
        lookUpOffLock(start, history == null ? History.COMPACTED : history, -1);
        synchronized (this) {
            existing = groups.get(group);
            if (existing != null) {
                return existing;
            }
            try {
                if (history == History.FULL && !config.tiering().enabled()) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "history full reads the history kept in "
                            + "the object store: station '" + name + "' has tiering off");
                }
                ConsumerGroup created = ConsumerGroup.open(context, forGroups, group,
                        dir.resolve(GROUPS_DIR).resolve(group), start, ordering, onDeadLetter, history);
                groups.put(group, created);
                return created;
            } catch (IOException e) {
                throw new BrokerException(ErrorCode.STORAGE_ERROR, "cannot create group '" + group + "': "
                        + e.getMessage(), e);
            }
        }
    }

    public List<ConsumerGroup> groups() {
        return groups.values().stream().sorted((a, b) -> a.name.compareTo(b.name)).toList();
    }

    /** The bytes its partitions store (what a tenant's storage quota counts). */
    public long storedBytes() {
        long bytes = 0;
        for (PartitionStore log : partitions) {
            bytes += log.sizeInBytes();
        }
        return bytes;
    }

    public StationInfo info() {
        List<StationInfo.PartitionInfo> infos = new ArrayList<>();
        long messages = 0;
        long bytes = 0;
        for (int p = 0; p < partitions.length; p++) {
            PartitionStore log = partitions[p];
            long first = log.firstOffset();
            long next = log.nextOffset();
            long size = log.sizeInBytes();
            if (log instanceof TieredStore tiered) {
                TierStatus t = tiered.status();
                infos.add(new StationInfo.PartitionInfo(p, first, next, size, t.localFirstOffset(), t.localBytes(),
                        t.remoteFirstOffset(), t.remoteEndOffset(), t.remoteBytes()));
            } else {
                infos.add(new StationInfo.PartitionInfo(p, first, next, size));
            }
            messages += log.recordCount(); // fewer than the offsets once compacted
            bytes += size;
        }
        StationMaintenance.Run<RetentionResult> retained = maintenance.lastRetention();
        StationMaintenance.Run<CompactionResult> compacted = maintenance.lastCompaction();
        return new StationInfo(tenant, name, config, infos, messages, bytes, createdAtMs,
                retained == null ? 0 : retained.atMs(), retained == null ? null : retained.result(),
                compacted == null ? 0 : compacted.atMs(), compacted == null ? null : compacted.result());
    }

    /**
     * Its counters, sizes and groups' state now, for metrics. The groups answer on their owner threads, all at once;
     * the future completes when every one did (a group closed meanwhile is left out).
     */
    public CompletableFuture<BrokerStats.StationStats> stats() {
        long storedMessages = 0;
        long storedBytes = 0;
        for (PartitionStore log : partitions) {
            storedMessages += log.recordCount();
            storedBytes += log.sizeInBytes();
        }
        long messages = storedMessages;
        long bytes = storedBytes;
        List<CompletableFuture<BrokerStats.GroupStats>> asked = groups().stream().map(ConsumerGroup::stats).toList();
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(ignored ->
                new BrokerStats.StationStats(name, partitions.length, counters.producedMessages.sum(),
                        counters.producedBytes.sum(), counters.consumedMessages.sum(), counters.consumedBytes.sum(),
                        bytes, messages, deadLetters.count(null), asked.stream().map(CompletableFuture::join)
                                .filter(g -> g != null).toList()));
    }

    public void close() {
        close(new BrokerException(ErrorCode.SHUTTING_DOWN, "the broker is shutting down"));
    }

    public void closeForDelete() {
        close(new BrokerException(ErrorCode.UNKNOWN_STATION, "station '" + name + "' was deleted"));
        for (PartitionStore log : partitions) {
            if (log instanceof TieredStore tiered) {
                try {
                    tiered.destroyRemote();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "station " + name + ": its objects in the object store "
                            + "could not all be deleted (delete them by hand under " + tenant + "/" + name + "/)", e);
                }
            }
        }
    }

    private void close(BrokerException reason) {
        maintenance.stop();
        for (ConsumerGroup group : groups.values()) {
            group.close(reason);
        }
        for (Partition writer : writers) {
            writer.close();
        }
        deadLetters.close();
    }

    // ----- browsing and resetting --------------------------------------------------------------------------------

    /** See {@link Broker#browse}; {@code schemaVersion} resolves a binding to the latest version (0) now. */
    public BrowseResult browse(int partition, StartPosition from, int limit, String search, long maxBytes) {
        checkPartition(partition);
        StationConfig.SchemaBinding binding = config.schema();
        String schemaName = "";
        int schemaVersion = 0;
        if (binding != null) {
            schemaName = binding.name();
            schemaVersion = binding.version();
            if (schemaVersion == 0) {
                try {
                    schemaVersion = schemas.get(binding.name()).versions().size();
                } catch (BrokerException deleted) {
                    schemaVersion = 0; // a schema cannot be deleted while attached; never mind a race
                }
            }
        }
        return Browsing.browse(partitions[partition], partition, from, limit, search, maxBytes, schemaName,
                schemaVersion);
    }

    /**
     * Moves {@code group}'s position on {@code partition} (every partition when null) to {@code to}; see
     * {@link ConsumerGroup#reset}. Under the station's lock, so it cannot race the group's deletion.
     */
    public GroupInfo resetGroup(String group, StartPosition to, Integer partition) {
        lookUpOffLock(to, existingGroup(group).history(), partition == null ? -1 : partition);
        return resetGroupLocked(group, to, partition);
    }

    private synchronized GroupInfo resetGroupLocked(String group, StartPosition to, Integer partition) {
        ConsumerGroup g = existingGroup(group);
        if (partition != null) {
            checkPartition(partition);
        }
        return g.reset(to, partition == null ? -1 : partition);
    }

    /**
     * A start at a time looked up once on {@code partition} (every one when -1) before the station's lock is taken:
     * a time inside a remote segment downloads that segment into the tier's cache here, so that the lookup made
     * again under the lock (creating or resetting the group) finds it there, and other calls on the station do not
     * wait for the download. Errors are left for that second lookup to report.
     */
    private void lookUpOffLock(StartPosition start, History view, int partition) {
        if (!(start instanceof StartPosition.AtTimestamp t) || t.timestampMs() < 0) {
            return;
        }
        for (int p = Math.max(0, partition); p < partitions.length && (partition < 0 || p == partition); p++) {
            try {
                forGroups.partition(p, view).offsetForTimestamp(t.timestampMs());
            } catch (RuntimeException later) {
                // reported by the lookup under the lock
            }
        }
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new BrokerException(ErrorCode.INVALID_PARTITION, "station '" + name + "' has partitions 0.."
                    + (partitions.length - 1) + ", not " + partition);
        }
    }

    // ----- dead letters ------------------------------------------------------------------------------------------

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /** The open dead letters of {@code group} (every group when null), oldest first, ids above {@code afterId}. */
    public List<DeadLetter> listDeadLetters(String group, long afterId, int limit, long maxBytes) {
        if (group != null && !groups.containsKey(group)) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' does not exist on station '"
                    + name + "'");
        }
        return deadLetters.list(group, afterId, limit, maxBytes);
    }

    /**
     * Hands dead letters back to the group that failed each (that group only), at their original partition and
     * offset, so their key order holds; their delivery count starts again. Returns how many.
     */
    public synchronized int resendDeadLetters(List<Long> ids, boolean all, String group) {
        List<DeadLetters.Open> selected = selectDeadLetters(ids, all, group);
        Map<String, List<ConsumerGroup.Resent>> byGroup = new LinkedHashMap<>();
        List<Long> resent = new ArrayList<>();
        for (DeadLetters.Open o : selected) {
            if (o.group().isEmpty()) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "dead letter " + o.id() + " is a message the "
                        + "station's schema refused: it was never stored, so there is no group to resend it to; fix "
                        + "it and produce it again, then drop it");
            }
        }
        for (DeadLetters.Open o : selected) {
            Record record = deadLetters.read(o.id());
            if (record == null) {
                continue; // removed by retention meanwhile
            }
            byGroup.computeIfAbsent(o.group(), g -> new ArrayList<>())
                    .add(new ConsumerGroup.Resent(o.id(), o.partition(), DeadLetters.original(record)));
            resent.add(o.id());
        }
        // The group first (durable), then the DLS: a crash in between leaves the letter both open and resent,
        // and resending it again changes nothing; the other order could lose it.
        byGroup.forEach((g, letters) -> existingGroup(g).resend(letters));
        deadLetters.resolve(resent, DeadLetters.Resolution.RESEND);
        return resent.size();
    }

    /** Forgets dead letters; in PARK groups their keys go on. Returns how many. */
    public synchronized int dropDeadLetters(List<Long> ids, boolean all, String group) {
        List<DeadLetters.Open> selected = selectDeadLetters(ids, all, group);
        deadLetters.resolve(selected.stream().map(DeadLetters.Open::id).toList(), DeadLetters.Resolution.DROP);
        Map<String, List<MessageRef>> byGroup = new LinkedHashMap<>();
        for (DeadLetters.Open o : selected) {
            byGroup.computeIfAbsent(o.group(), g -> new ArrayList<>()).add(new MessageRef(o.partition(), o.offset()));
        }
        byGroup.forEach((g, refs) -> {
            ConsumerGroup consumerGroup = groups.get(g);
            if (consumerGroup != null) {
                consumerGroup.dropped(refs);
            }
        });
        return selected.size();
    }

    /** Every id must be an open dead letter (of {@code group} when given): else nothing is done. */
    private List<DeadLetters.Open> selectDeadLetters(List<Long> ids, boolean all, String group) {
        if (group != null && !groups.containsKey(group)) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' does not exist on station '"
                    + name + "'");
        }
        if (all) {
            if (!ids.isEmpty()) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "give dead-letter ids or all, not both");
            }
            return deadLetters.openOf(group);
        }
        if (ids.isEmpty()) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "no dead-letter ids given (or ask for all)");
        }
        List<DeadLetters.Open> selected = new ArrayList<>();
        for (long id : new TreeSet<>(ids)) {
            DeadLetters.Open o = deadLetters.get(id);
            if (o == null) {
                throw new BrokerException(ErrorCode.UNKNOWN_DEAD_LETTER, "station '" + name + "' has no open dead "
                        + "letter " + id);
            }
            if (group != null && !group.equals(o.group())) {
                throw new BrokerException(ErrorCode.UNKNOWN_DEAD_LETTER, "dead letter " + id + " belongs to group '"
                        + o.group() + "', not '" + group + "'");
            }
            selected.add(o);
        }
        return selected;
    }

    /**
     * Deletes a group: its state, its open dead letters (dropped) and its directory. Refused with GROUP_IN_USE while
     * members are connected, unless {@code force}: then they are removed and their streams end with UNKNOWN_GROUP.
     * The directory is first renamed to a name no group can have, so a crash leaves either the whole group or
     * nothing of it (the leftover is removed when the station opens).
     */
    public synchronized void deleteGroup(String group, boolean force) {
        ConsumerGroup g = existingGroup(group);
        int members = g.memberCount();
        if (members > 0 && !force) {
            throw new BrokerException(ErrorCode.GROUP_IN_USE, "group '" + group + "' of station '" + name + "' has "
                    + members + " connected member(s); stop them first, or force the deletion");
        }
        List<DeadLetters.Open> letters = deadLetters.openOf(group);
        if (!letters.isEmpty()) {
            deadLetters.resolve(letters.stream().map(DeadLetters.Open::id).toList(), DeadLetters.Resolution.DROP);
        }
        groups.remove(group);
        g.close(new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' of station '" + name
                + "' was deleted"));
        Path groupsDir = dir.resolve(GROUPS_DIR);
        try {
            Path moved = groupsDir.resolve(DELETED_GROUP_PREFIX + group + "-" + System.nanoTime());
            Files.move(groupsDir.resolve(group), moved, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(groupsDir);
            FileTrees.deleteTree(moved);
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "cannot delete the files of group '" + group + "': "
                    + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "station {0}: group {1} deleted ({2} member(s) removed, {3} dead letter(s) "
                + "dropped)", name, group, members, letters.size());
    }

    public ConsumerGroup existingGroup(String group) {
        ConsumerGroup g = groups.get(group);
        if (g == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' does not exist on station '"
                    + name + "'");
        }
        return g;
    }

    private static StationConfig readConfig(Properties meta) {
        String age = meta.getProperty("retention.age.ms", "-1");
        return new StationConfig(Integer.parseInt(meta.getProperty("partitions")),
                Long.parseLong(age) < 0 ? null : Duration.ofMillis(Long.parseLong(age)),
                Long.parseLong(meta.getProperty("retention.bytes", "0")),
                Long.parseLong(meta.getProperty("retention.messages", "0")),
                Duration.ofMillis(Long.parseLong(meta.getProperty("ack.timeout.ms"))),
                Integer.parseInt(meta.getProperty("max.deliveries")),
                Ordering.parse(meta.getProperty("group.ordering", StationConfig.DEFAULT_ORDERING.wireName())),
                Duration.ofMillis(Long.parseLong(meta.getProperty("dedup.window.ms",
                        Long.toString(StationConfig.DEFAULT_DEDUP_WINDOW.toMillis())))),
                OnDeadLetter.parse(meta.getProperty("on.dead.letter", StationConfig.DEFAULT_ON_DEAD_LETTER.wireName())),
                Duration.ofMillis(Long.parseLong(meta.getProperty("dls.retention.ms",
                        Long.toString(StationConfig.DEFAULT_DLS_RETENTION.toMillis())))),
                Boolean.parseBoolean(meta.getProperty("retention.ack", "false")),
                Long.parseLong(meta.getProperty("segment.bytes", "0")),
                new StationConfig.Compaction(Boolean.parseBoolean(meta.getProperty("compaction", "false")),
                        Duration.ofMillis(Long.parseLong(meta.getProperty("compaction.lag.ms", "0"))),
                        Duration.ofMillis(Long.parseLong(meta.getProperty("tombstone.retention.ms", Long.toString(
                                StationConfig.Compaction.DEFAULT_TOMBSTONE_RETENTION.toMillis()))))),
                meta.getProperty("schema") == null ? null : new StationConfig.SchemaBinding(meta.getProperty("schema"),
                        Integer.parseInt(meta.getProperty("schema.version", "0")),
                        Boolean.parseBoolean(meta.getProperty("schema.dead.letter.violations", "true"))),
                new StationConfig.Tiering(Boolean.parseBoolean(meta.getProperty("tiering", "false")),
                        meta.getProperty("local.retention.ms") == null ? null
                                : Duration.ofMillis(Long.parseLong(meta.getProperty("local.retention.ms"))),
                        Long.parseLong(meta.getProperty("local.retention.bytes", "0"))));
    }

    /** Writes the settings through a temp file: fsync, rename, fsync the directory. */
    private static void writeMeta(Path dir, StationConfig config, long createdAtMs) throws IOException {
        Properties meta = new Properties();
        meta.setProperty("format", "1");
        meta.setProperty("partitions", Integer.toString(config.partitions()));
        meta.setProperty("retention.age.ms",
                Long.toString(config.retentionAge() == null ? -1 : config.retentionAge().toMillis()));
        meta.setProperty("retention.bytes", Long.toString(config.retentionBytes()));
        meta.setProperty("retention.messages", Long.toString(config.retentionMessages()));
        meta.setProperty("ack.timeout.ms", Long.toString(config.ackTimeout().toMillis()));
        meta.setProperty("max.deliveries", Integer.toString(config.maxDeliveries()));
        meta.setProperty("group.ordering", config.ordering().wireName());
        meta.setProperty("dedup.window.ms", Long.toString(config.dedupWindow().toMillis()));
        meta.setProperty("on.dead.letter", config.onDeadLetter().wireName());
        meta.setProperty("dls.retention.ms", Long.toString(config.dlsRetention().toMillis()));
        meta.setProperty("retention.ack", Boolean.toString(config.retentionAck()));
        meta.setProperty("segment.bytes", Long.toString(config.segmentBytes()));
        meta.setProperty("compaction", Boolean.toString(config.compaction().enabled()));
        meta.setProperty("compaction.lag.ms", Long.toString(config.compaction().lag().toMillis()));
        meta.setProperty("tombstone.retention.ms", Long.toString(config.compaction().tombstoneRetention().toMillis()));
        if (config.schema() != null) {
            meta.setProperty("schema", config.schema().name());
            meta.setProperty("schema.version", Integer.toString(config.schema().version()));
            meta.setProperty("schema.dead.letter.violations", Boolean.toString(config.schema().deadLetterViolations()));
        }
        meta.setProperty("tiering", Boolean.toString(config.tiering().enabled()));
        if (config.tiering().localRetention() != null) {
            meta.setProperty("local.retention.ms", Long.toString(config.tiering().localRetention().toMillis()));
        }
        meta.setProperty("local.retention.bytes", Long.toString(config.tiering().localRetentionBytes()));
        meta.setProperty("created.at.ms", Long.toString(createdAtMs));
        StringWriter text = new StringWriter();
        meta.store(text, "Junction station settings; written by the broker, do not edit while it runs");
        DurableFiles.write(dir.resolve(META_FILE), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static void fsyncDirectory(Path dir) {
        try {
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
