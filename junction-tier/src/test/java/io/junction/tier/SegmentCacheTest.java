package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.log.LogConfig;
import io.junction.log.PartitionLog;
import io.junction.log.RecordBatchBuilder;
import io.junction.log.SealedSegment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SegmentCache} serves an object only when it matches its manifest entry: by the CRC32C of the object's
 * bytes (entries written now), by the SHA-256 of the plain segment (entries written before CRC32C), and never
 * when the entry names neither. The objects are real segments, uploaded to S3Proxy.
 */
class SegmentCacheTest {

    @TempDir
    static Path serverDir;
    @TempDir
    Path dir;

    static S3ProxyServer server;
    private S3ObjectStore store;
    private SealedSegment segment;
    private final ExecutorService fetchers = Executors.newFixedThreadPool(2);

    @BeforeAll
    static void startServer() throws IOException {
        server = S3ProxyServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void uploadASegment() throws IOException {
        store = S3ObjectStore.open(server.settings("cache-" + System.nanoTime()));
        try (PartitionLog log = PartitionLog.open(dir.resolve("log"),
                LogConfig.builder().segmentBytes(4096).build())) {
            for (int i = 0; i < 100; i++) {
                log.append(new RecordBatchBuilder().appendTime(1_000 + i).add(1_000 + i,
                        ("k" + i).getBytes(StandardCharsets.UTF_8), ("value " + i).getBytes(StandardCharsets.UTF_8)))
                        .join();
            }
            segment = log.sealedSegments().get(0);
            Path copy = Files.copy(segment.logFile(), dir.resolve("segment-copy"));
            store.put("seg", copy);
        }
    }

    private TierManifest.Entry entry(String crc32c, String sha256) {
        return new TierManifest.Entry("seg", segment.baseOffset(), segment.endOffset(), segment.sizeInBytes(),
                segment.sizeInBytes(), segment.endOffset() - segment.baseOffset(), 0, 0, crc32c, sha256, null,
                TierManifest.State.COPY_FINISHED);
    }

    private SegmentCache cache() throws IOException {
        return new SegmentCache(Files.createDirectories(dir.resolve("cache-" + System.nanoTime())), 1 << 20, store,
                null, fetchers);
    }

    @Test
    void servesAnObjectThatMatchesItsChecksum() throws IOException {
        String crc = ObjectDigests.crc32c(dir.resolve("segment-copy"));
        try (SegmentCache cache = cache()) {
            SegmentCache.Cached cached = cache.get(entry(crc, null));
            assertThat(cached.reader.read(segment.baseOffset(), 1 << 20).batches()).isNotEmpty();
        }
    }

    @Test
    void refusesAnObjectWhoseChecksumDiffers() throws IOException {
        String crc = ObjectDigests.crc32c(dir.resolve("segment-copy"));
        String wrong = String.format("%08x", Long.parseLong(crc, 16) ^ 0x100);
        try (SegmentCache cache = cache()) {
            assertThatThrownBy(() -> cache.get(entry(wrong, null))).isInstanceOf(RemoteReadException.class)
                    .hasMessageContaining("does not match its checksum").hasMessageContaining(wrong);
        }
    }

    @Test
    void stillChecksTheSha256OfEntriesWrittenBeforeCrc32c() throws IOException {
        String sha = ObjectDigests.sha256(dir.resolve("segment-copy"));
        String wrong = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
        try (SegmentCache cache = cache()) {
            assertThat(cache.get(entry(null, sha)).reader.read(segment.baseOffset(), 1 << 20).batches())
                    .isNotEmpty();
        }
        try (SegmentCache cache = cache()) {
            assertThatThrownBy(() -> cache.get(entry(null, wrong))).isInstanceOf(RemoteReadException.class)
                    .hasMessageContaining("does not match its digest");
        }
    }

    /**
     * Requests wait for downloads on the server's threads: past {@link SegmentCache#MAX_WAITING} of them, a read of a
     * segment not cached is refused at once (retriable) rather than holding one more thread; cached ones are served.
     */
    @Test
    void refusesAReadPastTheWaitersBoundAtOnceAndStillServesCachedSegments() throws Exception {
        String crc = ObjectDigests.crc32c(dir.resolve("segment-copy"));
        store.put("cached", dir.resolve("segment-copy"));
        java.util.concurrent.CountDownLatch storeAnswers = new java.util.concurrent.CountDownLatch(1);
        ObjectStore slow = new DelegatingStore(store) {
            @Override
            public void download(String key, Path target) throws IOException {
                if (key.equals("seg")) {
                    try {
                        storeAnswers.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                super.download(key, target);
            }
        };
        ExecutorService readers = Executors.newFixedThreadPool(SegmentCache.MAX_WAITING);
        try (SegmentCache cache = new SegmentCache(Files.createDirectories(dir.resolve("bounded")), 1 << 20, slow,
                null, fetchers)) {
            TierManifest.Entry cachedEntry = new TierManifest.Entry("cached", segment.baseOffset(),
                    segment.endOffset(), segment.sizeInBytes(), segment.sizeInBytes(), 100, 0, 0, crc, null, null,
                    TierManifest.State.COPY_FINISHED);
            cache.get(cachedEntry);
            List<java.util.concurrent.Future<SegmentCache.Cached>> waiting = new ArrayList<>();
            for (int i = 0; i < SegmentCache.MAX_WAITING; i++) {
                waiting.add(readers.submit(() -> cache.get(entry(crc, null))));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (cache.waiting() < SegmentCache.MAX_WAITING) {
                assertThat(System.nanoTime()).as("every reader waiting").isLessThan(deadline);
                Thread.onSpinWait();
            }

            // on a thread of its own: without the bound it would wait with the others (and the test fail, not hang)
            java.util.concurrent.CompletableFuture<SegmentCache.Cached> ninth =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> cache.get(entry(crc, null)));
            assertThatThrownBy(() -> ninth.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RemoteReadException.class).hasMessageContaining("busy")
                    .hasMessageContaining("retry");
            assertThat(cache.get(cachedEntry).reader.read(segment.baseOffset(), 1 << 20).batches()).isNotEmpty();
            TierCacheStats stats = cache.stats();
            assertThat(stats.readsWaiting()).isEqualTo(SegmentCache.MAX_WAITING);
            assertThat(stats.readsRefused()).as("for metrics: junction_tier_reads_refused_total").isEqualTo(1);
            assertThat(stats.misses()).as("two downloads: the cached one, the one held back").isEqualTo(2);

            storeAnswers.countDown();
            for (var f : waiting) {
                assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS).reader.read(segment.baseOffset(),
                        1 << 20).batches()).isNotEmpty();
            }
            assertThat(cache.waiting()).isZero();
            assertThat(cache.get(entry(crc, null))).as("served once the store answered").isNotNull();
        } finally {
            storeAnswers.countDown();
            readers.shutdownNow();
        }
    }

    /** An object store passing every call to another. */
    private static class DelegatingStore implements ObjectStore {
        private final ObjectStore inner;

        DelegatingStore(ObjectStore inner) {
            this.inner = inner;
        }

        @Override
        public void put(String key, Path file) throws IOException {
            inner.put(key, file);
        }

        @Override
        public void put(String key, Path file, String crc32c) throws IOException {
            inner.put(key, file, crc32c);
        }

        @Override
        public void put(String key, byte[] bytes) throws IOException {
            inner.put(key, bytes);
        }

        @Override
        public byte[] get(String key) throws IOException {
            return inner.get(key);
        }

        @Override
        public void download(String key, Path target) throws IOException {
            inner.download(key, target);
        }

        @Override
        public List<String> list(String prefix) throws IOException {
            return inner.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            inner.delete(key);
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void refusesAnEntryWithoutAnyChecksum() throws IOException {
        try (SegmentCache cache = cache()) {
            assertThatThrownBy(() -> cache.get(entry(null, null))).isInstanceOf(RemoteReadException.class)
                    .hasMessageContaining("no checksum");
        }
    }
}
