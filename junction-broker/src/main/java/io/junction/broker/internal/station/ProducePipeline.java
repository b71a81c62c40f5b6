package io.junction.broker.internal.station;

import io.junction.broker.BrokerException;
import io.junction.broker.DeadLetterReason;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.Receipt;
import io.junction.broker.StationConfig;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.LogTypes;
import io.junction.broker.internal.SchemaStore;
import io.junction.errors.ErrorCode;
import io.junction.log.DiskFullException;
import io.junction.log.Header;
import io.junction.log.InvalidBatchException;
import io.junction.log.LogClosedException;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import io.junction.schema.ParsedSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A station's produce path: validates a request whole (nothing is stored when one message is refused), routes
 * each message to its partition (the one named, its key's Murmur3 hash, else round robin), checks values against
 * the station's schema, drops what the dedup window remembers (msg-ids, {@link Deduplicator}; idempotent producers'
 * requests, {@link ProducerSequences}; both station-wide, claimed before anything is appended), gives each partition
 * its batch as a command ({@link Partition}: its owner appends it) and answers with receipts once every batch is
 * durable. After each append it tells the station's groups ({@code appended}).
 *
 * <p>Thread-safe: called from any thread; each partition applies its appends in order, the dedup structures are
 * concurrent (their claims atomic), and the station's settings are read once per call.
 */
public final class ProducePipeline {

    /** The most headers one message may have. */
    static final int MAX_HEADERS = 128;
    /** How far ahead of the broker's clock a producer's timestamp may be. */
    static final long MAX_TIMESTAMP_AHEAD_MS = 60 * 60 * 1000;
    /** Reserved header prefix, in any case: producers may not set these. */
    static final String RESERVED_HEADER_PREFIX = "junction-";
    static final int MAX_HEADER_KEY_BYTES = 256;
    /** The header a message validated against the station's schema carries: {@code schema-name:version}. */
    public static final String SCHEMA_HEADER = "junction-schema";
    private static final System.Logger LOG = System.getLogger(ProducePipeline.class.getName());

    private final BrokerContext context;
    private final String name;
    private final Partition[] partitions;
    private final Supplier<StationConfig> settings;
    private final DeadLetters deadLetters;
    /** The tenant's schema registry, for the station's schema (if it has one). */
    private final SchemaStore schemas;
    private final Appended appended;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final Deduplicator dedup;
    private final ProducerSequences sequences;

    /**
     * Rebuilds the dedup window's memory from the partitions' recent batches.
     *
     * @param settings the station's current settings
     * @param appended called after each batch is stored (the station counts it and wakes its groups)
     */
    ProducePipeline(BrokerContext context, String name, Partition[] partitions, Supplier<StationConfig> settings,
            DeadLetters deadLetters, SchemaStore schemas, Appended appended) {
        this.context = context;
        this.name = name;
        this.partitions = partitions;
        this.settings = settings;
        this.deadLetters = deadLetters;
        this.schemas = schemas;
        this.appended = appended;
        long now = context.clock().millis();
        // A tiered partition keeps its dedup window on local disk (the tier never trims younger segments): the
        // window is read there, never fetched back from the object store.
        PartitionStore[] stores = Arrays.stream(partitions).map(Partition::store)
                .map(s -> s instanceof io.junction.tier.TieredStore t ? t.local() : s)
                .toArray(PartitionStore[]::new);
        // One read of the window's batches rebuilds both kinds of its memory.
        Deduplicator.Rebuild msgIds = new Deduplicator.Rebuild();
        ProducerSequences.Rebuild requests = new ProducerSequences.Rebuild(stores.length);
        DedupWindow.scan(stores, settings.get().dedupWindow(), now, (batch, p) -> {
            msgIds.accept(batch, p);
            requests.accept(batch, p);
        });
        this.dedup = msgIds.done();
        this.sequences = requests.done();
    }

    /** Hears of each batch stored, once per batch (never per message): the station's counters, its groups. */
    @FunctionalInterface
    interface Appended {
        /** {@code bytes}: the messages' keys, values and header keys and values, as {@link Delivery#size()}. */
        void stored(int messages, long bytes);
    }

    /** A message's size as the metrics count it: key, value, header keys and values (as {@link Delivery#size()}). */
    private static long size(OutgoingMessage m) {
        long size = (m.key() == null ? 0 : m.key().length) + (m.value() == null ? 0 : m.value().length);
        if (m.headers() != null) {
            for (int i = 0; i < m.headers().size(); i++) {
                io.junction.broker.Header h = m.headers().get(i);
                size += h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
        }
        return size;
    }

    /** Msg-ids the dedup window remembers. */
    int rememberedMsgIds() {
        return dedup.size();
    }

    /** Idempotent producers' requests the dedup window remembers. */
    int rememberedRequests() {
        return sequences.size();
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
        List<CompletableFuture<Receipt>> remembered = dedup.claim(msgIds, now, settings.get().dedupWindow(), owned);
        RecordBatchBuilder[] builders = new RecordBatchBuilder[partitions.length];
        long[] bytes = new long[partitions.length];
        int[] indexInBatch = new int[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            OutgoingMessage m = messages.get(i);
            if (m.msgId() != null && !owned[i]) {
                continue; // a duplicate: answered with the original's receipt below
            }
            List<Header> headers = with(LogTypes.toLog(m.headers()), schemaHeader);
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
            bytes[target[i]] += size(m);
        }
        List<CompletableFuture<Long>> bases = new ArrayList<>(partitions.length);
        for (int p = 0; p < partitions.length; p++) {
            if (builders[p] == null) {
                bases.add(null);
                continue;
            }
            int partition = p;
            int count = builders[p].recordCount();
            long size = bytes[p];
            bases.add(partitions[p].append(builders[p]).thenApply(result -> {
                appended.stored(count, size);
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
                settings.get().dedupWindow());
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
        long[] bytes = new long[partitions.length];
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
                    with(LogTypes.toLog(m.headers()), schemaHeader));
            bytes[p] += size(m);
        }
        long[] bases = new long[partitions.length];
        Arrays.fill(bases, -1);
        List<CompletableFuture<?>> appends = new ArrayList<>();
        for (int p = 0; p < partitions.length; p++) {
            if (builders[p] == null) {
                continue;
            }
            int partition = p;
            int count = builders[p].recordCount();
            long size = bytes[p];
            appends.add(partitions[p].append(builders[p]).thenAccept(result -> {
                bases[partition] = result.baseOffset();
                appended.stored(count, size);
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
        StationConfig.SchemaBinding binding = settings.get().schema();
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
                        Record.of(-1, timestamp, m.key(), m.value(), LogTypes.toLog(m.headers())), 0, why, 0, 0)));
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
}
