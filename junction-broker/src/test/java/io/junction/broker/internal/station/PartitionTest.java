package io.junction.broker.internal.station;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.BrokerConfig;
import io.junction.broker.internal.BrokerContext;
import io.junction.log.AppendResult;
import io.junction.log.CompactionStats;
import io.junction.log.FetchResult;
import io.junction.log.LogConfig;
import io.junction.log.MemoryPartitionStore;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatchBuilder;
import io.junction.log.Throttle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A partition as a single-writer state machine: one owner applies its appends, on the broker's shared threads. */
class PartitionTest {

    @TempDir
    Path dir;

    private BrokerContext context;

    @BeforeEach
    void open() {
        context = new BrokerContext(BrokerConfig.defaults(dir), System::nanoTime, (d, c) -> {
            throw new AssertionError("not used");
        });
    }

    @AfterEach
    void close() {
        context.close();
    }

    private static RecordBatchBuilder batch(String value) {
        return new RecordBatchBuilder().add(1, null, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void appendsFromManyThreadsAreAppliedOneAtATimeInSubmissionOrderOnTheSharedThreads() throws Exception {
        WatchedStore store = new WatchedStore(new MemoryPartitionStore(LogConfig.defaults()));
        Partition partition = new Partition("p", store, context.partitionExecutor());
        int threads = 8;
        int each = 500;
        List<List<CompletableFuture<AppendResult>>> byThread = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
            byThread.add(mine);
            int id = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    mine.add(partition.append(batch(id + ":" + i)));
                }
            });
            thread.start();
            producers.add(thread);
        }
        start.countDown();
        for (Thread thread : producers) {
            thread.join();
        }
        for (List<CompletableFuture<AppendResult>> mine : byThread) {
            long previous = -1;
            for (CompletableFuture<AppendResult> f : mine) {
                long offset = f.get(30, TimeUnit.SECONDS).baseOffset();
                assertThat(offset).as("a thread's appends land in the order it gave them").isGreaterThan(previous);
                previous = offset;
            }
        }
        assertThat(store.nextOffset()).isEqualTo((long) threads * each);
        assertThat(store.mostAtOnce.get()).as("appends applied one at a time").isEqualTo(1);
        assertThat(store.appendThreads).as("every append ran on the shared partition threads")
                .allMatch(name -> name.startsWith("junction-partitions-"));
        assertThat(store.appendThreads.size()).isLessThanOrEqualTo(BrokerContext.PARTITION_THREADS);
    }

    @Test
    void manyPartitionsShareAFewThreads() throws Exception {
        List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
        WatchedStore[] stores = new WatchedStore[500];
        for (int p = 0; p < stores.length; p++) {
            stores[p] = new WatchedStore(new MemoryPartitionStore(LogConfig.defaults()));
            Partition partition = new Partition("p" + p, stores[p], context.partitionExecutor());
            appends.add(partition.append(batch("x")));
        }
        for (CompletableFuture<AppendResult> f : appends) {
            f.get(30, TimeUnit.SECONDS);
        }
        Set<String> used = ConcurrentHashMap.newKeySet();
        for (WatchedStore s : stores) {
            used.addAll(s.appendThreads);
        }
        assertThat(used).isNotEmpty().hasSizeLessThanOrEqualTo(BrokerContext.PARTITION_THREADS);
    }

    @Test
    void closingLetsTheCommandsGivenRunFirstThenRefusesMore() throws Exception {
        MemoryPartitionStore store = new MemoryPartitionStore(LogConfig.defaults());
        Partition partition = new Partition("p", store, context.partitionExecutor());
        List<CompletableFuture<AppendResult>> given = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            given.add(partition.append(batch("m" + i)));
        }
        partition.close();
        for (int i = 0; i < given.size(); i++) {
            assertThat(given.get(i).get(30, TimeUnit.SECONDS).baseOffset()).isEqualTo(i);
        }
        assertThat(store.nextOffset()).isEqualTo(1000);
        assertThatThrownBy(() -> partition.append(batch("x")).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(io.junction.log.LogClosedException.class);
    }

    /** A store that records which threads append and how many appends overlap. */
    private static final class WatchedStore implements PartitionStore {
        final PartitionStore inner;
        final Set<String> appendThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger atOnce = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();

        WatchedStore(PartitionStore inner) {
            this.inner = inner;
        }

        @Override
        public CompletableFuture<AppendResult> append(ByteBuffer batch) {
            int now = atOnce.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            appendThreads.add(Thread.currentThread().getName());
            try {
                for (int i = 0; i < 200; i++) {
                    Thread.onSpinWait(); // widens the window in which overlapping appends would show
                }
                return inner.append(batch);
            } finally {
                atOnce.decrementAndGet();
            }
        }

        @Override
        public FetchResult read(long offset, int maxBytes) {
            return inner.read(offset, maxBytes);
        }

        @Override
        public OptionalLong offsetForTimestamp(long timestamp) {
            return inner.offsetForTimestamp(timestamp);
        }

        @Override
        public OptionalLong offsetForAppendTime(long appendTimeMs) {
            return inner.offsetForAppendTime(appendTimeMs);
        }

        @Override
        public long firstOffset() {
            return inner.firstOffset();
        }

        @Override
        public long nextOffset() {
            return inner.nextOffset();
        }

        @Override
        public long sizeInBytes() {
            return inner.sizeInBytes();
        }

        @Override
        public long recordCount() {
            return inner.recordCount();
        }

        @Override
        public List<SegmentInfo> segments() {
            return inner.segments();
        }

        @Override
        public int deleteSegmentsBefore(long offset) {
            return inner.deleteSegmentsBefore(offset);
        }

        @Override
        public CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset)
                throws InterruptedException {
            return inner.compact(keep, throttle, belowOffset);
        }

        @Override
        public CompletableFuture<Void> flushAsync() {
            return inner.flushAsync();
        }

        @Override
        public void flush() {
            inner.flush();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
