package io.junction.client;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a new consumer group starts reading. It applies only when the group is created (explicitly or by its first
 * subscription); an existing group continues from its own cursor.
 */
public final class StartPosition {

    /** The kinds of start position. */
    public enum Kind { EARLIEST, LATEST, OFFSET, TIMESTAMP, LAST_N }

    private static final StartPosition EARLIEST = new StartPosition(Kind.EARLIEST, 0);
    private static final StartPosition LATEST = new StartPosition(Kind.LATEST, 0);

    private final Kind kind;
    private final long value;

    private StartPosition(Kind kind, long value) {
        this.kind = kind;
        this.value = value;
    }

    /** From the first message still kept (the default). */
    public static StartPosition earliest() {
        return EARLIEST;
    }

    /** Only messages produced after the group is created. */
    public static StartPosition latest() {
        return LATEST;
    }

    /** From this offset on every partition. */
    public static StartPosition offset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, not " + offset);
        }
        return new StartPosition(Kind.OFFSET, offset);
    }

    /** From the first message at or after this time, on every partition. */
    public static StartPosition timestamp(Instant time) {
        return new StartPosition(Kind.TIMESTAMP, Objects.requireNonNull(time, "time").toEpochMilli());
    }

    /** The last {@code n} messages of every partition. */
    public static StartPosition lastN(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, not " + n);
        }
        return new StartPosition(Kind.LAST_N, n);
    }

    public Kind kind() {
        return kind;
    }

    /** The offset, the time in epoch milliseconds, or N; 0 for {@link Kind#EARLIEST} and {@link Kind#LATEST}. */
    public long value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartPosition && ((StartPosition) o).kind == kind && ((StartPosition) o).value == value;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Long.hashCode(value);
    }

    /** {@code earliest}, {@code latest}, {@code offset:N}, {@code time:ISO-8601} or {@code last:N}. */
    @Override
    public String toString() {
        switch (kind) {
            case OFFSET:
                return "offset:" + value;
            case TIMESTAMP:
                return "time:" + Instant.ofEpochMilli(value);
            case LAST_N:
                return "last:" + value;
            default:
                return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
