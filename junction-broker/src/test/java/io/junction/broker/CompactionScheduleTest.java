package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction turned on by {@code station update} runs in the background without a restart (issue #14, point 6:
 * the periodic check read the configuration the station was opened with, so it never ran until a restart).
 */
class CompactionScheduleTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();
    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void compactionTurnedOnByAnUpdateRunsWithoutARestart() throws Exception {
        broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), clock, 1024));
        StationConfig plain = new StationConfig(1, null, 0, 0, Duration.ofSeconds(30), 5);
        broker.createStation(T, "s", plain);
        for (int i = 0; i < 60; i++) { // 60 values of 3 keys, one batch each: many sealed 1 KiB segments
            broker.produce(T, "s", List.of(OutgoingMessage.of(("k" + i % 3).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i + "-".repeat(100)).getBytes(StandardCharsets.UTF_8)))).join();
        }
        clock.advance(Duration.ofHours(1)); // past the dedup window, which compaction leaves alone
        broker.updateStation(T, "s", plain.withCompaction(new StationConfig.Compaction(true, Duration.ZERO,
                Duration.ofHours(24))));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (broker.stationInfo(T, "s").lastCompaction() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        StationInfo info = broker.stationInfo(T, "s");
        assertThat(info.lastCompaction()).as("a background compaction pass after the update").isNotNull();
        assertThat(info.lastCompaction().messagesRemoved()).as("older values of the 3 keys removed").isPositive();
    }
}
