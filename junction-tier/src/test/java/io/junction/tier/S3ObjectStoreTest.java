package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3ObjectStore} against S3Proxy in this JVM: each test under a prefix of its own. */
class S3ObjectStoreTest {

    @TempDir
    static Path serverDir;
    @TempDir
    Path dir;

    static S3ProxyServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = S3ProxyServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static S3ObjectStore store(TestInfo test) {
        return S3ObjectStore.open(server.settings(test.getTestMethod().orElseThrow().getName()));
    }

    @Test
    void putsAndGetsBytes(TestInfo test) throws IOException {
        try (S3ObjectStore store = store(test)) {
            store.put("a/manifest", "hello".getBytes(StandardCharsets.UTF_8));
            store.put("empty", new byte[0]);

            assertThat(store.get("a/manifest")).asString(StandardCharsets.UTF_8).isEqualTo("hello");
            assertThat(store.get("empty")).isEmpty();
            store.put("a/manifest", "again".getBytes(StandardCharsets.UTF_8));
            assertThat(store.get("a/manifest")).asString(StandardCharsets.UTF_8).isEqualTo("again");
        }
    }

    @Test
    void uploadsAndDownloadsABigFileStreamed(TestInfo test) throws IOException {
        long seed = System.nanoTime();
        System.out.println("uploadsAndDownloadsABigFileStreamed seed=" + seed);
        Path file = dir.resolve("segment");
        writeRandom(file, 20 << 20, new Random(seed));
        Path target = Files.writeString(dir.resolve("downloaded"), "old content");

        try (S3ObjectStore store = store(test)) {
            store.put("segments/00000000000000000000.log", file);
            store.download("segments/00000000000000000000.log", target);
        }

        assertThat(Files.mismatch(file, target)).isEqualTo(-1L);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("segment", "downloaded");
        }
    }

    @Test
    void uploadsAFileWithItsChecksumAndTheStoreRefusesAWrongOne(TestInfo test) throws IOException {
        long seed = System.nanoTime();
        System.out.println("uploadsAFileWithItsChecksumAndTheStoreRefusesAWrongOne seed=" + seed);
        Path file = dir.resolve("segment");
        writeRandom(file, 3 << 20, new Random(seed));
        String crc = ObjectDigests.crc32c(file);
        String wrong = String.format("%08x", Long.parseLong(crc, 16) ^ 1);
        Path target = dir.resolve("downloaded");

        try (S3ObjectStore store = store(test)) {
            store.put("good.segment", file, crc);
            store.download("good.segment", target);
            assertThat(Files.mismatch(file, target)).isEqualTo(-1L);

            assertThatThrownBy(() -> store.put("bad.segment", file, wrong))
                    .isInstanceOf(ObjectStoreException.class).hasMessageContaining("bad.segment");
            assertThat(store.list("")).containsExactly("good.segment");
        }
    }

    @Test
    void anAbsentObjectIsNoSuchFile(TestInfo test) throws IOException {
        Path target = Files.writeString(dir.resolve("target"), "kept");
        try (S3ObjectStore store = store(test)) {
            assertThatThrownBy(() -> store.get("nothing-here")).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("nothing-here");
            assertThatThrownBy(() -> store.download("nothing-here", target)).isInstanceOf(NoSuchFileException.class);
        }
        assertThat(target).hasContent("kept");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void listsEveryKeyUnderAPrefixAcrossPages(TestInfo test) throws IOException {
        List<String> expected = new ArrayList<>();
        try (S3ObjectStore store = S3ObjectStore.open(server.settings("listing"), 3, 7)) {
            for (int i = 24; i >= 0; i--) {
                String key = "seg/%05d".formatted(i);
                store.put(key, new byte[] {(byte) i});
                expected.add(0, key);
            }
            store.put("other/x", new byte[0]);
            store.put("segment-not-under-seg-slash", new byte[0]);

            assertThat(store.list("seg/")).containsExactlyElementsOf(expected);
            assertThat(store.list("")).hasSize(27).startsWith("other/x").endsWith("segment-not-under-seg-slash");
            assertThat(store.list("nothing/")).isEmpty();
        }
    }

    @Test
    void deleteIsIdempotent(TestInfo test) throws IOException {
        try (S3ObjectStore store = store(test)) {
            store.put("k", new byte[] {1});
            store.delete("k");
            store.delete("k");
            store.delete("never-was");
            assertThat(store.list("")).isEmpty();
            assertThatThrownBy(() -> store.get("k")).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void prefixesIsolateStores() throws IOException {
        try (S3ObjectStore left = S3ObjectStore.open(server.settings("cluster-a"));
             S3ObjectStore right = S3ObjectStore.open(server.settings("cluster-a-b/"))) {
            left.put("k", "left".getBytes(StandardCharsets.UTF_8));
            right.put("k", "right".getBytes(StandardCharsets.UTF_8));

            assertThat(left.get("k")).asString(StandardCharsets.UTF_8).isEqualTo("left");
            assertThat(right.get("k")).asString(StandardCharsets.UTF_8).isEqualTo("right");
            assertThat(left.list("")).containsExactly("k");
            left.delete("k");
            assertThat(right.list("")).containsExactly("k");
            assertThat(left.describe()).isEqualTo("s3://" + server.bucket() + "/cluster-a/ at " + server.endpoint());
        }
    }

    @Test
    void wrongCredentialsAreRefusedClearly(TestInfo test) throws IOException {
        Path wrong = S3ProxyServer.writeCredentialsFile(dir.resolve("creds"), server.accessKey(), "not-the-secret");
        S3Settings settings = S3Settings.of(server.endpoint(), server.bucket(), null, "p", wrong);
        try (S3ObjectStore store = S3ObjectStore.open(settings)) {
            assertThatThrownBy(() -> store.put("k", new byte[1])).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("put of 'k'").hasMessageContaining("access denied")
                    .hasMessageContaining("403").hasMessageNotContaining("not-the-secret");
            assertThatThrownBy(store::check).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("is not usable").hasMessageContaining("access denied");
        }
    }

    @Test
    void anUnknownAccessKeyIsRefusedClearly() throws IOException {
        Path wrong = S3ProxyServer.writeCredentialsFile(dir.resolve("creds"), "nobody", "whatever");
        S3Settings settings = S3Settings.of(server.endpoint(), server.bucket(), null, "p", wrong);
        try (S3ObjectStore store = S3ObjectStore.open(settings)) {
            assertThatThrownBy(() -> store.get("k")).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("access denied");
        }
    }

    @Test
    void aMissingBucketIsNamed() throws IOException {
        S3Settings settings = S3Settings.of(server.endpoint(), "no-such-bucket", null, "", server.credentialsFile());
        try (S3ObjectStore store = S3ObjectStore.open(settings)) {
            assertThatThrownBy(() -> store.put("k", new byte[1])).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("bucket 'no-such-bucket' does not exist");
            assertThatThrownBy(() -> store.get("k")).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("bucket 'no-such-bucket' does not exist");
            assertThatThrownBy(() -> store.list("")).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("does not exist");
            assertThatThrownBy(store::check).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("s3://no-such-bucket/ at " + server.endpoint() + " is not usable");
        }
    }

    @Test
    void checkPassesOnAWritableBucketAndLeavesNothing(TestInfo test) throws IOException {
        try (S3ObjectStore store = store(test)) {
            store.check();
            assertThat(store.list("")).isEmpty();
        }
    }

    @Test
    void aCredentialsFileWithoutDefaultProfileIsRefusedAtOpen() throws IOException {
        Path creds = Files.writeString(dir.resolve("creds"), "[other]\naws_access_key_id = a\naws_secret_access_key = b\n");
        S3Settings settings = S3Settings.of(server.endpoint(), server.bucket(), null, "", creds);
        assertThatThrownBy(() -> S3ObjectStore.open(settings)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no [default] profile");
        S3Settings missing = S3Settings.of(server.endpoint(), server.bucket(), null, "", dir.resolve("absent"));
        assertThatThrownBy(() -> S3ObjectStore.open(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a readable file");
    }

    static void writeRandom(Path file, int size, Random random) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
        }
    }
}
