package io.junction.broker;

/** Where a new consumer group starts reading, per partition. */
public sealed interface StartPosition {

    /** The first message still in the partition (the default). */
    record Earliest() implements StartPosition {
    }

    /** Only messages produced from now on. */
    record Latest() implements StartPosition {
    }

    /** This offset on every partition (clamped to what the partition holds). */
    record AtOffset(long offset) implements StartPosition {
    }

    /** The first message at or after this time, per partition. */
    record AtTimestamp(long timestampMs) implements StartPosition {
    }

    /** The last N messages of each partition. */
    record LastN(long count) implements StartPosition {
    }

    static StartPosition earliest() {
        return new Earliest();
    }

    static StartPosition latest() {
        return new Latest();
    }
}
