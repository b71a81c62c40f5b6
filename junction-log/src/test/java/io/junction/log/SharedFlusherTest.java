package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs share the {@link Flusher}'s threads: opening hundreds of them adds no thread per log, their appends are
 * group-committed on the shared threads, and a log nobody appends to is never fsynced (an idle broker does no
 * I/O). Before the shared flusher, each log had a thread of its own that fsynced it every interval, idle or not.
 */
class SharedFlusherTest {

    private static final int LOGS = 300;

    @TempDir
    Path dir;

    @Test
    void hundredsOfLogsAddOnlyTheFlushersThreadsAndAllTheirAppendsBecomeDurable() throws Exception {
        Flusher flusher = new Flusher("test", 2, 1);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<PartitionLog> logs = new ArrayList<>();
        try {
            for (int i = 0; i < LOGS; i++) {
                logs.add(PartitionLog.open(dir.resolve("log-" + i), LogConfig.builder().flusher(flusher)
                        .durability(i % 2 == 0 ? Durability.FSYNC : Durability.INTERVAL)
                        .flushInterval(Duration.ofMillis(20)).build()));
            }
            List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (PartitionLog log : logs) {
                    appends.add(log.append(new RecordBatchBuilder().add(0, null,
                            ("m" + round).getBytes(StandardCharsets.UTF_8))));
                }
            }
            CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            int added = ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore;
            assertThat(flusher.liveThreads()).as("threads of the flusher").isLessThanOrEqualTo(4);
            assertThat(added).as("threads added by %d logs", LOGS).isLessThanOrEqualTo(4);
            for (PartitionLog log : logs) {
                awaitDurable(log, 3);
                assertThat(log.read(0, 1 << 20).records()).hasSize(3);
            }
        } finally {
            logs.forEach(PartitionLog::close);
        }
    }

    @Test
    void aLogNobodyAppendsToIsNeverFsynced() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        LogConfig interval = LogConfig.builder().durability(Durability.INTERVAL).flushInterval(Duration.ofMillis(20))
                .build();
        try (PartitionLog idle = PartitionLog.open(dir.resolve("idle"), interval, FaultyFileChannel.opener(faults));
                PartitionLog idleFsync = PartitionLog.open(dir.resolve("idle-fsync"), LogConfig.defaults(),
                        FaultyFileChannel.opener(faults));
                PartitionLog busy = PartitionLog.open(dir.resolve("busy"), interval,
                        FaultyFileChannel.opener(faults))) {
            Map<Path, Long> idleBefore = forcesUnder(faults, dir.resolve("idle"), dir.resolve("idle-fsync"));
            // Two appends, each flushed an interval later: the idle logs' intervals have passed at least twice.
            for (int i = 1; i <= 2; i++) {
                busy.append(new RecordBatchBuilder().add(0, null, new byte[] {(byte) i})).get(1, TimeUnit.MINUTES);
                awaitDurable(busy, i);
            }
            assertThat(forcesUnder(faults, dir.resolve("busy"))).as("the busy log was fsynced").isNotEmpty();
            assertThat(forcesUnder(faults, dir.resolve("idle"), dir.resolve("idle-fsync")))
                    .as("fsyncs of the idle logs' files").isEqualTo(idleBefore);
            assertThat(idle.nextOffset()).isZero();
            assertThat(idleFsync.nextOffset()).isZero();
        }
    }

    @Test
    void flushAsyncGroupCommitsItsCallersAndCompletesThemInOrder() throws Exception {
        FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
        LogConfig config = LogConfig.builder().durability(Durability.INTERVAL).flushInterval(Duration.ofHours(1))
                .build();
        try (PartitionLog log = PartitionLog.open(dir.resolve("journal"), config, FaultyFileChannel.opener(faults))) {
            Path file = dir.resolve("journal").resolve("00000000000000000000.log").toAbsolutePath();
            log.append(new RecordBatchBuilder().add(0, null, new byte[] {0})).get(1, TimeUnit.MINUTES);
            log.flushAsync().get(1, TimeUnit.MINUTES); // no waiting for the hour-long interval
            assertThat(log.durableNextOffset()).isEqualTo(1);
            long forcesBefore = faults.forces.get(file).get();

            // Hold the next fsync; 50 appends, each followed by a flushAsync, queue up behind it.
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            faults.forceGate = gate;
            List<Integer> completed = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> flushes = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                log.append(new RecordBatchBuilder().add(0, null, new byte[] {(byte) i})).get(1, TimeUnit.MINUTES);
                int n = i;
                flushes.add(log.flushAsync().whenComplete((v, e) -> completed.add(n)));
            }
            assertThat(flushes).as("none durable while the fsync is held").noneMatch(CompletableFuture::isDone);
            faults.forceGate = null;
            gate.countDown();
            CompletableFuture.allOf(flushes.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            assertThat(log.durableNextOffset()).isEqualTo(51);
            assertThat(faults.forces.get(file).get() - forcesBefore).as("fsyncs for 50 waiters (group commit)")
                    .isLessThanOrEqualTo(2);
            assertThat(completed).as("completed in the order asked").isSorted().hasSize(50);

            faults.failForce = true;
            log.append(new RecordBatchBuilder().add(0, null, new byte[] {1})).get(1, TimeUnit.MINUTES);
            CompletableFuture<Void> failing = log.flushAsync();
            assertThat(failing).failsWithin(Duration.ofMinutes(1)).withThrowableOfType(
                    java.util.concurrent.ExecutionException.class).withCauseInstanceOf(LogException.class);
        }
    }

    private static Map<Path, Long> forcesUnder(FaultyFileChannel.Faults faults, Path... dirs) {
        return faults.forces.entrySet().stream()
                .filter(e -> java.util.Arrays.stream(dirs).anyMatch(d -> e.getKey().getParent().equals(
                        d.toAbsolutePath())))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    /** Waits (up to a minute) until {@code log}'s first {@code next} offsets are durable. */
    private static void awaitDurable(PartitionLog log, long next) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (log.durableNextOffset() < next && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(log.durableNextOffset()).as("durable end of %s", log).isGreaterThanOrEqualTo(next);
    }
}
