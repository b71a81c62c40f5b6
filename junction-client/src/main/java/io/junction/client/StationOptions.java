package io.junction.client;

import java.time.Duration;

/**
 * A station's settings. On create, an unset setting ({@code 0} or {@code null}) takes the broker's default; on
 * update, it keeps the station's current value. The number of partitions is fixed at creation.
 *
 * @param partitions the number of partitions; 0: the default (1)
 * @param retentionAge how long messages are kept; null: the default (7 days); negative: no age limit
 * @param retentionBytes the most bytes kept per partition (whole segments); 0: no limit
 * @param retentionMessages the most messages kept per partition (whole segments); 0: no limit
 * @param ackTimeout how long a delivered message may stay unacked before it is redelivered; null: the default (30 s)
 * @param maxDeliveries how often a message is delivered at most; 0: the default (5)
 * @param ordering the ordering of groups created on the station from now on (a group keeps the one it was
 *     created with); null: the default ({@link Ordering#KEY})
 * @param dedupWindow how long a msg-id is remembered to refuse duplicates; null: the default (2 min)
 * @param onDeadLetter the default of groups created from now on for keys whose message was dead-lettered;
 *     null: the default ({@link OnDeadLetter#SKIP})
 * @param dlsRetention how long the dead-letter station keeps a dead letter; null: the default (7 days)
 * @param retentionAck also drop what every existing group has acked; null: off (create), unchanged (update)
 * @param segmentBytes the size at which a partition's segment is sealed (1 KiB .. 1 GiB); 0: the broker's;
 *     fixed at creation
 * @param compaction key compaction (keeps the latest message of every key); null: off (create), unchanged
 *     (update). Not combinable with retention by bytes, messages or acks.
 * @param compactionLag messages younger than this are never compacted; null: 0 (create), unchanged (update)
 * @param tombstoneRetention how long a tombstone stays readable; null: 1 day (create), unchanged (update)
 * @param tiering tiered storage: sealed segments uploaded to the server's object store and read back from it;
 *     null: off (create), unchanged (update). Needs a server started with an object store.
 * @param localRetention with tiering, how long uploaded segments stay on the server's disk too; null: unset (no
 *     limit by age on create, unchanged on update); negative: no limit by age. With neither local limit the
 *     broker keeps 1 day.
 * @param localRetentionBytes with tiering, the most bytes per partition kept on the server's disk; 0: unset (no
 *     limit by size on create, unchanged on update); negative: no limit by size
 */
public record StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
        Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
        Duration dlsRetention, Boolean retentionAck, long segmentBytes, Boolean compaction, Duration compactionLag,
        Duration tombstoneRetention, Boolean tiering, Duration localRetention, long localRetentionBytes) {

    /** Options with tiering left unset. */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention, Boolean retentionAck, long segmentBytes, Boolean compaction, Duration compactionLag,
            Duration tombstoneRetention) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes, compaction, compactionLag,
                tombstoneRetention, null, null, 0);
    }

    /** Options with segment size and compaction left unset. */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention, Boolean retentionAck) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, retentionAck, 0, null, null, null);
    }

    /** Options with ack-based retention left unset. */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, null);
    }

    /** Options with the dead-letter settings left unset. */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, null, null);
    }

    /** Options with the dedup window left unset. */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering, null);
    }

    /** Options with the ordering left unset (the default on create, unchanged on update). */
    public StationOptions(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, null);
    }

    /** Every setting left to the broker's default. */
    public static StationOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether the station keeps messages whatever their age. */
    public boolean unlimitedAge() {
        return retentionAge != null && retentionAge.isNegative();
    }

    /** Builds {@link StationOptions}; not thread-safe. */
    public static final class Builder {
        private int partitions;
        private Duration retentionAge;
        private long retentionBytes;
        private long retentionMessages;
        private Duration ackTimeout;
        private int maxDeliveries;
        private Ordering ordering;
        private Duration dedupWindow;
        private OnDeadLetter onDeadLetter;
        private Duration dlsRetention;
        private Boolean retentionAck;
        private long segmentBytes;
        private Boolean compaction;
        private Duration compactionLag;
        private Duration tombstoneRetention;
        private Boolean tiering;
        private Duration localRetention;
        private long localRetentionBytes;

        private Builder() {
        }

        /** Tiered storage on or off (needs a server with an object store). */
        public Builder tiering(Boolean tiering) {
            this.tiering = tiering;
            return this;
        }

        /**
         * With tiering, keep uploaded segments on the server's disk this long (negative: no limit by age); with
         * neither this nor {@link #localRetentionBytes} the broker keeps 1 day.
         */
        public Builder localRetention(Duration localRetention) {
            this.localRetention = localRetention;
            return this;
        }

        /** With tiering, keep at most this many bytes per partition on the server's disk (negative: no limit). */
        public Builder localRetentionBytes(long localRetentionBytes) {
            this.localRetentionBytes = localRetentionBytes;
            return this;
        }

        /** The size at which a partition's segment is sealed (1 KiB .. 1 GiB); fixed at creation. */
        public Builder segmentBytes(long segmentBytes) {
            this.segmentBytes = segmentBytes;
            return this;
        }

        /** Key compaction on or off: keeps the latest message of every key. */
        public Builder compaction(Boolean compaction) {
            this.compaction = compaction;
            return this;
        }

        /** The history window: messages younger than it are never compacted. */
        public Builder compactionLag(Duration compactionLag) {
            this.compactionLag = compactionLag;
            return this;
        }

        /** How long a tombstone stays readable before compaction removes it and its key. */
        public Builder tombstoneRetention(Duration tombstoneRetention) {
            this.tombstoneRetention = tombstoneRetention;
            return this;
        }

        /** Also drop what every existing group has acked (with no group this drops nothing). */
        public Builder retentionAck(Boolean retentionAck) {
            this.retentionAck = retentionAck;
            return this;
        }

        /** The default dead-letter policy of groups created on the station (KEY ordering). */
        public Builder onDeadLetter(OnDeadLetter onDeadLetter) {
            this.onDeadLetter = onDeadLetter;
            return this;
        }

        /** How long the station's dead-letter station keeps a dead letter (1 min .. 365 days). */
        public Builder dlsRetention(Duration dlsRetention) {
            this.dlsRetention = dlsRetention;
            return this;
        }

        public Builder dedupWindow(Duration dedupWindow) {
            this.dedupWindow = dedupWindow;
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder retentionAge(Duration retentionAge) {
            this.retentionAge = retentionAge;
            return this;
        }

        public Builder retentionBytes(long retentionBytes) {
            this.retentionBytes = retentionBytes;
            return this;
        }

        public Builder retentionMessages(long retentionMessages) {
            this.retentionMessages = retentionMessages;
            return this;
        }

        public Builder ackTimeout(Duration ackTimeout) {
            this.ackTimeout = ackTimeout;
            return this;
        }

        public Builder maxDeliveries(int maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /** The default ordering of groups created on the station; null: the broker's default (create), unchanged
         * (update). */
        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        public StationOptions build() {
            return new StationOptions(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                    maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes,
                    compaction, compactionLag, tombstoneRetention, tiering, localRetention, localRetentionBytes);
        }
    }
}
