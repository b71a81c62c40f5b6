package io.junction.log;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one partition log, validated once when built; a bad value names its field. Each setting's
 * name, default and meaning is here and nowhere else. Immutable; thread-safe.
 */
public final class LogConfig {

    /** Segment size at which the log rolls to a new segment. */
    public static final long DEFAULT_SEGMENT_BYTES = 1L << 30;
    /** Age (since its first batch) at which a segment is rolled, so retention can drop old data in time. */
    public static final Duration DEFAULT_SEGMENT_AGE = Duration.ofDays(7);
    public static final Durability DEFAULT_DURABILITY = Durability.FSYNC;
    /** In {@link Durability#INTERVAL} mode: how often the background fsync runs. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /**
     * In {@link Durability#INTERVAL} mode: unflushed bytes at which the background fsync runs before its interval
     * is up. One fsync of a large dirty range stalls the disk for readers and writers alike (a 1 s interval at
     * 100 MB/s: p99 end-to-end 22 ms; 30 s: 416 ms); smaller, earlier fsyncs keep that stall short.
     */
    public static final int DEFAULT_FLUSH_BYTES = 8 << 20;
    /** Bytes of batches between two entries of the sparse offset and time indexes. */
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    /** Largest batch accepted: a 64 MiB message (the broker's ceiling) plus room for its key and headers. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 65 << 20;

    static final long MIN_SEGMENT_BYTES = 1024;
    static final long MAX_SEGMENT_BYTES = Integer.MAX_VALUE;

    private final long segmentBytes;
    private final Duration segmentAge;
    private final Durability durability;
    private final Duration flushInterval;
    private final int flushBytes;
    private final int indexIntervalBytes;
    private final int maxBatchBytes;
    private final Clock clock;
    private final Flusher flusher;
    private final OpenFiles openFiles;
    private final FsyncObserver fsyncObserver;

    private LogConfig(Builder b) {
        this.segmentBytes = b.segmentBytes;
        this.segmentAge = b.segmentAge;
        this.durability = b.durability;
        this.flushInterval = b.flushInterval;
        this.flushBytes = b.flushBytes;
        this.indexIntervalBytes = b.indexIntervalBytes;
        this.maxBatchBytes = b.maxBatchBytes;
        this.clock = b.clock;
        this.flusher = b.flusher;
        this.openFiles = b.openFiles;
        this.fsyncObserver = b.fsyncObserver;
    }

    /**
     * Hears how long each fsync of a log's data took (a group commit round, an interval flush), for metrics. Called on
     * the fsync thread right after the fsync, so it must be quick and must not block: record and return.
     */
    @FunctionalInterface
    public interface FsyncObserver {
        /** The observer of a log whose configuration names none: it ignores every fsync. */
        FsyncObserver NONE = nanos -> {
        };

        void fsynced(long nanos);
    }

    public static LogConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public long segmentBytes() {
        return segmentBytes;
    }

    public Duration segmentAge() {
        return segmentAge;
    }

    public Durability durability() {
        return durability;
    }

    public Duration flushInterval() {
        return flushInterval;
    }

    public int flushBytes() {
        return flushBytes;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public Clock clock() {
        return clock;
    }

    /** The shared threads that fsync the log ({@link Flusher#shared()} unless set). */
    public Flusher flusher() {
        return flusher;
    }

    /** The budget of open segment files the log shares ({@link OpenFiles#shared()} unless set). */
    public OpenFiles openFiles() {
        return openFiles;
    }

    /** Hears each fsync's duration ({@link FsyncObserver#NONE} unless set). */
    public FsyncObserver fsyncObserver() {
        return fsyncObserver;
    }

    @Override
    public String toString() {
        return "LogConfig{segmentBytes=" + segmentBytes + ", segmentAge=" + segmentAge + ", durability=" + durability
                + ", flushInterval=" + flushInterval + ", flushBytes=" + flushBytes
                + ", indexIntervalBytes=" + indexIntervalBytes
                + ", maxBatchBytes=" + maxBatchBytes + "}";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private long segmentBytes = DEFAULT_SEGMENT_BYTES;
        private Duration segmentAge = DEFAULT_SEGMENT_AGE;
        private Durability durability = DEFAULT_DURABILITY;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private int flushBytes = DEFAULT_FLUSH_BYTES;
        private int indexIntervalBytes = DEFAULT_INDEX_INTERVAL_BYTES;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Clock clock = Clock.systemUTC();
        private Flusher flusher = Flusher.shared();
        private OpenFiles openFiles = OpenFiles.shared();
        private FsyncObserver fsyncObserver = FsyncObserver.NONE;

        private Builder() {
        }

        public Builder segmentBytes(long bytes) {
            this.segmentBytes = bytes;
            return this;
        }

        public Builder segmentAge(Duration age) {
            this.segmentAge = age;
            return this;
        }

        public Builder durability(Durability durability) {
            this.durability = durability;
            return this;
        }

        public Builder flushInterval(Duration interval) {
            this.flushInterval = interval;
            return this;
        }

        public Builder flushBytes(int bytes) {
            this.flushBytes = bytes;
            return this;
        }

        public Builder indexIntervalBytes(int bytes) {
            this.indexIntervalBytes = bytes;
            return this;
        }

        public Builder maxBatchBytes(int bytes) {
            this.maxBatchBytes = bytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder flusher(Flusher flusher) {
            this.flusher = flusher;
            return this;
        }

        public Builder openFiles(OpenFiles openFiles) {
            this.openFiles = openFiles;
            return this;
        }

        public Builder fsyncObserver(FsyncObserver observer) {
            this.fsyncObserver = observer;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting that is out of range */
        public LogConfig build() {
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes must be in [" + MIN_SEGMENT_BYTES + ", "
                        + MAX_SEGMENT_BYTES + "], was " + segmentBytes);
            }
            requirePositive("segmentAge", segmentAge);
            Objects.requireNonNull(durability, "durability");
            requirePositive("flushInterval", flushInterval);
            if (flushBytes < 1) {
                throw new IllegalArgumentException("flushBytes must be positive, was " + flushBytes);
            }
            if (indexIntervalBytes < 1) {
                throw new IllegalArgumentException("indexIntervalBytes must be positive, was " + indexIntervalBytes);
            }
            if (maxBatchBytes < BatchFormat.HEADER_SIZE + 1) {
                throw new IllegalArgumentException("maxBatchBytes must be more than the batch header ("
                        + BatchFormat.HEADER_SIZE + " bytes), was " + maxBatchBytes);
            }
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(flusher, "flusher");
            Objects.requireNonNull(openFiles, "openFiles");
            Objects.requireNonNull(fsyncObserver, "fsyncObserver");
            return new LogConfig(this);
        }

        private static void requirePositive(String field, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be a positive duration, was " + value);
            }
        }
    }
}
