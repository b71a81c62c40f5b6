package io.junction.broker.internal.station;

import io.junction.broker.DeadLetter;
import io.junction.broker.DeadLetterReason;
import io.junction.broker.MessageRef;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.LogTypes;
import io.junction.log.FetchResult;
import io.junction.log.Header;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A station's dead-letter station (DLS): the messages its groups could not process, kept durably in an internal
 * partition log under {@code STATION/dls/} (always fsynced before the group counts the message as done).
 *
 * <pre>
 * a dead letter = one record: the message's own key, value and headers, plus the broker's headers
 *   junction-dl-group        the group that failed it            junction-dl-reason      max_deliveries | consumer
 *   junction-dl-partition    its partition (decimal)             junction-dl-offset      its offset (decimal)
 *   junction-dl-deliveries   delivery count (decimal)            junction-dl-error       last error text (optional)
 *   junction-dl-first-ms     first delivery (epoch ms, decimal)  junction-dl-last-ms     last delivery
 *   junction-dl-timestamp    the message's own timestamp
 *   record timestamp = when it was dead-lettered; its id = its offset in the DLS log
 * a resolution = one record without key: header junction-dl-resolve = resend | drop, value = ids (int64 each)
 * </pre>
 *
 * Opening scans the log: every dead letter not named by a later resolution is open. Retention (per station,
 * 7 days by default) drops whole DLS segments older than it, and their dead letters with them.
 *
 * <p>Thread-safe: the open set is guarded by this object's lock; appends happen outside it.
 */
public final class DeadLetters implements AutoCloseable {

    static final String DIR = "dls";
    static final String PREFIX = "junction-dl-";
    static final String GROUP = PREFIX + "group";
    static final String REASON = PREFIX + "reason";
    static final String PARTITION = PREFIX + "partition";
    static final String OFFSET = PREFIX + "offset";
    static final String DELIVERIES = PREFIX + "deliveries";
    static final String ERROR = PREFIX + "error";
    static final String FIRST_MS = PREFIX + "first-ms";
    static final String LAST_MS = PREFIX + "last-ms";
    static final String TIMESTAMP = PREFIX + "timestamp";
    static final String RESOLVE = PREFIX + "resolve";
    /** Bytes of a dead letter's error text kept (longer texts are cut). */
    static final int MAX_ERROR_BYTES = 4096;

    /** What the DLS keeps in memory about an open dead letter. */
    public record Open(long id, String group, int partition, long offset, byte[] key) {
    }

    /** A message a group hands over. */
    public record Submission(String group, DeadLetterReason reason, int partition, Record message, int deliveries,
            String error, long firstDeliveryMs, long lastDeliveryMs) {
    }

    enum Resolution {
        RESEND, DROP;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PartitionStore log;
    private final BrokerContext context;
    private final TreeMap<Long, Open> open = new TreeMap<>();
    /** group → (partition, offset) → id, for the open ones: a message is in the DLS once per group. */
    private final Map<String, Map<MessageRef, Long>> byMessage = new HashMap<>();

    private DeadLetters(BrokerContext context, PartitionStore log) {
        this.context = context;
        this.log = log;
    }

    static DeadLetters open(BrokerContext context, Path stationDir) {
        DeadLetters dls = new DeadLetters(context, context.openStore(stationDir.resolve(DIR), context.dlsConfig()));
        dls.scan();
        return dls;
    }

    private void scan() {
        long offset = log.firstOffset();
        while (offset < log.nextOffset()) {
            FetchResult result = log.read(offset, 1 << 20);
            for (Record record : result.records()) {
                String resolve = header(record, RESOLVE);
                if (resolve == null) {
                    add(opened(record));
                } else {
                    ByteBuffer ids = ByteBuffer.wrap(record.value());
                    while (ids.remaining() >= Long.BYTES) {
                        remove(ids.getLong());
                    }
                }
            }
            offset = result.nextOffset();
        }
    }

    private static Open opened(Record record) {
        return new Open(record.offset(), header(record, GROUP), Integer.parseInt(header(record, PARTITION)),
                Long.parseLong(header(record, OFFSET)), record.key());
    }

    private synchronized void add(Open o) {
        open.put(o.id(), o);
        if (o.offset() >= 0) { // a schema violation (offset -1) was never stored: nothing to find it by
            byMessage.computeIfAbsent(o.group(), g -> new HashMap<>())
                    .put(new MessageRef(o.partition(), o.offset()), o.id());
        }
    }

    private synchronized Open remove(long id) {
        Open o = open.remove(id);
        if (o != null && o.offset() >= 0) {
            Map<MessageRef, Long> ofGroup = byMessage.get(o.group());
            ofGroup.remove(new MessageRef(o.partition(), o.offset()));
            if (ofGroup.isEmpty()) {
                byMessage.remove(o.group());
            }
        }
        return o;
    }

    /**
     * Stores a dead letter; the future completes with its id once it is durable. A message already open in the
     * DLS for the same group is not stored twice (its id is returned).
     */
    public CompletableFuture<Long> add(Submission s) {
        synchronized (this) {
            Long existing = s.message().offset() < 0 ? null : byMessage.getOrDefault(s.group(), Map.of())
                    .get(new MessageRef(s.partition(), s.message().offset()));
            if (existing != null) {
                return CompletableFuture.completedFuture(existing);
            }
        }
        Record m = s.message();
        List<Header> headers = new ArrayList<>(m.headers());
        headers.add(header(GROUP, s.group()));
        headers.add(header(REASON, s.reason().wireName()));
        headers.add(header(PARTITION, Integer.toString(s.partition())));
        headers.add(header(OFFSET, Long.toString(m.offset())));
        headers.add(header(DELIVERIES, Integer.toString(s.deliveries())));
        if (s.error() != null && !s.error().isEmpty()) {
            headers.add(header(ERROR, cut(s.error())));
        }
        headers.add(header(FIRST_MS, Long.toString(s.firstDeliveryMs())));
        headers.add(header(LAST_MS, Long.toString(s.lastDeliveryMs())));
        headers.add(header(TIMESTAMP, Long.toString(m.timestamp())));
        RecordBatchBuilder batch = new RecordBatchBuilder().add(context.clock().millis(), m.key(), m.value(), headers);
        return log.append(batch).thenApply(appended -> {
            add(new Open(appended.baseOffset(), s.group(), s.partition(), m.offset(), m.key()));
            return appended.baseOffset();
        });
    }

    /** The open dead letters of {@code group} (every group when null), oldest first, ids above {@code afterId}. */
    List<DeadLetter> list(String group, long afterId, int limit) {
        return list(group, afterId, limit, Long.MAX_VALUE);
    }

    /**
     * As {@link #list(String, long, int)}, stopping once the letters read hold {@code maxBytes} (keys, values and
     * headers; at least one letter): a page may be shorter than {@code limit}, and the caller asks again after its
     * last id.
     */
    List<DeadLetter> list(String group, long afterId, int limit, long maxBytes) {
        List<Open> selected = new ArrayList<>();
        synchronized (this) {
            for (Open o : open.tailMap(afterId, false).values()) {
                if (selected.size() >= limit) {
                    break;
                }
                if (group == null || group.equals(o.group())) {
                    selected.add(o);
                }
            }
        }
        List<DeadLetter> letters = new ArrayList<>(selected.size());
        long bytes = 0;
        for (Open o : selected) {
            if (!letters.isEmpty() && bytes >= maxBytes) {
                break;
            }
            Record r = read(o.id());
            if (r != null) {
                bytes += LogTypes.sizeOf(r);
                if (!letters.isEmpty() && bytes > maxBytes) {
                    break;
                }
                letters.add(letter(r));
            }
        }
        return letters;
    }

    /** The open dead letters of {@code group} (every group when null), in memory form, oldest first. */
    public synchronized List<Open> openOf(String group) {
        return open.values().stream().filter(o -> group == null || group.equals(o.group())).toList();
    }

    synchronized Open get(long id) {
        return open.get(id);
    }

    public synchronized long count(String group) {
        return group == null ? open.size() : byMessage.getOrDefault(group, Map.of()).size();
    }

    /** The dead letter's record (the message plus the broker's headers); null when retention removed it. */
    public Record read(long id) {
        try {
            for (Record r : log.read(id, 1).records()) {
                if (r.offset() == id) {
                    return r;
                }
            }
            return null;
        } catch (OffsetOutOfRangeException e) {
            return null;
        }
    }

    /** The original message of a dead letter's record: its offset, timestamp, key, value and headers. */
    public static Record original(Record r) {
        List<Header> headers = r.headers().stream().filter(h -> !h.key().startsWith(PREFIX)).toList();
        return Record.of(Long.parseLong(header(r, OFFSET)), Long.parseLong(header(r, TIMESTAMP)), r.key(), r.value(),
                headers);
    }

    static DeadLetter letter(Record r) {
        Record m = original(r);
        String error = header(r, ERROR);
        return new DeadLetter(r.offset(), header(r, GROUP), DeadLetterReason.parse(header(r, REASON)),
                Integer.parseInt(header(r, PARTITION)), m.offset(), Integer.parseInt(header(r, DELIVERIES)),
                error == null ? "" : error, Long.parseLong(header(r, FIRST_MS)), Long.parseLong(header(r, LAST_MS)),
                r.timestamp(), m.key(), m.value(), LogTypes.fromLog(m.headers()), m.timestamp());
    }

    /** Records that the dead letters {@code ids} are resolved (durable on return) and forgets them. */
    void resolve(List<Long> ids, Resolution how) {
        if (ids.isEmpty()) {
            return;
        }
        ByteBuffer value = ByteBuffer.allocate(ids.size() * Long.BYTES);
        ids.forEach(value::putLong);
        log.append(new RecordBatchBuilder().add(context.clock().millis(), null, value.array(),
                List.of(header(RESOLVE, how.wireName())))).join();
        ids.forEach(this::remove);
    }

    /** Drops the DLS segments wholly older than {@code retention}; returns how many open dead letters went. */
    int expire(Duration retention) {
        long cutoff = context.clock().millis() - retention.toMillis();
        OptionalLong from = log.offsetForTimestamp(cutoff);
        log.deleteSegmentsBefore(from.isPresent() ? from.getAsLong() : log.nextOffset());
        long first = log.firstOffset();
        int dropped = 0;
        synchronized (this) {
            for (Long id : List.copyOf(open.headMap(first).keySet())) {
                remove(id);
                dropped++;
            }
        }
        return dropped;
    }

    @Override
    public void close() {
        log.close();
    }

    static String header(Record r, String key) {
        for (Header h : r.headers()) {
            if (h.key().equals(key)) {
                return h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static Header header(String key, String value) {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String cut(String error) {
        byte[] bytes = error.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ERROR_BYTES) {
            return error;
        }
        return new String(bytes, 0, MAX_ERROR_BYTES, StandardCharsets.UTF_8);
    }
}
