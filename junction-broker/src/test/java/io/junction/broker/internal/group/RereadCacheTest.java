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
            RereadCache cache = new RereadCache(oneRead * 2L, oneRead, held);
            RereadCache.Reader reader = (from, bytes) -> {
                reads.incrementAndGet();
                assertThat(bytes).as("a read that can be kept asks for the read size").isEqualTo(oneRead);
                return log.read(from, bytes);
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
            assertThat(cache.record(0, 0, (from, bytes) -> log.read(from, bytes)).value()).hasSize(100);
            assertThat(cache.isEmpty()).isTrue();
            assertThat(held.used()).isZero();
        }
    }

    @Test
    void keepsNothingLargerThanItsBytesButStillAnswers() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            log.append(new RecordBatchBuilder().add(1, null, new byte[5000]).add(2, null, new byte[5000])).join();
            RereadCache cache = new RereadCache(1000, new HeldBytes(1L << 40));
            assertThat(cache.record(0, 1, (from, bytes) -> log.read(from, bytes)).value()).hasSize(5000);
            assertThat(cache.isEmpty()).isTrue();
        }
    }
    /**
     * With nothing left of the broker-wide budget, a message read again costs the batch that holds it, not a whole
     * read: each reread asks for the one batch (and gets only it), and asks for full reads again once the budget
     * has room.
     */
    @Test
    void readsOneBatchForOneMessageWhenTheReadCannotBeKept() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.defaults())) {
            for (int b = 0; b < 20; b++) {
                RecordBatchBuilder batch = new RecordBatchBuilder();
                for (int i = 0; i < 5; i++) {
                    batch.add(1000 + b, null, new byte[200]);
                }
                log.append(batch).join();
            }
            int oneBatch = log.read(0, 1).sizeInBytes();
            HeldBytes held = new HeldBytes(1L << 40);
            assertThat(held.tryTake((1L << 40) - 10)).isTrue(); // other groups hold nearly all of it
            RereadCache cache = new RereadCache(1 << 20, 64 * 1024, held);
            java.util.List<Integer> asked = new java.util.ArrayList<>();
            java.util.List<Integer> got = new java.util.ArrayList<>();
            RereadCache.Reader reader = (from, bytes) -> {
                asked.add(bytes);
                FetchResult r = log.read(from, bytes);
                got.add(r.sizeInBytes());
                return r;
            };
            for (long offset = 0; offset < 100; offset += 5) {
                assertThat(cache.record(0, offset, reader).offset()).isEqualTo(offset);
            }
            assertThat(asked).as("one batch asked for each time").hasSize(20).containsOnly(1);
            assertThat(got).as("one batch read each time").containsOnly(oneBatch);
            held.give((1L << 40) - 10);
            cache.record(0, 2, reader);
            assertThat(asked.get(asked.size() - 1)).as("room again: a whole read").isEqualTo(64 * 1024);
            assertThat(cache.isEmpty()).isFalse();
        }
    }
}
