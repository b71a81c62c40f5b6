package io.junction.broker;

import io.junction.errors.ErrorCode;
import java.time.Duration;

/**
 * A station's settings, every one filled in. {@link #withDefaults} turns a request (zeros = "use the default")
 * into this; {@link #validate} refuses values out of range with {@link ErrorCode#INVALID_CONFIG} naming the
 * field. Immutable.
 *
 * @param partitions fixed at creation, 1..1024
 * @param retentionAge how long messages are kept; null = unlimited
 * @param retentionBytes per partition; 0 = unlimited
 * @param retentionMessages per partition; 0 = unlimited
 * @param ackTimeout how long a delivered message may stay unacked before it is redelivered
 * @param maxDeliveries how many times a message is delivered at most; a message that fails that many times goes
 *     to the station's dead-letter station
 * @param ordering the ordering of groups created on this station from now on (a group keeps the one it was
 *     created with)
 * @param dedupWindow how long a msg-id is remembered: a message with a msg-id stored inside it is not stored
 *     again (1 s .. 24 h)
 * @param onDeadLetter what groups created from now on in KEY ordering do with a key whose message was
 *     dead-lettered (a group keeps the one it was created with)
 * @param dlsRetention how long the dead-letter station keeps a dead letter (1 min .. 365 days)
 * @param retentionAck also drop what every existing group has acked (with no group, this drops nothing)
 * @param segmentBytes the size at which a partition's segment is sealed and a new one started; 0 = the broker's
 *     (1 KiB .. 1 GiB). Retention and compaction work on sealed segments only.
 * @param compaction key compaction, off by default ({@link Compaction#OFF})
 * @param schema the schema every produced value is validated against; null for none
 * @param tiering tiered storage: sealed segments uploaded to the broker's object store ({@link Tiering#OFF} by
 *     default; needs a broker started with {@code --s3-bucket})
 */
public record StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
        Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
        Duration dlsRetention, boolean retentionAck, long segmentBytes, Compaction compaction, SchemaBinding schema,
        Tiering tiering) {

    /**
     * Tiered storage (issue #18): sealed segments go to the broker's object store and are read back from it
     * transparently; the local disk keeps what the local retention says, the station's retention bounds the total.
     *
     * @param enabled upload sealed segments
     * @param localRetention how long a segment stays on local disk once uploaded (by its last append); null = no
     *     limit by age
     * @param localRetentionBytes how many bytes per partition stay on local disk; 0 = no limit by size. With
     *     neither limit set, {@link #DEFAULT_LOCAL_RETENTION} applies.
     */
    public record Tiering(boolean enabled, Duration localRetention, long localRetentionBytes) {

        public static final Duration DEFAULT_LOCAL_RETENTION = Duration.ofDays(1);
        public static final Tiering OFF = new Tiering(false, null, 0);

        /** Tiering on, keeping {@link #DEFAULT_LOCAL_RETENTION} on local disk. */
        public static Tiering on() {
            return new Tiering(true, DEFAULT_LOCAL_RETENTION, 0);
        }
    }

    /** Settings without tiering. */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention, boolean retentionAck, long segmentBytes, Compaction compaction,
            SchemaBinding schema) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes, compaction, schema, Tiering.OFF);
    }

    /**
     * A station's schema (issue #6): the broker validates every produced value against it.
     *
     * @param name a schema of the station's tenant
     * @param version a fixed version, or 0 for the latest one (each produce uses the latest at that moment)
     * @param deadLetterViolations also keep a refused message in the station's DLS (reason schema_violation)
     */
    public record SchemaBinding(String name, int version, boolean deadLetterViolations) {

        /** The latest version, violations dead-lettered. */
        public static SchemaBinding latest(String name) {
            return new SchemaBinding(name, 0, true);
        }
    }

    /** Settings without a schema. */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention, boolean retentionAck, long segmentBytes, Compaction compaction) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes, compaction, null);
    }

    public static final long MIN_SEGMENT_BYTES = 1024;
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    /**
     * Key compaction: keeps the latest message of every key. A message older than {@code lag} whose key has a
     * later message is removed; a tombstone older than {@code tombstoneRetention} (and than {@code lag}) is
     * removed too, and with it its key. Keyless messages are kept until the station's retention age. The
     * dedup window also holds compaction back, so retried msg-ids and producer requests are still recognised.
     *
     * @param enabled compaction on or off
     * @param lag the history window: messages younger than it are never compacted (0 = none)
     * @param tombstoneRetention how long a tombstone stays readable (default 1 day)
     */
    public record Compaction(boolean enabled, Duration lag, Duration tombstoneRetention) {

        public static final Duration DEFAULT_TOMBSTONE_RETENTION = Duration.ofDays(1);
        public static final Compaction OFF = new Compaction(false, Duration.ZERO, DEFAULT_TOMBSTONE_RETENTION);

        /** Compaction on with {@code lag} and the default tombstone retention. */
        public static Compaction on(Duration lag) {
            return new Compaction(true, lag, DEFAULT_TOMBSTONE_RETENTION);
        }
    }

    /** Settings with the broker's segment size and without compaction. */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention, boolean retentionAck) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, retentionAck, 0, Compaction.OFF);
    }

    /** Settings without ack-based retention. */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow, OnDeadLetter onDeadLetter,
            Duration dlsRetention) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, onDeadLetter, dlsRetention, false);
    }

    public static final Ordering DEFAULT_ORDERING = Ordering.KEY;
    public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofMinutes(2);
    public static final Duration MAX_DEDUP_WINDOW = Duration.ofHours(24);
    public static final OnDeadLetter DEFAULT_ON_DEAD_LETTER = OnDeadLetter.SKIP;
    public static final Duration DEFAULT_DLS_RETENTION = Duration.ofDays(7);

    /** Settings with the default dead-letter handling (skip, 7 days). */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering, Duration dedupWindow) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                dedupWindow, DEFAULT_ON_DEAD_LETTER, DEFAULT_DLS_RETENTION);
    }

    /** These settings with another dead-letter handling. */
    public StationConfig withDeadLetters(OnDeadLetter onDeadLetter, Duration dlsRetention) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes,
                compaction, schema, tiering);
    }

    /** These settings with ack-based retention on or off. */
    public StationConfig withRetentionAck(boolean on) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, on, segmentBytes, compaction, schema,
                tiering);
    }

    /** These settings with another segment size (0 = the broker's). */
    public StationConfig withSegmentBytes(long bytes) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, bytes, compaction,
                schema, tiering);
    }

    /** These settings with another compaction setting. */
    public StationConfig withCompaction(Compaction newCompaction) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes,
                newCompaction, schema, tiering);
    }

    /** These settings with another schema (null: none). */
    public StationConfig withSchema(SchemaBinding newSchema) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes,
                compaction, newSchema, tiering);
    }

    /** These settings with another tiering setting. */
    public StationConfig withTiering(Tiering newTiering) {
        return new StationConfig(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout,
                maxDeliveries, ordering, dedupWindow, onDeadLetter, dlsRetention, retentionAck, segmentBytes,
                compaction, schema, newTiering);
    }

    /** Settings with the default dedup window. */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries, Ordering ordering) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries, ordering,
                DEFAULT_DEDUP_WINDOW);
    }

    /** Settings with the default ordering ({@link Ordering#KEY}). */
    public StationConfig(int partitions, Duration retentionAge, long retentionBytes, long retentionMessages,
            Duration ackTimeout, int maxDeliveries) {
        this(partitions, retentionAge, retentionBytes, retentionMessages, ackTimeout, maxDeliveries,
                DEFAULT_ORDERING);
    }

    public static final int DEFAULT_PARTITIONS = 1;
    public static final int MAX_PARTITIONS = 1024;
    public static final Duration DEFAULT_RETENTION_AGE = Duration.ofDays(7);
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_DELIVERIES = 5;

    public static StationConfig defaults() {
        return new StationConfig(DEFAULT_PARTITIONS, DEFAULT_RETENTION_AGE, 0, 0, DEFAULT_ACK_TIMEOUT,
                DEFAULT_MAX_DELIVERIES);
    }

    /**
     * Fills in defaults: {@code 0} / null mean "default"; a negative retention age means unlimited.
     */
    public static StationConfig withDefaults(int partitions, long retentionAgeMs, long retentionBytes,
            long retentionMessages, long ackTimeoutMs, int maxDeliveries) {
        if (retentionAgeMs < -1) {
            throw invalid("retention age must be -1 ms (unlimited), 0 (the default) or positive, was "
                    + retentionAgeMs + " ms");
        }
        return new StationConfig(partitions == 0 ? DEFAULT_PARTITIONS : partitions,
                retentionAgeMs == 0 ? DEFAULT_RETENTION_AGE : retentionAgeMs < 0 ? null
                        : Duration.ofMillis(retentionAgeMs),
                retentionBytes, retentionMessages,
                ackTimeoutMs == 0 ? DEFAULT_ACK_TIMEOUT : Duration.ofMillis(ackTimeoutMs),
                maxDeliveries == 0 ? DEFAULT_MAX_DELIVERIES : maxDeliveries).validate();
    }

    /** @throws BrokerException INVALID_CONFIG naming the first field out of range */
    public StationConfig validate() {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw invalid("partitions must be in [1, " + MAX_PARTITIONS + "], was " + partitions);
        }
        if (retentionAge != null && retentionAge.toMillis() < 1) {
            throw invalid("retention age must be positive, was " + retentionAge);
        }
        if (retentionBytes < 0) {
            throw invalid("retention bytes must not be negative, was " + retentionBytes);
        }
        if (retentionMessages < 0) {
            throw invalid("retention messages must not be negative, was " + retentionMessages);
        }
        if (ackTimeout == null || ackTimeout.toMillis() < 100 || ackTimeout.compareTo(Duration.ofHours(12)) > 0) {
            throw invalid("ack timeout must be in [100ms, 12h], was " + ackTimeout);
        }
        if (maxDeliveries < 1 || maxDeliveries > 1000) {
            throw invalid("max deliveries must be in [1, 1000], was " + maxDeliveries);
        }
        if (ordering == null) {
            throw invalid("ordering must be key, partition or none");
        }
        if (dedupWindow == null || dedupWindow.toMillis() < 1000 || dedupWindow.compareTo(MAX_DEDUP_WINDOW) > 0) {
            throw invalid("dedup window must be in [1s, 24h], was " + dedupWindow);
        }
        if (onDeadLetter == null) {
            throw invalid("on-dead-letter must be skip or park");
        }
        if (dlsRetention == null || dlsRetention.compareTo(Duration.ofMinutes(1)) < 0
                || dlsRetention.compareTo(Duration.ofDays(365)) > 0) {
            throw invalid("dead-letter retention must be in [1m, 365d], was " + dlsRetention);
        }
        if (segmentBytes != 0 && (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES)) {
            throw invalid("segment bytes must be in [1KiB, 1GiB], was " + segmentBytes);
        }
        if (compaction == null) {
            throw invalid("compaction settings are missing");
        }
        if (compaction.lag() == null || compaction.lag().isNegative()) {
            throw invalid("compaction lag must not be negative, was " + compaction.lag());
        }
        if (compaction.tombstoneRetention() == null || compaction.tombstoneRetention().isNegative()) {
            throw invalid("tombstone retention must not be negative, was " + compaction.tombstoneRetention());
        }
        if (schema != null && (schema.name() == null || schema.version() < 0)) {
            throw invalid("a station's schema needs a name and a version (0 = latest), was " + schema);
        }
        if (tiering == null) {
            throw invalid("tiering settings are missing");
        }
        if (tiering.localRetention() != null && tiering.localRetention().toMillis() < 1000) {
            throw invalid("local retention must be at least 1s, was " + tiering.localRetention());
        }
        if (tiering.localRetentionBytes() < 0) {
            throw invalid("local retention bytes must not be negative, was " + tiering.localRetentionBytes());
        }
        if (compaction.enabled() && (retentionBytes > 0 || retentionMessages > 0 || retentionAck)) {
            throw invalid("compaction keeps the latest message of every key: it cannot be combined with retention "
                    + "by bytes, by messages or by acks (the retention age still applies to keyless messages)");
        }
        return this;
    }

    private static BrokerException invalid(String message) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, message);
    }
}
