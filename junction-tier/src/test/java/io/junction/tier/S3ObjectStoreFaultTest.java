package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3ObjectStore} through a {@link FaultyHttpProxy} in front of S3Proxy: failures become clear errors. */
class S3ObjectStoreFaultTest {

    /** The timeout of the timeout test; the others allow a loaded machine 10 s per attempt, so none retries. */
    private static final Duration TIMEOUT = Duration.ofMillis(700);
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @TempDir
    static Path serverDir;

    static S3ProxyServer server;
    FaultyHttpProxy proxy;
    S3ObjectStore store;

    @BeforeAll
    static void startServer() throws IOException {
        server = S3ProxyServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void startProxy() throws IOException {
        proxy = FaultyHttpProxy.start(server.endpoint());
        store = open(GENEROUS, 2);
    }

    private S3ObjectStore open(Duration timeout, int maxAttempts) {
        return S3ObjectStore.open(server.settings("faults").withEndpoint(proxy.endpoint())
                .withRequestTimeout(timeout), maxAttempts);
    }

    @AfterEach
    void stopProxy() {
        store.close();
        proxy.close();
    }

    @Test
    void forwardsFaithfullyWhenHealthy() throws IOException {
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        store.put("big", big);
        assertThat(store.get("big")).isEqualTo(big);
        assertThat(store.list("")).contains("big");
        store.delete("big");
        assertThat(proxy.requestsForwarded()).isEqualTo(4);
    }

    @Test
    void serverErrorsFailAfterTheRetries() {
        proxy.failAll(503);
        assertThatThrownBy(() -> store.put("k", new byte[] {1})).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("put of 'k'").hasMessageContaining("HTTP 503");
        assertThat(proxy.requestsSeen()).isEqualTo(2);

        proxy.failAll(500);
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("HTTP 500");
    }

    @Test
    void oneServerErrorIsRetriedAway() throws IOException {
        proxy.failNext(1, 500);
        store.put("k", "v".getBytes(StandardCharsets.UTF_8));
        assertThat(proxy.requestsFailed()).isEqualTo(1);
        assertThat(proxy.requestsForwarded()).isEqualTo(1);
        assertThat(store.get("k")).asString(StandardCharsets.UTF_8).isEqualTo("v");
    }

    @Test
    void aSlowServerTimesOut() throws IOException {
        store.put("k", new byte[] {1});
        proxy.delay(TIMEOUT.multipliedBy(3));
        long start = System.nanoTime();
        try (S3ObjectStore impatient = open(TIMEOUT, 1)) {
            assertThatThrownBy(() -> impatient.get("k")).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("get of 'k'").hasMessageContaining("timed out")
                    .hasMessageContaining(TIMEOUT.toMillis() + " ms");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.multipliedBy(3));

        proxy.heal();
        assertThat(store.get("k")).containsExactly(1);
    }

    @Test
    void refusedConnectionsFailThenHeal() throws IOException {
        proxy.refuse(true);
        assertThatThrownBy(() -> store.put("k", new byte[] {1})).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("put of 'k'");
        assertThat(proxy.connectionsRefused()).isGreaterThanOrEqualTo(2);

        proxy.heal();
        store.put("k", new byte[] {2});
        assertThat(store.get("k")).containsExactly(2);
    }

    @Test
    void aClosedPortCannotBeReached() throws IOException {
        var closed = FaultyHttpProxy.start(server.endpoint());
        var settings = server.settings("faults").withEndpoint(closed.endpoint());
        closed.close();
        try (S3ObjectStore unreachable = S3ObjectStore.open(settings, 1)) {
            assertThatThrownBy(() -> unreachable.get("k")).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("cannot connect");
        }
    }
}
