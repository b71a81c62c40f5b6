package io.junction.bench;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.CompactionResult;
import io.junction.broker.Durability;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.Ordering;
import io.junction.broker.StationConfig;
import io.junction.log.FileTrees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Recorder;

/**
 * {@code junction-bench/run compaction}: key compaction's speed, and what it costs produce (issue #7, point 5).
 * An in-process broker (fsync durability) with one compacted station (1 partition, 64 MiB segments) is filled
 * with 1 KiB messages over a set of keys; then, each on fresh superseded data:
 * <ol>
 *   <li>a compaction pass alone, unthrottled: the MB/s it reads (a scan of the partition for the latest offset
 *       of every key, then two reads of each segment it rewrites);</li>
 *   <li>produce alone, for {@code --seconds}: the baseline (8 requests of 100 messages in flight);</li>
 *   <li>produce while a pass runs (for {@code --seconds} at most), unthrottled, and again with the default
 *       throttle (64 MiB/s); the pass's own figures are for the whole pass.</li>
 * </ol>
 */
final class CompactionBench {

    private static final int VALUE_BYTES = 1024;
    private static final int BATCH = 100;
    private static final int IN_FLIGHT = 8;

    private CompactionBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("bench-data", "compaction");
        int messages = 500_000;
        int keys = 10_000;
        double seconds = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "compaction benchmark: %d messages of %d B over %d keys per fill, %d cores, "
                + "%s, dir %s%n%n", messages, VALUE_BYTES, keys, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), dir.toAbsolutePath());
        FileTrees.deleteTree(dir);
        Random random = new Random(42);
        double baseline;
        try (Broker broker = open(dir, 0)) {
            broker.createStation(Broker.DEFAULT_TENANT, "bench", new StationConfig(1, null, 0, 0,
                    Duration.ofSeconds(30), 5, Ordering.KEY, Duration.ofSeconds(1)).withSegmentBytes(64L << 20)
                    .withCompaction(StationConfig.Compaction.on(Duration.ZERO)));
            fill(broker, messages, keys, random);
            Thread.sleep(1100); // older than the 1 s dedup window: compactable
            CompactionResult alone = broker.runCompaction(Broker.DEFAULT_TENANT, "bench");
            baseline = produce(broker, keys, random, seconds, null).rate;
            System.out.println("| run | produce msgs/s | produce MB/s | ack p99 | compaction read MB/s "
                    + "| compaction rewrote | messages removed | pass took |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            System.out.printf(Locale.ROOT, "| produce alone | %,.0f | %.1f | | | | | |%n", baseline,
                    baseline * VALUE_BYTES / 1e6);
            System.out.printf(Locale.ROOT, "| compaction alone, unthrottled | | | | %.1f | %.1f → %.1f MB | %,d "
                    + "| %.1f s |%n", mbPerSec(alone), alone.bytesBefore() / 1e6, alone.bytesAfter() / 1e6,
                    alone.messagesRemoved(), alone.durationMs() / 1e3);
            during(broker, "produce during an unthrottled pass", messages, keys, random, seconds, baseline);
        }
        try (Broker broker = open(dir, BrokerConfig.DEFAULT_COMPACTION_BYTES_PER_SECOND)) {
            during(broker, "produce during a pass throttled at 64 MiB/s", messages, keys, random, seconds,
                    baseline);
        }
        FileTrees.deleteTree(dir);
    }

    private static Broker open(Path dir, long throttle) {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofSeconds(1), Clock.systemUTC(), 64L << 20, throttle));
    }

    /** Refills with superseding values, then measures produce while a compaction pass runs. */
    private static void during(Broker broker, String label, int messages, int keys, Random random, double seconds,
            double baseline) throws Exception {
        fill(broker, messages, keys, random);
        Thread.sleep(1100);
        CompletableFuture<CompactionResult> pass = CompletableFuture.supplyAsync(
                () -> broker.runCompaction(Broker.DEFAULT_TENANT, "bench"));
        Measured m = produce(broker, keys, random, seconds, pass);
        CompactionResult r = pass.join();
        System.out.printf(Locale.ROOT, "| %s | %,.0f (%.0f %% of alone) | %.1f | %.1f ms | %.1f | %.1f → %.1f MB | %,d "
                + "| %.1f s |%n", label, m.rate, 100 * m.rate / baseline, m.rate * VALUE_BYTES / 1e6, m.p99Ms,
                mbPerSec(r), r.bytesBefore() / 1e6, r.bytesAfter() / 1e6, r.messagesRemoved(), r.durationMs() / 1e3);
    }

    private static double mbPerSec(CompactionResult r) {
        return r.bytesRead() / 1e6 / Math.max(0.001, r.durationMs() / 1e3);
    }

    private static void fill(Broker broker, int messages, int keys, Random random) throws Exception {
        Semaphore window = new Semaphore(IN_FLIGHT);
        for (int sent = 0; sent < messages; sent += BATCH) {
            window.acquire();
            broker.produce(Broker.DEFAULT_TENANT, "bench", batch(keys, random))
                    .whenComplete((r, e) -> window.release());
        }
        window.acquire(IN_FLIGHT);
    }

    private record Measured(double rate, double p99Ms) {
    }

    /**
     * Produces for {@code seconds}, or less when {@code until} (given) ends first; returns the messages per second
     * and the p99 of the acknowledgements.
     */
    private static Measured produce(Broker broker, int keys, Random random, double seconds,
            CompletableFuture<?> until) throws Exception {
        Semaphore window = new Semaphore(IN_FLIGHT);
        Recorder latencies = new Recorder(3);
        AtomicBoolean failed = new AtomicBoolean();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long sent = 0;
        while (System.nanoTime() < end && (until == null || !until.isDone())) {
            window.acquire();
            long at = System.nanoTime();
            broker.produce(Broker.DEFAULT_TENANT, "bench", batch(keys, random)).whenComplete((r, e) -> {
                latencies.recordValue(Math.max(1, (System.nanoTime() - at) / 1000));
                failed.compareAndSet(false, e != null);
                window.release();
            });
            sent += BATCH;
        }
        window.acquire(IN_FLIGHT);
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (failed.get()) {
            throw new IllegalStateException("a produce failed during the benchmark");
        }
        return new Measured(sent / elapsed, latencies.getIntervalHistogram().getValueAtPercentile(99) / 1000.0);
    }

    private static List<OutgoingMessage> batch(int keys, Random random) {
        List<OutgoingMessage> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            byte[] value = new byte[VALUE_BYTES];
            random.nextBytes(value);
            batch.add(OutgoingMessage.of(("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8), value));
        }
        return batch;
    }
}
