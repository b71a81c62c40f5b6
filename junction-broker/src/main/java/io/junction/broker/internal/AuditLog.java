package io.junction.broker.internal;

import io.junction.broker.AuditEntry;
import io.junction.log.FetchResult;
import io.junction.log.Header;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A tenant's audit log, in {@code DATA/tenants/T/audit/}: a log of its own (fsynced before an append completes,
 * like the dead letters), one record per {@link AuditEntry} — the record's timestamp is the entry's time, its key
 * the action, its value the message, the other fields headers. Entries older than {@link #RETENTION} go, whole
 * segments at a time, checked at most once an hour when an entry is added.
 *
 * <p>Thread-safe: appends may come from any thread (the log orders them); reads take no lock.
 */
public final class AuditLog implements AutoCloseable {

    static final String DIR = "audit";
    static final Duration RETENTION = Duration.ofDays(90);
    /** The longest field kept, in characters (a message quoting a huge input is cut). */
    static final int MAX_FIELD_CHARS = 1024;
    private static final long RETENTION_CHECK_MS = 3_600_000;

    private static final String WHO = "who";
    private static final String VIA = "via";
    private static final String ADDRESS = "address";
    private static final String TARGET = "target";
    private static final String RESULT = "result";

    private final BrokerContext context;
    private final PartitionStore log;
    private volatile long lastRetentionMs;

    private AuditLog(BrokerContext context, PartitionStore log) {
        this.context = context;
        this.log = log;
    }

    public static AuditLog open(BrokerContext context, Path tenantDir) {
        return new AuditLog(context, context.openStore(tenantDir.resolve(DIR), context.dlsConfig()));
    }

    /** Stores an entry; completes once it is durable. */
    public CompletableFuture<Void> append(AuditEntry e) {
        long now = context.clock().millis();
        List<Header> headers = List.of(header(WHO, e.who()), header(VIA, e.via()), header(ADDRESS, e.address()),
                header(TARGET, e.target()), header(RESULT, e.result()));
        RecordBatchBuilder batch = new RecordBatchBuilder().add(now, utf8(e.action()), utf8(e.message()), headers);
        CompletableFuture<Void> done = log.append(batch).thenApply(appended -> null);
        if (now - lastRetentionMs >= RETENTION_CHECK_MS) {
            lastRetentionMs = now;
            OptionalLong cut = log.offsetForTimestamp(now - RETENTION.toMillis());
            log.deleteSegmentsBefore(cut.orElse(log.nextOffset()));
        }
        return done;
    }

    /** Up to {@code limit} entries recorded at or after {@code sinceMs} with an id above {@code afterId}, oldest first. */
    public List<AuditEntry> read(long sinceMs, long afterId, int limit) {
        long offset = Math.max(afterId + 1, log.offsetForTimestamp(sinceMs).orElse(log.nextOffset()));
        offset = Math.max(offset, log.firstOffset());
        List<AuditEntry> entries = new ArrayList<>();
        while (offset < log.nextOffset() && entries.size() < limit) {
            FetchResult result = log.read(offset, 1 << 20);
            for (Record r : result.records()) {
                if (r.offset() >= offset && r.timestamp() >= sinceMs && entries.size() < limit) {
                    entries.add(new AuditEntry(r.timestamp(), get(r, WHO), get(r, VIA), get(r, ADDRESS),
                            text(r.key()), get(r, TARGET), get(r, RESULT), text(r.value()), r.offset()));
                }
            }
            if (result.nextOffset() <= offset) {
                break;
            }
            offset = result.nextOffset();
        }
        return entries;
    }

    @Override
    public void close() {
        log.close();
    }

    private static Header header(String key, String value) {
        return new Header(key, utf8(value));
    }

    private static byte[] utf8(String s) {
        String kept = s == null ? "" : s.length() <= MAX_FIELD_CHARS ? s : s.substring(0, MAX_FIELD_CHARS) + "...";
        return kept.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String get(Record r, String key) {
        for (Header h : r.headers()) {
            if (h.key().equals(key)) {
                return text(h.value());
            }
        }
        return "";
    }
}
