package io.junction.broker.internal;

import io.junction.broker.Durability;
import io.junction.broker.Header;
import java.util.List;

/**
 * The broker's API types as the storage engine's and back, converted here, where messages are stored or read, so
 * that the API carries no log type (io.junction.log); and what a stored message weighs against the limits, the same
 * for groups, browsing and dead letters. Stateless.
 */
public final class LogTypes {

    private LogTypes() {
    }

    /** The log's headers as the broker's (no copy of keys or values). */
    public static List<Header> fromLog(List<io.junction.log.Header> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        Header[] out = new Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            io.junction.log.Header h = headers.get(i);
            out[i] = new Header(h.key(), h.value());
        }
        return List.of(out);
    }

    /** The broker's headers as the log stores them (no copy of keys or values). */
    public static List<io.junction.log.Header> toLog(List<Header> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        io.junction.log.Header[] out = new io.junction.log.Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            Header h = headers.get(i);
            out[i] = new io.junction.log.Header(h.key(), h.value());
        }
        return List.of(out);
    }

    /** The partition logs' setting of the same meaning. */
    public static io.junction.log.Durability toLog(Durability durability) {
        return switch (durability) {
            case FSYNC -> io.junction.log.Durability.FSYNC;
            case INTERVAL -> io.junction.log.Durability.INTERVAL;
        };
    }

    /** What a message weighs against the limits: its key, value and headers. */
    public static int sizeOf(io.junction.log.Record r) {
        long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (io.junction.log.Header h : r.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /**
     * A partition that cannot be read now (its object store failing, a segment refused) as the error a caller gets:
     * STORAGE_ERROR (retriable) with the cause's message, not INTERNAL.
     */
    public static io.junction.broker.BrokerException unreadable(int partition, io.junction.log.LogException e) {
        return new io.junction.broker.BrokerException(io.junction.errors.ErrorCode.STORAGE_ERROR, "partition "
                + partition + " cannot be read now: " + e.getMessage(), e);
    }
}
