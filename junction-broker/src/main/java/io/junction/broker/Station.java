package io.junction.broker;

import io.junction.errors.ErrorCode;
import io.junction.log.DiskFullException;
import io.junction.log.DurableFiles;
import io.junction.log.FileTrees;
import io.junction.log.Header;
import io.junction.log.InvalidBatchException;
import io.junction.log.LogClosedException;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import io.junction.schema.ParsedSchema;
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
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One station: its settings (kept in {@code station.properties}), one {@link PartitionLog} per partition, and its
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
 * <p>Thread-safety: produce may be called from any thread (each partition log serializes its appends); settings
 * are replaced atomically; groups are created under the station's lock. Retention (on the broker's timer thread
 * or an admin call) and dead-letter resend/drop also hold the station's lock, and wait for groups' owner threads
 * (their ack floors, a resend made durable); an owner thread never takes the station's lock, so this cannot
 * deadlock.
 */
final class Station {

    static final String META_FILE = "station.properties";
    static final String PARTITIONS_DIR = "partitions";
    static final String GROUPS_DIR = "groups";
    /** A group directory being deleted is first renamed to this prefix, which no group name can start with. */
    static final String DELETED_GROUP_PREFIX = ".deleted-";
    /** The most headers one message may have. */
    static final int MAX_HEADERS = 128;
    /** How far ahead of the broker's clock a producer's timestamp may be. */
    static final long MAX_TIMESTAMP_AHEAD_MS = 60 * 60 * 1000;
    /** Reserved header prefix, in any case: producers may not set these. */
    static final String RESERVED_HEADER_PREFIX = "junction-";
    static final int MAX_HEADER_KEY_BYTES = 256;
    /** The header a message validated against the station's schema carries: {@code schema-name:version}. */
    static final String SCHEMA_HEADER = "junction-schema";
    /** How often the station's retention runs. */
    static final long RETENTION_SECONDS = 60;
    /** How often a compacted station checks whether a compaction pass has anything to do. */
    static final long COMPACTION_CHECK_SECONDS = 60;
    /** How often dead letters older than the station's DLS retention are removed. */
    static final long DLS_EXPIRY_MINUTES = 10;
    private static final System.Logger LOG = System.getLogger(Station.class.getName());

    final String tenant;
    final String name;
    final Path dir;
    final long createdAtMs;
    private final BrokerContext context;
    private final PartitionLog[] partitions;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final ConcurrentHashMap<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
    private final Deduplicator dedup;
    private final ProducerSequences sequences;
    private final DeadLetters deadLetters;
    /** The tenant's schema registry, for the station's schema (if it has one). */
    private final SchemaStore schemas;
    private final ScheduledFuture<?> dlsExpiry;
    private final ScheduledFuture<?> retention;
    private final ScheduledFuture<?> compactionCheck;
    private volatile StationConfig config;

    /** Guards the compaction state below: one pass at a time per station. */
    private final Object compactionLock = new Object();
    /** Per partition: its next offset when the last pass started (a pass is due once it moved). */
    private final long[] compactedUpTo;
    /** Per partition: the last pass kept something only because it was not old enough yet. */
    private final boolean[] compactionWaiting;
    private final long[] keysKept;
    private final AtomicBoolean compactionQueued = new AtomicBoolean();
    private volatile Run<RetentionResult> lastRetention;
    private volatile Run<CompactionResult> lastCompaction;

    /** A retention or compaction pass: when it ran and what it did. */
    record Run<T>(long atMs, T result) {
    }

    private Station(BrokerContext context, String tenant, String name, Path dir, StationConfig config,
            long createdAtMs, PartitionLog[] partitions, DeadLetters deadLetters, SchemaStore schemas) {
        this.context = context;
        this.schemas = schemas;
        this.tenant = tenant;
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.createdAtMs = createdAtMs;
        this.partitions = partitions;
        this.dedup = Deduplicator.rebuild(partitions, config.dedupWindow(), context.clock().millis());
        this.sequences = ProducerSequences.rebuild(partitions, config.dedupWindow(), context.clock().millis());
        this.deadLetters = deadLetters;
        deadLetters.expire(config.dlsRetention());
        this.dlsExpiry = context.timer().scheduleWithFixedDelay(this::expireDeadLetters, DLS_EXPIRY_MINUTES,
                DLS_EXPIRY_MINUTES, TimeUnit.MINUTES);
        this.retention = context.timer().scheduleWithFixedDelay(this::retainQuietly, RETENTION_SECONDS,
                RETENTION_SECONDS, TimeUnit.SECONDS);
        this.compactedUpTo = new long[partitions.length];
        Arrays.fill(compactedUpTo, -1);
        this.compactionWaiting = new boolean[partitions.length];
        this.keysKept = new long[partitions.length];
        this.compactionCheck = context.timer().scheduleWithFixedDelay(this::checkCompaction, COMPACTION_CHECK_SECONDS,
                COMPACTION_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Queues a background compaction pass if the station's current configuration has compaction on (every
     * {@value #COMPACTION_CHECK_SECONDS} s, and at once when an update turns it on). One queued pass at most: a
     * pass longer than the period does not pile up more behind it.
     */
    private void checkCompaction() {
        if (config.compaction().enabled() && compactionQueued.compareAndSet(false, true)) {
            try {
                context.compactor().execute(this::compactQuietly);
            } catch (RejectedExecutionException stopping) {
                compactionQueued.set(false);
            }
        }
    }

    private void compactQuietly() {
        compactionQueued.set(false);
        try {
            CompactionResult r = compact(true);
            if (r.segmentsRewritten() > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: compaction rewrote {1} segments, removed {2} "
                        + "messages, {3} -> {4} bytes in {5} ms", name, r.segmentsRewritten(), r.messagesRemoved(),
                        r.bytesBefore(), r.bytesAfter(), r.durationMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the broker is stopping
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": compaction failed", e);
        }
    }

    /**
     * One key-compaction pass over every partition ({@link KeyCompaction}), throttled by the broker's compaction
     * rate; appends and reads go on meanwhile. With {@code onlyIfDue}, a partition is skipped when nothing was
     * appended since its last pass and that pass left nothing waiting to grow old enough. A station without
     * compaction is left alone.
     */
    CompactionResult compact(boolean onlyIfDue) throws InterruptedException {
        StationConfig c = config;
        if (!c.compaction().enabled()) {
            return CompactionResult.NONE;
        }
        synchronized (compactionLock) {
            long started = System.nanoTime();
            long now = context.clock().millis();
            int rewritten = 0;
            long removed = 0;
            long before = 0;
            long after = 0;
            long read = 0;
            for (PartitionLog log : partitions) {
                before += log.sizeInBytes();
            }
            for (int p = 0; p < partitions.length; p++) {
                long end = partitions[p].nextOffset();
                if (onlyIfDue && end == compactedUpTo[p] && !compactionWaiting[p]) {
                    continue;
                }
                KeyCompaction.Outcome o = KeyCompaction.run(partitions[p], c, now, context.compactionThrottle());
                compactedUpTo[p] = end;
                compactionWaiting[p] = o.waiting();
                keysKept[p] = o.keysKept();
                rewritten += o.stats().segmentsRewritten();
                removed += o.stats().recordsRemoved();
                read += o.stats().bytesRead();
            }
            for (PartitionLog log : partitions) {
                after += log.sizeInBytes();
            }
            if (removed > 0) {
                groups.values().forEach(ConsumerGroup::onCompaction);
            }
            CompactionResult result = new CompactionResult(rewritten, removed, Arrays.stream(keysKept).sum(), before,
                    after, read, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            lastCompaction = new Run<>(now, result);
            return result;
        }
    }

    private void retainQuietly() {
        try {
            RetentionResult r = retain();
            if (r.segments() > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: retention removed {1} segments, {2} messages, {3} "
                        + "bytes", name, r.segments(), r.messages(), r.bytes());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": retention failed", e);
        }
    }

    /** Per partition: the lowest ack floor of the station's groups (everything below is acked by all). */
    private long[] ackedByEveryGroup() {
        long[] floors = new long[partitions.length];
        Arrays.fill(floors, Long.MAX_VALUE);
        for (ConsumerGroup group : groups.values()) {
            long[] groupFloors = group.ackFloors();
            for (int p = 0; p < floors.length; p++) {
                floors[p] = Math.min(floors[p], groupFloors[p]);
            }
        }
        return floors;
    }

    /**
     * Applies the station's retention now: per partition, drops the whole segments that are older than the
     * retention age (a segment is, once its messages' timestamps and its batches' append times — the broker's
     * clock when it stored them — are all older, and those of every segment before it: a message dated in the past
     * is kept for the age after it was stored), or that push it over the retention bytes or messages (never the
     * active segment, never a message that is to be kept). Readers still reading a dropped segment finish their
     * read; groups move past what was removed, counting what they had not acked as skipped. With ack-based
     * retention, the segments every existing group has acked go too (with no group, nothing goes for that reason:
     * a station without groups keeps its messages for the first one, within the other limits).
     */
    synchronized RetentionResult retain() {
        RetentionResult result = retainNow();
        lastRetention = new Run<>(context.clock().millis(), result);
        return result;
    }

    private RetentionResult retainNow() {
        StationConfig c = config;
        long now = context.clock().millis();
        int segments = 0;
        long messages = 0;
        long bytes = 0;
        long[] acked = c.retentionAck() && !groups.isEmpty() ? ackedByEveryGroup() : null;
        int segmentsBefore = 0;
        long bytesBefore = 0;
        for (PartitionLog log : partitions) {
            segmentsBefore += log.segmentCount();
            bytesBefore += log.sizeInBytes();
        }
        for (int p = 0; p < partitions.length; p++) {
            PartitionLog log = partitions[p];
            List<PartitionLog.SegmentInfo> segs = log.segments();
            long first = log.firstOffset();
            long next = log.nextOffset();
            long cut = first;
            // On a compacted station the retention age applies to keyless messages only, one by one (compaction
            // removes them): whole segments also hold the latest message of keys, which stays.
            if (c.retentionAge() != null && !c.compaction().enabled()) {
                long oldest = now - c.retentionAge().toMillis();
                OptionalLong dated = log.offsetForTimestamp(oldest);
                OptionalLong stored = log.offsetForAppendTime(oldest);
                cut = Math.max(cut, Math.min(dated.orElse(next), stored.orElse(next)));
            }
            if (c.retentionBytes() > 0) {
                long total = segs.stream().mapToLong(PartitionLog.SegmentInfo::sizeInBytes).sum();
                for (int i = 0; i + 1 < segs.size() && total > c.retentionBytes(); i++) {
                    total -= segs.get(i).sizeInBytes();
                    cut = Math.max(cut, segs.get(i + 1).baseOffset());
                }
            }
            if (acked != null) {
                cut = Math.max(cut, acked[p]);
            }
            if (c.retentionMessages() > 0) {
                for (int i = 0; i + 1 < segs.size() && next - segs.get(i + 1).baseOffset() >= c.retentionMessages();
                        i++) {
                    cut = Math.max(cut, segs.get(i + 1).baseOffset());
                }
            }
            if (cut > first) {
                long sizeBefore = log.sizeInBytes();
                segments += log.deleteSegmentsBefore(cut);
                messages += log.firstOffset() - first;
                bytes += sizeBefore - log.sizeInBytes();
            }
        }
        if (segments > 0) {
            groups.values().forEach(ConsumerGroup::onRetention);
        }
        int segmentsAfter = 0;
        long bytesAfter = 0;
        for (PartitionLog log : partitions) {
            segmentsAfter += log.segmentCount();
            bytesAfter += log.sizeInBytes();
        }
        return new RetentionResult(segments, messages, bytes, segmentsBefore, segmentsAfter, bytesBefore, bytesAfter);
    }

    private void expireDeadLetters() {
        try {
            int dropped = deadLetters.expire(config.dlsRetention());
            if (dropped > 0) {
                LOG.log(System.Logger.Level.INFO, "station {0}: {1} dead letters older than {2} removed", name,
                        dropped, config.dlsRetention());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "station " + name + ": dead-letter retention failed", e);
        }
    }

    static Station create(BrokerContext context, String tenant, String name, Path dir, StationConfig config,
            SchemaStore schemas) throws IOException {
        Files.createDirectories(dir.resolve(PARTITIONS_DIR));
        long now = context.clock().millis();
        writeMeta(dir, config, now);
        return open(context, tenant, name, dir, schemas);
    }

    static Station open(BrokerContext context, String tenant, String name, Path dir, SchemaStore schemas)
            throws IOException {
        Properties meta = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(META_FILE), StandardCharsets.UTF_8)) {
            meta.load(in);
        }
        StationConfig config = readConfig(meta);
        long createdAt = Long.parseLong(meta.getProperty("created.at.ms", "0"));
        PartitionLog[] logs = new PartitionLog[config.partitions()];
        DeadLetters dls = null;
        try {
            for (int p = 0; p < logs.length; p++) {
                logs[p] = PartitionLog.open(dir.resolve(PARTITIONS_DIR).resolve(Integer.toString(p)),
                        config.segmentBytes() == 0 ? context.logConfig()
                                : partitionLogConfig(context.config(), config.segmentBytes()));
            }
            dls = DeadLetters.open(context, dir);
        } catch (RuntimeException e) {
            Arrays.stream(logs).filter(l -> l != null).forEach(PartitionLog::close);
            throw e;
        }
        Station station = new Station(context, tenant, name, dir, config, createdAt, logs, dls, schemas);
        LOG.log(System.Logger.Level.INFO, "station {0}: opened, offsets {1}, remembering {2} msg-ids and {3} "
                + "producer requests", name, Arrays.stream(logs).map(l -> l.firstOffset() + ".." + l.nextOffset())
                .toList(), station.dedup.size(), station.sequences.size());
        Path groupsDir = dir.resolve(GROUPS_DIR);
        if (Files.isDirectory(groupsDir)) {
            try (var entries = Files.list(groupsDir)) {
                for (Path groupDir : entries.filter(Files::isDirectory).sorted().toList()) {
                    String group = groupDir.getFileName().toString();
                    if (group.startsWith(DELETED_GROUP_PREFIX)) { // a deletion a crash interrupted: finish it
                        FileTrees.deleteTree(groupDir);
                        continue;
                    }
                    station.groups.put(group, ConsumerGroup.open(context, station, group, groupDir, null, null, null));
                }
            }
        }
        return station;
    }

    StationConfig config() {
        return config;
    }

    Clock clock() {
        return context.clock();
    }

    int partitionCount() {
        return partitions.length;
    }

    PartitionLog partition(int p) {
        return partitions[p];
    }

    synchronized void update(StationConfig newConfig) throws IOException {
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
            checkCompaction();
        }
    }

    /**
     * Validates every message first (nothing is stored when one is refused), then appends one batch per
     * partition. Receipts come back in the order of {@code messages}, once every batch is durable.
     */
    CompletableFuture<List<Receipt>> produce(List<OutgoingMessage> messages) {
        if (messages.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        int[] target = new int[messages.size()];
        long now = context.clock().millis();
        List<String> msgIds = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            target[i] = validateAndRoute(messages.get(i), i);
            msgIds.add(messages.get(i).msgId());
        }
        Header schemaHeader = checkSchema(messages, target, now);
        // Claim the msg-ids: a message whose msg-id is remembered is not stored again.
        boolean[] owned = new boolean[messages.size()];
        List<CompletableFuture<Receipt>> remembered = dedup.claim(msgIds, now, config.dedupWindow(), owned);
        RecordBatchBuilder[] builders = new RecordBatchBuilder[partitions.length];
        int[] indexInBatch = new int[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            OutgoingMessage m = messages.get(i);
            if (m.msgId() != null && !owned[i]) {
                continue; // a duplicate: answered with the original's receipt below
            }
            List<Header> headers = with(io.junction.broker.Header.toLog(m.headers()), schemaHeader);
            if (m.msgId() != null) {
                headers = with(headers, new Header(Deduplicator.MSG_ID_HEADER,
                        m.msgId().getBytes(StandardCharsets.UTF_8)));
            }
            RecordBatchBuilder builder = builders[target[i]];
            if (builder == null) {
                builder = new RecordBatchBuilder().appendTime(now); // the msg-ids' claim time: see Deduplicator
                builders[target[i]] = builder;
            }
            indexInBatch[i] = builder.recordCount();
            add(builder, m.timestampMs() > 0 ? m.timestampMs() : now, m, headers);
        }
        List<CompletableFuture<Long>> bases = new ArrayList<>(partitions.length);
        for (int p = 0; p < partitions.length; p++) {
            if (builders[p] == null) {
                bases.add(null);
                continue;
            }
            int partition = p;
            bases.add(partitions[p].append(builders[p]).thenApply(result -> {
                groups.values().forEach(ConsumerGroup::onAppend);
                return result.baseOffset();
            }).exceptionally(e -> {
                throw translate(e, partition);
            }));
        }
        CompletableFuture<?>[] all = bases.stream().filter(f -> f != null).toArray(CompletableFuture[]::new);
        CompletableFuture<Void> stored = CompletableFuture.allOf(all).whenComplete((ignored, error) -> {
            // Per partition: a batch that was stored keeps its msg-ids remembered even when another partition's
            // batch of the same request failed (the client retries the whole request: those must not be stored
            // again); only the msg-ids of failed batches are released.
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                if (!owned[i]) {
                    continue;
                }
                CompletableFuture<Long> base = bases.get(target[i]);
                if (base.isCompletedExceptionally()) {
                    failed.add(messages.get(i).msgId());
                } else {
                    remembered.get(i).complete(new Receipt(target[i], base.join() + indexInBatch[i]));
                }
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                LOG.log(System.Logger.Level.WARNING, "station {0}: a produce request was not stored whole ({1} "
                        + "msg-ids released): {2}", name, failed.size(), cause.getMessage());
            }
            if (!failed.isEmpty()) {
                dedup.release(failed, error);
            }
        });
        CompletableFuture<?>[] originals = remembered.stream().filter(f -> f != null).toArray(CompletableFuture[]::new);
        return stored.thenCompose(ignored -> CompletableFuture.allOf(originals)).thenApply(ignored -> {
            List<Receipt> receipts = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i).msgId() == null) {
                    receipts.add(new Receipt(target[i], bases.get(target[i]).join() + indexInBatch[i]));
                } else {
                    Receipt original = remembered.get(i).join();
                    receipts.add(owned[i] ? original : new Receipt(original.partition(), original.offset(), true));
                }
            }
            return receipts;
        });
    }

    /**
     * An idempotent producer's request {@code sequence}: stored once however often it is retried inside the dedup
     * window (see {@link ProducerSequences}); a retry gets the original receipts, marked duplicate. Its messages
     * carry no msg-id (the two mechanisms are not mixed in one request). Validated whole first, as any request.
     */
    CompletableFuture<List<Receipt>> produce(List<OutgoingMessage> messages, long producerId, int sequence) {
        if (producerId < 0) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "producer_id must not be negative, was "
                    + producerId);
        }
        if (sequence < 0) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "sequence must not be negative, was " + sequence);
        }
        if (messages.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        int[] target = new int[messages.size()];
        boolean[] used = new boolean[partitions.length];
        for (int i = 0; i < messages.size(); i++) {
            OutgoingMessage m = messages.get(i);
            if (m.msgId() != null) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "message " + i + ": a request with a producer "
                        + "id carries no msg-ids (send those in a request without one)");
            }
            target[i] = validateAndRoute(m, i, Math.floorMod(sequence, partitions.length));
            used[target[i]] = true;
        }
        long now = context.clock().millis();
        Header schemaHeader = checkSchema(messages, target, now);
        ProducerSequences.Entry entry = sequences.entry(new ProducerSequences.Key(producerId, sequence), now,
                config.dedupWindow());
        return storeMissing(entry, messages, target, used, now, schemaHeader).thenApply(fresh -> {
            int[] rank = new int[partitions.length];
            List<Receipt> receipts = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                int p = target[i];
                receipts.add(new Receipt(p, sequences.base(entry, p) + rank[p]++, !fresh[p]));
            }
            return receipts;
        });
    }

    /**
     * Appends the request's batches on the partitions where it is not stored yet; the future holds, per
     * partition, whether this call stored it. When another call is storing the same request, waits for it and
     * looks again.
     */
    private CompletableFuture<boolean[]> storeMissing(ProducerSequences.Entry entry, List<OutgoingMessage> messages,
            int[] target, boolean[] used, long now, Header schemaHeader) {
        boolean[] missing = sequences.claimMissing(entry, used);
        if (missing == null) {
            CompletableFuture<Void> other = sequences.storing(entry);
            CompletableFuture<Void> wait = other == null ? CompletableFuture.completedFuture(null) : other;
            return wait.thenCompose(ignored -> storeMissing(entry, messages, target, used, now, schemaHeader));
        }
        RecordBatchBuilder[] builders = new RecordBatchBuilder[partitions.length];
        for (int i = 0; i < messages.size(); i++) {
            int p = target[i];
            if (!missing[p]) {
                continue;
            }
            if (builders[p] == null) {
                builders[p] = new RecordBatchBuilder(entry.key.producerId(), entry.key.sequence()).appendTime(now);
            }
            OutgoingMessage m = messages.get(i);
            add(builders[p], m.timestampMs() > 0 ? m.timestampMs() : now, m,
                    with(io.junction.broker.Header.toLog(m.headers()), schemaHeader));
        }
        long[] bases = new long[partitions.length];
        Arrays.fill(bases, -1);
        List<CompletableFuture<?>> appends = new ArrayList<>();
        for (int p = 0; p < partitions.length; p++) {
            if (builders[p] == null) {
                continue;
            }
            int partition = p;
            appends.add(partitions[p].append(builders[p]).thenAccept(result -> {
                bases[partition] = result.baseOffset();
                groups.values().forEach(ConsumerGroup::onAppend);
            }).exceptionally(e -> {
                throw translate(e, partition);
            }));
        }
        return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> sequences.stored(entry, bases))
                .thenApply(ignored -> missing);
    }

    /**
     * Validates every value (tombstones aside) against the station's schema, if it has one, and returns the header
     * that records the version they were validated against ({@value #SCHEMA_HEADER}: {@code name:version}); null
     * without a schema. Validators are the registry's parsed versions: compiled once per version.
     *
     * @throws BrokerException SCHEMA_VIOLATION naming every refused message and why; nothing of the request is
     *     stored. When the station keeps violations, each refused message is first stored in its DLS (reason
     *     schema_violation, no group).
     */
    private Header checkSchema(List<OutgoingMessage> messages, int[] target, long now) {
        StationConfig.SchemaBinding binding = config.schema();
        if (binding == null) {
            return null;
        }
        SchemaStore.Entry entry = schemas.get(binding.name());
        int version = binding.version() == 0 ? entry.versions().size() : binding.version();
        ParsedSchema schema = entry.version(version);
        List<String> reasons = new ArrayList<>();
        Map<Integer, String> rejected = new LinkedHashMap<>();
        List<CompletableFuture<Long>> stored = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            OutgoingMessage m = messages.get(i);
            String why = m.isTombstone() ? null : schema.violation(m.value());
            if (why == null) {
                continue;
            }
            reasons.add("message " + i + ": " + why);
            rejected.put(i, "schema '" + binding.name() + "' version " + version + ": " + why);
            if (binding.deadLetterViolations()) {
                long timestamp = m.timestampMs() > 0 ? m.timestampMs() : now;
                stored.add(deadLetters.add(new DeadLetters.Submission("", DeadLetterReason.SCHEMA_VIOLATION, target[i],
                        Record.of(-1, timestamp, m.key(), m.value(), io.junction.broker.Header.toLog(m.headers())), 0, why, 0, 0)));
            }
        }
        if (reasons.isEmpty()) {
            return new Header(SCHEMA_HEADER, (binding.name() + ":" + version).getBytes(StandardCharsets.UTF_8));
        }
        try {
            CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            LOG.log(System.Logger.Level.WARNING, "station {0}: schema violations could not be kept in the DLS: {1}",
                    name, e.getCause());
        }
        throw new BrokerException(ErrorCode.SCHEMA_VIOLATION, "schema '" + binding.name() + "' version " + version
                + " refused " + reasons.size() + " of " + messages.size() + " messages, so nothing was stored"
                + (stored.isEmpty() ? "" : " (the refused ones are in the dead-letter station)") + ": "
                + String.join("; ", reasons), rejected);
    }

    /** {@code headers} plus {@code extra} (when not null). */
    private static List<Header> with(List<Header> headers, Header extra) {
        if (extra == null) {
            return headers;
        }
        List<Header> all = new ArrayList<>(headers.size() + 1);
        all.addAll(headers);
        all.add(extra);
        return all;
    }

    private static void add(RecordBatchBuilder builder, long timestamp, OutgoingMessage m, List<Header> headers) {
        if (m.isTombstone()) {
            builder.addTombstone(timestamp, m.key(), headers);
        } else {
            builder.add(timestamp, m.key(), m.value(), headers);
        }
    }

    private int validateAndRoute(OutgoingMessage m, int index) {
        return validateAndRoute(m, index, -1);
    }

    /**
     * Checks the message and returns its partition: the one named, its key's, else {@code keylessPartition}
     * (-1: round robin).
     */
    private int validateAndRoute(OutgoingMessage m, int index, int keylessPartition) {
        String which = "message " + index;
        if (m.value() == null && m.key() == null) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, which + " has no value (a tombstone needs a key)");
        }
        if (m.msgId() != null && (m.msgId().isEmpty()
                || m.msgId().getBytes(StandardCharsets.UTF_8).length > Deduplicator.MAX_MSG_ID_BYTES)) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, which + ": a msg-id must be 1 to "
                    + Deduplicator.MAX_MSG_ID_BYTES + " bytes");
        }
        if (m.timestampMs() < 0 || m.timestampMs() > context.clock().millis() + MAX_TIMESTAMP_AHEAD_MS) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, which + ": timestamp_ms must be 0 (the broker's "
                    + "time) or an epoch time in milliseconds at most " + MAX_TIMESTAMP_AHEAD_MS / 60_000
                    + " minutes ahead of the broker's clock, was " + m.timestampMs());
        }
        if (m.headers().size() > MAX_HEADERS) {
            throw new BrokerException(ErrorCode.INVALID_HEADER, which + " has " + m.headers().size()
                    + " headers, more than the limit of " + MAX_HEADERS);
        }
        long size = (m.value() == null ? 0 : m.value().length) + (m.key() == null ? 0 : m.key().length);
        for (io.junction.broker.Header h : m.headers()) {
            byte[] key = h.key().getBytes(StandardCharsets.UTF_8);
            if (key.length == 0 || key.length > MAX_HEADER_KEY_BYTES) {
                throw new BrokerException(ErrorCode.INVALID_HEADER, which + ": header keys must be 1 to "
                        + MAX_HEADER_KEY_BYTES + " bytes, got " + key.length);
            }
            if (h.key().regionMatches(true, 0, RESERVED_HEADER_PREFIX, 0, RESERVED_HEADER_PREFIX.length())) {
                throw new BrokerException(ErrorCode.INVALID_HEADER, which + ": header '" + h.key()
                        + "' uses the reserved prefix '" + RESERVED_HEADER_PREFIX + "'");
            }
            if (h.key().chars().anyMatch(Character::isISOControl)) {
                throw new BrokerException(ErrorCode.INVALID_HEADER, which + ": header key '"
                        + h.key().replaceAll("\\p{Cntrl}", "?") + "' contains control characters");
            }
            size += key.length + (h.value() == null ? 0 : h.value().length);
        }
        if (size > context.config().maxMessageBytes()) {
            throw new BrokerException(ErrorCode.MESSAGE_TOO_LARGE, which + " is " + size + " bytes, more than the "
                    + "limit of " + context.config().maxMessageBytes() + " bytes");
        }
        if (m.partition() != null) {
            if (m.partition() < 0 || m.partition() >= partitions.length) {
                throw new BrokerException(ErrorCode.INVALID_PARTITION, which + " asks for partition " + m.partition()
                        + ", station '" + name + "' has partitions 0.." + (partitions.length - 1));
            }
            return m.partition();
        }
        if (m.key() != null) {
            return Murmur3.partitionOf(m.key(), partitions.length);
        }
        return keylessPartition >= 0 ? keylessPartition
                : Math.floorMod(roundRobin.getAndIncrement(), partitions.length);
    }

    private BrokerException translate(Throwable e, int partition) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BrokerException b) {
            return b;
        }
        if (cause instanceof LogClosedException) {
            return new BrokerException(ErrorCode.SHUTTING_DOWN, "station '" + name + "' partition " + partition
                    + " is closed: " + cause.getMessage(), cause);
        }
        if (cause instanceof InvalidBatchException) {
            return new BrokerException(ErrorCode.INVALID_ARGUMENT, cause.getMessage(), cause);
        }
        String message = String.valueOf(cause.getMessage());
        if (cause instanceof DiskFullException || cause.getCause() instanceof DiskFullException) {
            return new BrokerException(ErrorCode.STORAGE_FULL, "station '" + name + "' partition " + partition
                    + ": the disk is full", cause);
        }
        return new BrokerException(ErrorCode.STORAGE_ERROR, "station '" + name + "' partition " + partition + ": "
                + message, cause);
    }

    /**
     * The group, created with {@code start}, {@code ordering} and {@code onDeadLetter} (null: the station's
     * defaults) when missing;
     * with a null {@code start} the group must exist.
     */
    ConsumerGroup group(String group, StartPosition start, Ordering ordering, OnDeadLetter onDeadLetter) {
        ConsumerGroup existing = groups.get(group);
        if (existing != null) {
            return existing;
        }
        if (start == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + group + "' does not exist on station '"
                    + name + "'");
        }
        synchronized (this) {
            existing = groups.get(group);
            if (existing != null) {
                return existing;
            }
            try {
                ConsumerGroup created = ConsumerGroup.open(context, this, group, dir.resolve(GROUPS_DIR).resolve(group),
                        start, ordering, onDeadLetter);
                groups.put(group, created);
                return created;
            } catch (IOException e) {
                throw new BrokerException(ErrorCode.STORAGE_ERROR, "cannot create group '" + group + "': "
                        + e.getMessage(), e);
            }
        }
    }

    List<ConsumerGroup> groups() {
        return groups.values().stream().sorted((a, b) -> a.name.compareTo(b.name)).toList();
    }

    StationInfo info() {
        List<StationInfo.PartitionInfo> infos = new ArrayList<>();
        long messages = 0;
        long bytes = 0;
        for (int p = 0; p < partitions.length; p++) {
            PartitionLog log = partitions[p];
            long first = log.firstOffset();
            long next = log.nextOffset();
            long size = log.sizeInBytes();
            infos.add(new StationInfo.PartitionInfo(p, first, next, size));
            messages += log.recordCount(); // fewer than the offsets once compacted
            bytes += size;
        }
        Run<RetentionResult> retained = lastRetention;
        Run<CompactionResult> compacted = lastCompaction;
        return new StationInfo(tenant, name, config, infos, messages, bytes, createdAtMs,
                retained == null ? 0 : retained.atMs(), retained == null ? null : retained.result(),
                compacted == null ? 0 : compacted.atMs(), compacted == null ? null : compacted.result());
    }

    void close() {
        close(new BrokerException(ErrorCode.SHUTTING_DOWN, "the broker is shutting down"));
    }

    void closeForDelete() {
        close(new BrokerException(ErrorCode.UNKNOWN_STATION, "station '" + name + "' was deleted"));
    }

    private void close(BrokerException reason) {
        dlsExpiry.cancel(false);
        retention.cancel(false);
        compactionCheck.cancel(false);
        for (ConsumerGroup group : groups.values()) {
            group.close(reason);
        }
        for (PartitionLog log : partitions) {
            log.close();
        }
        deadLetters.close();
    }

    // ----- dead letters ------------------------------------------------------------------------------------------

    DeadLetters deadLetters() {
        return deadLetters;
    }

    /** The open dead letters of {@code group} (every group when null), oldest first, ids above {@code afterId}. */
    List<DeadLetter> listDeadLetters(String group, long afterId, int limit, long maxBytes) {
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
    synchronized int resendDeadLetters(List<Long> ids, boolean all, String group) {
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
    synchronized int dropDeadLetters(List<Long> ids, boolean all, String group) {
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
    synchronized void deleteGroup(String group, boolean force) {
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

    ConsumerGroup existingGroup(String group) {
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
                        Boolean.parseBoolean(meta.getProperty("schema.dead.letter.violations", "true"))));
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
        meta.setProperty("created.at.ms", Long.toString(createdAtMs));
        StringWriter text = new StringWriter();
        meta.store(text, "Junction station settings; written by the broker, do not edit while it runs");
        DurableFiles.write(dir.resolve(META_FILE), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void fsyncDirectory(Path dir) {
        try {
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LogConfig partitionLogConfig(BrokerConfig config) {
        return partitionLogConfig(config, config.segmentBytes());
    }

    private static LogConfig partitionLogConfig(BrokerConfig config, long segmentBytes) {
        return LogConfig.builder().durability(config.durability().log()).flushInterval(config.flushInterval())
                .clock(config.clock()).segmentBytes(segmentBytes)
                .maxBatchBytes(Math.max(LogConfig.DEFAULT_MAX_BATCH_BYTES,
                        config.maxMessageBytes() + (1 << 20))).build();
    }
}
