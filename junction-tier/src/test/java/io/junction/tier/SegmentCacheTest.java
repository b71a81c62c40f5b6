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

    @Test
    void refusesAnEntryWithoutAnyChecksum() throws IOException {
        try (SegmentCache cache = cache()) {
            assertThatThrownBy(() -> cache.get(entry(null, null))).isInstanceOf(RemoteReadException.class)
                    .hasMessageContaining("no checksum");
        }
    }
}
