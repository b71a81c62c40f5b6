package io.junction.broker.internal.station;

import io.junction.broker.BrokerException;
import io.junction.broker.BrowseResult;
import io.junction.broker.Header;
import io.junction.broker.StartPosition;
import io.junction.broker.StoredMessage;
import io.junction.broker.internal.LogTypes;
import io.junction.errors.ErrorCode;
import io.junction.log.FetchResult;
import io.junction.log.LogException;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a partition's stored messages without a group (the message browser of the UI and REST gateway): from a
 * position, at most a limit of messages, optionally only those containing a text. Reads go to the store directly,
 * as groups' read-ahead does; nothing is written and no group state is touched.
 *
 * <p>Bounded: a page stops at {@code limit} messages, at about {@code maxBytes} of keys, values and headers (one
 * message always goes), and after {@link #MAX_SCAN_BYTES} of stored batches looked at (a search that finds little
 * returns what it found with the offset to go on from, never scans a whole partition in one call).
 *
 * <p>Stateless; thread-safe.
 */
public final class Browsing {

    /** Bytes of stored batches read from the partition at a time. */
    static final int READ_BYTES = 256 * 1024;
    /** Bytes of stored batches one call looks at, at most: then it returns what it found and where to go on. */
    static final long MAX_SCAN_BYTES = 16L << 20;
    /** The most messages one call returns. */
    public static final int MAX_LIMIT = 1000;
    /** The longest search text, in UTF-8 bytes. */
    static final int MAX_SEARCH_BYTES = 1024;

    private Browsing() {
    }

    /**
     * @param search a text (case-sensitive, as UTF-8 bytes) a message's key, value, a header name or a header value
     *     must contain; null or empty: every message
     * @throws BrokerException INVALID_ARGUMENT for a limit outside [1, {@value #MAX_LIMIT}], a negative offset,
     *     timestamp or count, or a search text over {@value #MAX_SEARCH_BYTES} bytes; STORAGE_ERROR when what it
     *     must read cannot be read now (a tiered partition's object store failing)
     */
    static BrowseResult browse(PartitionStore log, int partition, StartPosition from, int limit, String search,
            long maxBytes, String schemaName, int schemaVersion) {
        try {
            return browseReadable(log, partition, from, limit, search, maxBytes, schemaName, schemaVersion);
        } catch (OffsetOutOfRangeException e) {
            throw e;
        } catch (LogException e) {
            throw LogTypes.unreadable(partition, e);
        }
    }

    private static BrowseResult browseReadable(PartitionStore log, int partition, StartPosition from, int limit,
            String search, long maxBytes, String schemaName, int schemaVersion) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be in [1, " + MAX_LIMIT + "], was "
                    + limit);
        }
        byte[] needle = search == null || search.isEmpty() ? null : search.getBytes(StandardCharsets.UTF_8);
        if (needle != null && needle.length > MAX_SEARCH_BYTES) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "search text is " + needle.length
                    + " bytes, more than the limit of " + MAX_SEARCH_BYTES);
        }
        long at = start(log, from == null ? StartPosition.earliest() : from);
        List<StoredMessage> found = new ArrayList<>();
        long bytes = 0;
        long scanned = 0;
        boolean full = false;
        while (!full && scanned < MAX_SCAN_BYTES && at < log.nextOffset()) {
            FetchResult result;
            try {
                result = log.read(at, READ_BYTES);
            } catch (OffsetOutOfRangeException removed) { // retention went past `at` meanwhile
                long first = log.firstOffset();
                if (first <= at) {
                    break;
                }
                at = first;
                continue;
            }
            if (result.nextOffset() <= at) {
                break; // nothing readable there yet
            }
            long next = result.nextOffset();
            for (Record r : result.records()) {
                if (needle != null && !matches(r, needle)) {
                    continue;
                }
                int size = LogTypes.sizeOf(r);
                if (!found.isEmpty() && bytes + size > maxBytes) {
                    next = r.offset();
                    full = true;
                    break;
                }
                found.add(message(partition, r));
                bytes += size;
                if (found.size() >= limit) {
                    next = r.offset() + 1;
                    full = true;
                    break;
                }
            }
            scanned += result.sizeInBytes();
            at = next;
        }
        long end = log.nextOffset();
        return new BrowseResult(partition, found, at, at >= end, log.firstOffset(), end, schemaName, schemaVersion);
    }

    /** Where a page starts: below the partition's start it starts there, beyond its end at the end. */
    private static long start(PartitionStore log, StartPosition from) {
        long first = log.firstOffset();
        long end = log.nextOffset();
        return switch (from) {
            case StartPosition.Earliest e -> first;
            case StartPosition.Latest l -> end;
            case StartPosition.AtOffset o -> {
                if (o.offset() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "offset must not be negative, was "
                            + o.offset());
                }
                yield Math.min(end, Math.max(first, o.offset()));
            }
            case StartPosition.AtTimestamp t -> {
                if (t.timestampMs() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "timestamp_ms must not be negative, was "
                            + t.timestampMs());
                }
                yield log.offsetForTimestamp(t.timestampMs()).orElse(end);
            }
            case StartPosition.LastN n -> {
                if (n.count() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "last_n must not be negative, was "
                            + n.count());
                }
                yield Math.max(first, end - n.count());
            }
        };
    }

    private static StoredMessage message(int partition, Record r) {
        String schema = "";
        int version = 0;
        for (io.junction.log.Header h : r.headers()) {
            if (h.key().equals(ProducePipeline.SCHEMA_HEADER) && h.value() != null) {
                String ref = new String(h.value(), StandardCharsets.UTF_8);
                int colon = ref.lastIndexOf(':');
                try {
                    version = colon < 0 ? 0 : Integer.parseInt(ref.substring(colon + 1));
                    schema = colon < 0 ? "" : ref.substring(0, colon);
                } catch (NumberFormatException notOurs) {
                    version = 0;
                }
            }
        }
        return new StoredMessage(partition, r.offset(), r.timestamp(), r.key(), r.value() == null ? new byte[0]
                : r.value(), LogTypes.fromLog(r.headers()), r.isTombstone(), schema, version);
    }

    /** Whether the key, the value, a header's name or a header's value contains {@code needle}. */
    static boolean matches(Record r, byte[] needle) {
        if (contains(r.key(), needle) || contains(r.value(), needle)) {
            return true;
        }
        for (io.junction.log.Header h : r.headers()) {
            if (contains(h.key().getBytes(StandardCharsets.UTF_8), needle) || contains(h.value(), needle)) {
                return true;
            }
        }
        return false;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null || haystack.length < needle.length) {
            return false;
        }
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
