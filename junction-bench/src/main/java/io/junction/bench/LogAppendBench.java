package io.junction.bench;

import io.junction.log.AppendResult;
import io.junction.log.Durability;
import io.junction.log.FileTrees;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Recorder;

/**
 * Append throughput of one partition log, for 100 B and 1 KiB records in batches of 1 and 64, in {@code fsync}
 * and {@code interval} mode, next to the disk's own figures measured in the same run.
 *
 * <p>One writer thread appends a prebuilt batch as fast as a window of {@value #IN_FLIGHT} unacknowledged
 * appends allows (as many producers would); acknowledgements arrive on the log's flusher thread. The batch
 * is built once per configuration, so the figures are the log's, not the encoder's.
 */
final class LogAppendBench {

    static final int IN_FLIGHT = 256;

    private LogAppendBench() {
    }

    record Result(Durability mode, int recordBytes, int batchRecords, double recordsPerSec, double mbPerSec,
            double ackP50Us, double ackP99Us) {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("bench-data");
        double seconds = 5;
        double warmup = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "junction-log append benchmark: dir=%s, %d cores, %s, %.0fs per run after "
                + "%.0fs warm-up%n", dir.toAbsolutePath(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), seconds, warmup);

        double seq1m = DiskProbe.sequentialFdatasyncMBps(dir, 1 << 20, 3);
        double seqMBps = DiskProbe.sequentialFdatasyncMBps(dir, 16 << 20, 3);
        double syncs4k = DiskProbe.fdatasyncsPerSecond(dir, 4096, 3);
        double syncs100 = DiskProbe.fdatasyncsPerSecond(dir, 100, 3);
        System.out.printf(Locale.ROOT, "disk: sequential write + fdatasync every 16 MiB: %.1f MB/s (every 1 MiB: "
                + "%.1f MB/s); fdatasyncs/s after a 4 KiB append: %.0f; after a 100 B append: %.0f%n%n", seqMBps, seq1m,
                syncs4k, syncs100);

        System.out.println("| mode | record | batch | records/s | MB/s (payload) | ack p50 | ack p99 "
                + "| MB/s ÷ disk seq MB/s | appends/s ÷ fdatasyncs/s |");
        System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|");
        for (Durability mode : Durability.values()) {
            for (int recordBytes : new int[] {100, 1024}) {
                for (int batch : new int[] {1, 64}) {
                    Result r = run(dir, mode, recordBytes, batch, warmup, seconds);
                    double appendsPerSec = r.recordsPerSec() / batch;
                    System.out.printf(Locale.ROOT, "| %s | %d B | %d | %,.0f | %.1f | %.0f µs | %.0f µs | %.2f | %.2f |%n",
                            mode.name().toLowerCase(Locale.ROOT), recordBytes, batch, r.recordsPerSec(), r.mbPerSec(),
                            r.ackP50Us(), r.ackP99Us(), r.mbPerSec() / seqMBps,
                            appendsPerSec / (recordBytes * batch >= 4096 ? syncs4k : syncs100));
                }
            }
        }
    }

    static Result run(Path root, Durability mode, int recordBytes, int batchRecords, double warmup, double seconds)
            throws Exception {
        Path dir = root.resolve("run-" + mode + "-" + recordBytes + "-" + batchRecords);
        FileTrees.deleteTree(dir);
        LogConfig config = LogConfig.builder().durability(mode).flushInterval(Duration.ofMillis(200)).build();
        ByteBuffer template = batch(recordBytes, batchRecords);
        Recorder latencies = new Recorder(3);
        Semaphore window = new Semaphore(IN_FLIGHT);
        long records = 0;
        double elapsed;
        try (PartitionLog log = PartitionLog.open(dir, config)) {
            long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
            long start = 0;
            long end = Long.MAX_VALUE;
            while (true) {
                long now = System.nanoTime();
                if (start == 0 && now >= warmupEnd) {
                    start = now;
                    end = start + (long) (seconds * 1e9);
                    records = 0;
                    latencies.reset();
                }
                if (now >= end) {
                    break;
                }
                window.acquire();
                long sent = System.nanoTime();
                CompletableFuture<AppendResult> ack = log.append(template.duplicate());
                ack.whenComplete((result, error) -> {
                    latencies.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    window.release();
                    if (error != null) {
                        error.printStackTrace();
                    }
                });
                records += batchRecords;
            }
            window.acquire(IN_FLIGHT); // wait for the last acknowledgements
            elapsed = (System.nanoTime() - start) / 1e9;
        }
        var histogram = latencies.getIntervalHistogram();
        FileTrees.deleteTree(dir);
        double recordsPerSec = records / elapsed;
        return new Result(mode, recordBytes, batchRecords, recordsPerSec, recordsPerSec * recordBytes / 1e6,
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99));
    }

    private static ByteBuffer batch(int recordBytes, int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        long now = System.currentTimeMillis();
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[recordBytes];
            ThreadLocalRandom.current().nextBytes(value);
            builder.add(now, null, value);
        }
        return builder.build();
    }

}
