package io.junction.broker;

import io.junction.log.LogConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Broker-wide settings, validated once. Immutable.
 *
 * @param dataDir everything the broker keeps lives under it
 * @param maxMessageBytes largest message (key + value + headers), default 1 MiB, at most 64 MiB
 * @param durability of the stations' partitions: {@code FSYNC} (default) or {@code INTERVAL}
 * @param flushInterval fsync period of group state (acks) and of {@code INTERVAL} partitions; acks younger
 *     than this may be lost by a crash (they come back as redeliveries, never as losses)
 * @param clock the broker's clock
 * @param segmentBytes the size at which a partition's segment is sealed (retention deletes whole segments)
 * @param compactionBytesPerSecond how fast compaction may read, all stations together (0 = unlimited)
 * @param consumerLimits what one group member may hold, however many credits it grants
 */
public record BrokerConfig(Path dataDir, int maxMessageBytes, Durability durability, Duration flushInterval,
        Clock clock, long segmentBytes, long compactionBytesPerSecond, ConsumerLimits consumerLimits) {

    public static final long DEFAULT_COMPACTION_BYTES_PER_SECOND = 64L << 20;

    /**
     * Bounds on one group member, whatever its client asks for.
     *
     * @param maxPrefetch the most unacked deliveries a member holds (its credits beyond that wait for acks)
     * @param maxPrefetchBytes the most bytes (key + value + headers) of unacked deliveries a member holds; one
     *     message always goes, however large
     * @param stallTimeout how long a member may leave its stream unread (the transport refuses more) before it is
     *     removed and its deliveries go back to the group
     * @param heldBytes the most bytes of message contents all groups together keep in memory beyond what they
     *     hand out (messages waiting behind busy keys, messages read again); past it they keep offsets and read
     *     the contents again when needed
     */
    public record ConsumerLimits(int maxPrefetch, long maxPrefetchBytes, Duration stallTimeout, long heldBytes) {
        /** The default of {@link #heldBytes}: 256 MiB. */
        public static final long DEFAULT_HELD_BYTES = 256L << 20;
        public static final ConsumerLimits DEFAULTS = new ConsumerLimits(1000, 32L << 20, Duration.ofSeconds(30));

        /** Limits with the default {@link #heldBytes}. */
        public ConsumerLimits(int maxPrefetch, long maxPrefetchBytes, Duration stallTimeout) {
            this(maxPrefetch, maxPrefetchBytes, stallTimeout, DEFAULT_HELD_BYTES);
        }

        public ConsumerLimits {
            if (maxPrefetch < 1) {
                throw new IllegalArgumentException("maxPrefetch must be at least 1, was " + maxPrefetch);
            }
            if (maxPrefetchBytes < 1) {
                throw new IllegalArgumentException("maxPrefetchBytes must be at least 1, was " + maxPrefetchBytes);
            }
            if (stallTimeout == null || stallTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("stallTimeout must be at least 1ms, was " + stallTimeout);
            }
            if (heldBytes < 0) {
                throw new IllegalArgumentException("heldBytes must not be negative, was " + heldBytes);
            }
        }
    }

    /** Settings with the default consumer limits. */
    public BrokerConfig(Path dataDir, int maxMessageBytes, Durability durability, Duration flushInterval,
            Clock clock, long segmentBytes, long compactionBytesPerSecond) {
        this(dataDir, maxMessageBytes, durability, flushInterval, clock, segmentBytes, compactionBytesPerSecond,
                ConsumerLimits.DEFAULTS);
    }

    /** Settings with the default compaction throttle. */
    public BrokerConfig(Path dataDir, int maxMessageBytes, Durability durability, Duration flushInterval,
            Clock clock, long segmentBytes) {
        this(dataDir, maxMessageBytes, durability, flushInterval, clock, segmentBytes,
                DEFAULT_COMPACTION_BYTES_PER_SECOND);
    }

    /** Settings with the default segment size (1 GiB). */
    public BrokerConfig(Path dataDir, int maxMessageBytes, Durability durability, Duration flushInterval,
            Clock clock) {
        this(dataDir, maxMessageBytes, durability, flushInterval, clock, DEFAULT_SEGMENT_BYTES);
    }

    /** The size at which a partition's segment is sealed, unless set: the log's default (1 GiB). */
    public static final long DEFAULT_SEGMENT_BYTES = LogConfig.DEFAULT_SEGMENT_BYTES;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
    public static final int MAX_MAX_MESSAGE_BYTES = 64 << 20;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

    public BrokerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(consumerLimits, "consumerLimits");
        if (maxMessageBytes < 1 || maxMessageBytes > MAX_MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes must be in [1, " + MAX_MAX_MESSAGE_BYTES + "], was "
                    + maxMessageBytes);
        }
        if (compactionBytesPerSecond < 0) {
            throw new IllegalArgumentException("compactionBytesPerSecond must not be negative, was "
                    + compactionBytesPerSecond);
        }
        if (flushInterval == null || flushInterval.toMillis() < 1) {
            throw new IllegalArgumentException("flushInterval must be at least 1ms, was " + flushInterval);
        }
    }

    public static BrokerConfig defaults(Path dataDir) {
        return new BrokerConfig(dataDir, DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC, DEFAULT_FLUSH_INTERVAL,
                Clock.systemUTC());
    }
}
