package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogConfig#fsyncObserver()} hears every fsync that makes appends durable, in both durability modes. */
class FsyncObserverTest {

    @TempDir
    Path dir;

    @Test
    void hearsTheGroupCommitThatMakesAnAppendDurable() throws Exception {
        ConcurrentLinkedQueue<Long> heard = new ConcurrentLinkedQueue<>();
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.builder().durability(Durability.FSYNC)
                .fsyncObserver(heard::add).build())) {
            log.append(TestRecords.batch(1, 0, 3, 100)).get(30, TimeUnit.SECONDS);
            assertThat(heard).as("the append completed after its fsync, which was heard").isNotEmpty()
                    .allMatch(nanos -> nanos >= 0);
        }
    }

    @Test
    void hearsTheIntervalFlush() throws Exception {
        ConcurrentLinkedQueue<Long> heard = new ConcurrentLinkedQueue<>();
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.builder().durability(Durability.INTERVAL)
                .flushInterval(Duration.ofHours(1)).fsyncObserver(heard::add).build())) {
            log.append(TestRecords.batch(1, 0, 3, 100)).get(30, TimeUnit.SECONDS);
            assertThat(heard).as("written, not flushed yet").isEmpty();
            log.flushAsync().get(30, TimeUnit.SECONDS);
            assertThat(heard).hasSize(1);
        }
    }
}
