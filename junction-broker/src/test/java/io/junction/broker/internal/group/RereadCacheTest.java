package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.internal.HeldBytes;
import io.junction.log.FetchResult;
import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RereadCacheTest {

    @TempDir
    Path dir;

    @Test
    void servesOffsetsCoveredByAKeptReadWithoutReadingTheLogAgainAndStaysWithinItsBytes() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            for (int b = 0; b < 40; b++) {
                RecordBatchBuilder batch = new RecordBatchBuilder();
                for (int i = 0; i < 10; i++) {
                    batch.add(1000 + b, ("k" + i).getBytes(StandardCharsets.UTF_8),
                            String.format("v%04d", b * 10 + i).getBytes(StandardCharsets.UTF_8));
                }
                log.append(batch).join();
            }
            AtomicInteger reads = new AtomicInteger();
            int oneRead = log.read(0, 1).sizeInBytes() * 3; // three batches per read (all of one size)
            HeldBytes held = new HeldBytes(1L << 40);
            RereadCache cache = new RereadCache(oneRead * 2L, held);
            java.util.function.LongFunction<FetchResult> reader = from -> {
                reads.incrementAndGet();
                return log.read(from, oneRead);
            };

            for (long offset = 0; offset < 400; offset++) {
                Record r = cache.record(0, offset, reader);
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(String.format("v%04d", offset));
                assertThat(cache.bytes()).isLessThanOrEqualTo(oneRead * 2L);
                assertThat(held.used()).as("taken from the broker-wide budget").isEqualTo(cache.bytes());
            }
            assertThat(reads.get()).as("one read per three batches").isBetween(400 / 30, 400 / 30 + 2);

            int before = reads.get();
            cache.record(0, 399, reader);
            assertThat(reads.get()).as("the last read is kept").isEqualTo(before);
            cache.record(0, 0, reader);
            assertThat(reads.get()).as("the first one was evicted").isEqualTo(before + 1);
            cache.record(1, 399, reader);
            assertThat(reads.get()).as("another partition has its own reads").isEqualTo(before + 2);

            cache.clear();
            assertThat(cache.isEmpty()).isTrue();
            assertThat(cache.bytes()).isZero();
            assertThat(held.used()).isZero();
            cache.record(0, 399, reader);
            assertThat(reads.get()).isEqualTo(before + 3);
        }
    }

    @Test
    void keepsNothingWhenTheBrokerWideBudgetIsUsedUp() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            log.append(new RecordBatchBuilder().add(1, null, new byte[100])).join();
            HeldBytes held = new HeldBytes(50);
            RereadCache cache = new RereadCache(1 << 20, held);
            assertThat(cache.record(0, 0, from -> log.read(from, 1)).value()).hasSize(100);
            assertThat(cache.isEmpty()).isTrue();
            assertThat(held.used()).isZero();
        }
    }

    @Test
    void keepsNothingLargerThanItsBytesButStillAnswers() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            log.append(new RecordBatchBuilder().add(1, null, new byte[5000]).add(2, null, new byte[5000])).join();
            RereadCache cache = new RereadCache(1000, new HeldBytes(1L << 40));
            assertThat(cache.record(0, 1, from -> log.read(from, 1)).value()).hasSize(5000);
            assertThat(cache.isEmpty()).isTrue();
        }
    }
}
