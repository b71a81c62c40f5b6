package io.junction.tier;

import io.junction.log.PartitionLog;
import io.junction.log.PartitionStore;
import io.junction.log.Throttle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The broker's tiered storage: one object store, one worker thread that uploads and trims every tiered partition
 * in turn (every {@link TierSettings#interval()}, throttled broker-wide by {@link TierSettings#uploadBytesPerSecond()}),
 * two fetch threads that read segments back into one bounded cache. Threads do not grow with partitions.
 */
public final class Tiering implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Tiering.class.getName());
    static final int FETCH_THREADS = 2;

    private final TierSettings settings;
    private final ObjectStore store;
    private final ObjectCipher cipher;
    private final Clock clock;
    private final Path workDir;
    private final Throttle throttle;
    private final SegmentCache cache;
    private final ScheduledExecutorService worker;
    private final ExecutorService fetchers;
    private final List<PartitionTier> partitions = new CopyOnWriteArrayList<>();

    private Tiering(TierSettings settings, ObjectStore store, ObjectCipher cipher, Clock clock, Path dataDir)
            throws IOException {
        this.settings = settings;
        this.store = store;
        this.cipher = cipher;
        this.clock = clock;
        this.workDir = Files.createDirectories(dataDir.resolve("tier-work"));
        try (var leftovers = Files.list(workDir)) {
            for (Path f : leftovers.toList()) {
                Files.deleteIfExists(f); // encrypted copies of an upload a crash interrupted
            }
        }
        this.throttle = settings.uploadBytesPerSecond() == 0 ? Throttle.unlimited()
                : Throttle.of(settings.uploadBytesPerSecond());
        AtomicInteger n = new AtomicInteger();
        this.fetchers = new ThreadPoolExecutor(FETCH_THREADS, FETCH_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, "junction-tier-fetch-" + n.incrementAndGet()));
        ((ThreadPoolExecutor) fetchers).allowCoreThreadTimeOut(true);
        this.cache = new SegmentCache(dataDir.resolve("tier-cache"), settings.cacheBytes(), store, cipher, fetchers);
        this.worker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> daemon(r, "junction-tier-upload"));
        long every = settings.interval().toMillis();
        worker.scheduleWithFixedDelay(this::round, every, every, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts tiering on {@code store} (the caller's to close after this), for a broker whose data directory is
     * {@code dataDir} (the cache and upload work files go there).
     */
    public static Tiering start(TierSettings settings, ObjectStore store, Clock clock, Path dataDir)
            throws IOException {
        ObjectCipher cipher = settings.encryptionKeyFile() == null ? null
                : ObjectCipher.load(settings.encryptionKeyFile());
        return new Tiering(settings, store, cipher, clock, dataDir);
    }

    public TierSettings settings() {
        return settings;
    }

    public ObjectStore store() {
        return store;
    }

    /**
     * The tiered view of {@code log} (a {@link TieredStore}; a store that is not a {@link PartitionLog} is
     * returned as it is): its remote segments named under {@code tenant/station/partition/}, uploaded
     * and trimmed as {@code policy} says at the time. Resolves what a crash left in the partition's manifest on
     * the worker's first round.
     */
    public PartitionStore open(PartitionStore log, String tenant, String station, int partition,
            Supplier<TierPolicy> policy) throws IOException {
        if (!(log instanceof PartitionLog local)) {
            return log; // a store in memory (tests): nothing to tier
        }
        PartitionTier tier = new PartitionTier(tenant, station, partition, local, policy, store, cipher, throttle,
                clock, workDir);
        partitions.add(tier);
        return new TieredStore(local, tier, cache, this);
    }

    void unregister(PartitionTier tier) {
        partitions.remove(tier);
    }

    /**
     * One round now, on the caller's thread, backoffs after failures ignored (tests and operators); the worker's
     * own rounds go on.
     */
    public void runOnce() throws InterruptedException {
        round(true);
    }

    private synchronized void round(boolean force) throws InterruptedException {
        for (PartitionTier tier : partitions) {
            tier.step(force);
        }
    }

    private void round() {
        try {
            round(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tiering round failed", e);
        }
    }

    /** Bytes of read-back segments in the cache now. */
    public long cacheBytes() {
        return cache.bytes();
    }

    /** Reads served from the cache / downloads, since start. */
    public long cacheHits() {
        return cache.hits();
    }

    public long cacheMisses() {
        return cache.misses();
    }

    /** The read-back cache's figures now (for metrics). */
    public TierCacheStats cacheStats() {
        return cache.stats();
    }

    @Override
    public void close() {
        throttle.stop();
        worker.shutdown(); // no interrupt: a round finishes its file work (the stopped throttle ends an upload)
        fetchers.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
            fetchers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cache.close();
    }
}
