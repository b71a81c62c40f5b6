package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss, simulated: appends run with many in flight while the power is cut at a random moment; then
 * every segment keeps only what its last completed fsync covered plus a random torn piece of the rest (what a
 * page cache may or may not have written back). Every append acknowledged before the cut must survive — a
 * log that acknowledged before its fsync fails this test, which a SIGKILL test cannot show (the OS keeps the
 * page cache of a killed process). Seed printed; {@code -Dpowerloss.seed=N} replays.
 */
class PowerLossTest {

    private static final int MAX_VALUE = 300;
    private static final long CONTENT_SEED = 5;

    @TempDir
    Path root;

    @Test
    void shouldKeepEveryAcknowledgedAppendThroughAPowerLoss() throws Exception {
        String fixed = System.getProperty("powerloss.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("PowerLossTest: seed=" + seed + " (replay with -Dpowerloss.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int round = 0; round < 25; round++) {
            Path dir = root.resolve("round-" + round);
            String context = "seed " + seed + " round " + round;
            FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
            LogConfig config = LogConfig.builder().segmentBytes(8 * 1024).build();
            PartitionLog log = PartitionLog.open(dir, config, FaultyFileChannel.opener(faults));
            List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
            int cutAfter = 20 + random.nextInt(200);
            long next = 0;
            for (int i = 0; i < 300; i++) {
                if (i == cutAfter) {
                    faults.powerCut = true;
                }
                int n = 1 + random.nextInt(5);
                appends.add(log.append(TestRecords.batch(CONTENT_SEED, next, n, MAX_VALUE)));
                next += n;
            }
            long acknowledged = -1;
            for (CompletableFuture<AppendResult> append : appends) {
                try {
                    acknowledged = Math.max(acknowledged, append.get(30, TimeUnit.SECONDS).lastOffset());
                } catch (Exception failedByTheCut) {
                    // an append the cut caught: it may or may not survive, but it was never acknowledged
                }
            }
            log.close();
            loseWhatWasNotFsynced(dir, faults, random);

            try (PartitionLog reopened = PartitionLog.open(dir, config)) {
                assertThat(reopened.nextOffset()).as("acknowledged up to %d, %s", acknowledged, context)
                        .isGreaterThan(acknowledged);
                long offset = 0;
                while (offset < reopened.nextOffset()) {
                    for (Record record : reopened.read(offset, 1 << 16).records()) {
                        assertThat(record.offset()).as(context).isEqualTo(offset);
                        assertThat(TestRecords.matches(CONTENT_SEED, record, MAX_VALUE)).as(context).isTrue();
                        offset++;
                    }
                }
            }
        }
    }

    /**
     * An INTERVAL log with a one-hour interval still fsyncs once {@code flushBytes} are unflushed: what it had
     * written by then survives a power cut long before the interval is up. (Without the early fsync nothing is
     * durable here for an hour, and the wait below fails.)
     */
    @Test
    void shouldFsyncAnIntervalLogOnceFlushBytesAreUnflushed() throws Exception {
        Path dir = root.resolve("interval");
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        LogConfig config = LogConfig.builder().durability(Durability.INTERVAL)
                .flushInterval(java.time.Duration.ofHours(1)).flushBytes(16 * 1024).build();
        PartitionLog log = PartitionLog.open(dir, config, FaultyFileChannel.opener(faults));
        Random random = new Random(CONTENT_SEED);
        long next = 0;
        while (log.sizeInBytes() < 64 * 1024) {
            int n = 1 + random.nextInt(5);
            log.append(TestRecords.batch(CONTENT_SEED, next, n, MAX_VALUE)).get(10, TimeUnit.SECONDS);
            next += n;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (log.durableNextOffset() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5); // the flusher runs on its own thread: wait for the condition, up to the deadline
        }
        long durable = log.durableNextOffset();
        assertThat(durable).as("durable after %d bytes written, 1 h interval", log.sizeInBytes()).isPositive();
        faults.powerCut = true;
        log.close();
        loseWhatWasNotFsynced(dir, faults, random);
        try (PartitionLog reopened = PartitionLog.open(dir, config)) {
            assertThat(reopened.nextOffset()).isGreaterThanOrEqualTo(durable);
        }
    }

    /** Cuts every segment file to what its last fsync covered, plus a random torn piece of the rest. */
    private static void loseWhatWasNotFsynced(Path dir, FaultyFileChannel.Faults faults, Random random)
            throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).toList()) {
                long size = Files.size(file);
                long forced = faults.forcedSize(file.toAbsolutePath());
                long keep = forced + (long) (random.nextDouble() * (size - forced));
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(keep);
                }
            }
        }
    }
}
