package io.junction.broker.internal;

import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerStats;
import io.junction.broker.LatencyHistogram;
import io.junction.log.Durability;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.PartitionStore;
import io.junction.log.SerialExecutor;
import io.junction.log.Throttle;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What every station and group of one broker shares: settings, log settings, the clock and the timer thread.
 * Thread-safe.
 */
public final class BrokerContext implements AutoCloseable {

    /** Journals of group state are small; small segments let old state be dropped soon. */
    static final long JOURNAL_SEGMENT_BYTES = 1 << 20;
    static final long DLS_SEGMENT_BYTES = 64L << 20;

    private final BrokerConfig config;
    private final java.util.function.LongSupplier nanoTime;
    private final HeldBytes heldBytes;
    private final LogConfig logConfig;
    private final LogConfig journalConfig;
    private final LogConfig dlsConfig;
    private final ScheduledExecutorService timer;
    /** Runs the background compaction passes of every station, one at a time, off the timer thread. */
    private final ExecutorService compactor;
    /**
     * Runs the commands of every consumer group, each group's one at a time ({@link SerialExecutor}): at most
     * {@value #GROUP_THREADS} threads whatever the number of groups, none while all are idle (after 30 s).
     */
    private final java.util.concurrent.ThreadPoolExecutor groupPool;
    public static final int GROUP_THREADS = 16;
    /**
     * Runs the commands of every partition (its appends), each partition's one at a time ({@link SerialExecutor}):
     * at most {@value #PARTITION_THREADS} threads whatever the number of partitions, none while all are idle (after
     * 30 s). A command never waits for the disk, so a few threads serve every partition.
     */
    private final java.util.concurrent.ThreadPoolExecutor partitionPool;
    public static final int PARTITION_THREADS = 4;
    private final Throttle compactionThrottle;
    private final StoreOpener stores;
    /** How long the fsyncs of stations' partitions, groups' journals and dead-letter stations take (metrics). */
    private final LatencyHistogram partitionFsyncs = new LatencyHistogram();
    private final LatencyHistogram journalFsyncs = new LatencyHistogram();
    private final LatencyHistogram dlsFsyncs = new LatencyHistogram();

    /**
     * Opens the store of a partition, a dead-letter log or a group journal: {@link PartitionLog#open} (files) in a
     * running broker; tests may put the broker on {@link io.junction.log.MemoryPartitionStore}s.
     */
    @FunctionalInterface
    public interface StoreOpener {
        PartitionStore open(Path dir, LogConfig config);
    }

    public BrokerContext(BrokerConfig config, java.util.function.LongSupplier nanoTime, StoreOpener stores) {
        this.config = config;
        this.nanoTime = nanoTime;
        this.stores = stores;
        this.heldBytes = new HeldBytes(config.consumerLimits().heldBytes());
        this.logConfig = partitionLogConfig(config, config.segmentBytes(), partitionFsyncs::record);
        this.journalConfig = LogConfig.builder().durability(Durability.INTERVAL).flushInterval(config.flushInterval())
                .segmentBytes(JOURNAL_SEGMENT_BYTES).clock(config.clock()).fsyncObserver(journalFsyncs::record)
                .build();
        // Dead letters are fsynced whatever the broker's durability: a group counts a message as done once its
        // dead letter is stored. Segments roll daily so that retention (whole segments) can drop them.
        this.dlsConfig = LogConfig.builder().durability(Durability.FSYNC).segmentBytes(DLS_SEGMENT_BYTES)
                .segmentAge(Duration.ofDays(1)).clock(config.clock()).maxBatchBytes(logConfig.maxBatchBytes())
                .fsyncObserver(dlsFsyncs::record).build();
        this.compactor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "junction-compactor");
            t.setDaemon(true);
            return t;
        });
        this.compactionThrottle = config.compactionBytesPerSecond() == 0 ? Throttle.unlimited()
                : Throttle.of(config.compactionBytesPerSecond());
        this.groupPool = sharedPool("junction-groups-", GROUP_THREADS);
        this.partitionPool = sharedPool("junction-partitions-", PARTITION_THREADS);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-broker-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** A pool of at most {@code threads} daemon threads named {@code prefix}N, none left after 30 s idle. */
    private static java.util.concurrent.ThreadPoolExecutor sharedPool(String prefix, int threads) {
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
                30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, prefix + made.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    public BrokerConfig config() {
        return config;
    }

    /** The fsync latencies of the broker's logs, by kind. */
    public Fsyncs fsyncs() {
        return new Fsyncs(partitionFsyncs, journalFsyncs, dlsFsyncs);
    }

    /** The histograms the logs' fsyncs are counted in. */
    public record Fsyncs(LatencyHistogram partitions, LatencyHistogram groupJournals, LatencyHistogram deadLetters) {

        public BrokerStats.FsyncStats snapshot() {
            return new BrokerStats.FsyncStats(partitions.snapshot(), groupJournals.snapshot(),
                    deadLetters.snapshot());
        }
    }

    private volatile io.junction.tier.Tiering tiering;

    /** The broker's tiered storage; null when it has no object store. */
    public io.junction.tier.Tiering tiering() {
        return tiering;
    }

    public void tiering(io.junction.tier.Tiering t) {
        this.tiering = t;
    }

    /** The store in {@code dir} (created when missing, recovered when it exists). */
    public PartitionStore openStore(Path dir, LogConfig config) {
        return stores.open(dir, config);
    }

    public LogConfig logConfig() {
        return logConfig;
    }

    public LogConfig journalConfig() {
        return journalConfig;
    }

    public LogConfig dlsConfig() {
        return dlsConfig;
    }

    public Clock clock() {
        return config.clock();
    }

    /** The broker-wide budget of message contents groups keep beyond what they hand out. */
    public HeldBytes heldBytes() {
        return heldBytes;
    }

    /** The monotonic clock of ack deadlines, redelivery delays and stall timeouts ({@link System#nanoTime()}). */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    public ScheduledExecutorService timer() {
        return timer;
    }

    /** A new serial executor for one group's commands, on the shared group pool. */
    public SerialExecutor groupExecutor() {
        return new SerialExecutor(groupPool);
    }

    /** A new serial executor for one partition's commands, on the shared partition pool. */
    public SerialExecutor partitionExecutor() {
        return new SerialExecutor(partitionPool);
    }

    public ExecutorService compactor() {
        return compactor;
    }

    public Throttle compactionThrottle() {
        return compactionThrottle;
    }

    /**
     * Stops a running compaction pass at its next read (it leaves nothing half done: see the log's swap files) and
     * waits for it. Through the throttle, not by interrupting the thread: an interrupt closes the file channels
     * it is reading, which every other reader shares.
     */
    public void stopCompactor() {
        compactionThrottle.stop();
        compactor.shutdown();
        try {
            compactor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        compactionThrottle.stop();
        compactor.shutdown();
        timer.shutdownNow();
        groupPool.shutdown(); // groups are closed by now; their last commands finish
        partitionPool.shutdown(); // so are partitions
    }

    /** The log settings of a station's partitions: the broker's, with the station's segment size. */
    public static LogConfig partitionLogConfig(BrokerConfig config, long segmentBytes,
            LogConfig.FsyncObserver fsyncs) {
        return LogConfig.builder().durability(LogTypes.toLog(config.durability())).flushInterval(config.flushInterval())
                .clock(config.clock()).segmentBytes(segmentBytes).fsyncObserver(fsyncs)
                .maxBatchBytes(Math.max(LogConfig.DEFAULT_MAX_BATCH_BYTES,
                        config.maxMessageBytes() + (1 << 20))).build();
    }
}
