package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JunctionServerTest {

    private static final String LOOPBACK = "127.0.0.1";
    /** HTTP/1.1, as health checkers speak it (over HTTP/2 each stop would also wait out a 1 s connection drain). */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path tmp;

    @Test
    void shouldAnswerHealthOnTheHttpPort() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(tmp))) {
            final HttpResponse<String> response = get(server.httpPort(), "/health");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
        }
    }

    @Test
    void shouldNotServeHealthOnTheGrpcPort() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(tmp))) {
            assertThat(server.grpcPort()).isNotEqualTo(server.httpPort());
            assertThat(get(server.grpcPort(), "/health").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldServeTheGrpcApiOnlyOnTheGrpcPortAndOnlyAsGrpc() throws Exception {
        try (JunctionServer server = JunctionServer.start(config(tmp))) {
            // A gRPC-Web request to CreateStation (an empty request body frame), on either port: refused.
            for (int port : new int[] {server.httpPort(), server.grpcPort()}) {
                for (String type : new String[] {"application/grpc-web+proto", "application/grpc-web-text",
                        "application/grpc+json", "application/json"}) {
                    final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + port
                            + "/junction.v1.Admin/CreateStation")).header("content-type", type)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build();
                    final HttpResponse<String> response = HTTP.send(request,
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    assertThat(response.statusCode()).as("%s on port %d", type, port).isBetween(400, 499);
                }
            }
            // Real gRPC (HTTP/2) on the HTTP port: not served either.
            final io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder
                    .forAddress(LOOPBACK, server.httpPort()).usePlaintext().build();
            try {
                assertThatThrownBy(() -> io.junction.api.v1.AdminGrpc.newBlockingStub(channel)
                        .listStations(io.junction.api.v1.ListStationsRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(
                                e.getStatus().getCode()).isIn(io.grpc.Status.Code.UNIMPLEMENTED,
                                        io.grpc.Status.Code.NOT_FOUND));
            } finally {
                channel.shutdownNow();
            }
            // ... while the gRPC port serves it.
            final io.grpc.ManagedChannel grpc = io.grpc.ManagedChannelBuilder
                    .forAddress(LOOPBACK, server.grpcPort()).usePlaintext().build();
            try {
                assertThat(io.junction.api.v1.AdminGrpc.newBlockingStub(grpc)
                        .listStations(io.junction.api.v1.ListStationsRequest.getDefaultInstance()).getStationsList())
                        .as("no station was created by the refused requests").isEmpty();
            } finally {
                grpc.shutdownNow();
            }
        }
    }

    @Test
    void shouldCreateAMissingDataDirectoryAndLockIt() {
        final Path dir = tmp.resolve("a/b/data");

        try (JunctionServer server = JunctionServer.start(config(dir))) {
            assertThat(server.dataDir()).isEqualTo(dir.toAbsolutePath()).isDirectory();
            assertThat(dir.resolve(".lock")).isRegularFile();
        }
    }

    @Test
    void shouldRefuseASecondServerOnTheSameDataDirectory() throws Exception {
        try (JunctionServer first = JunctionServer.start(config(tmp))) {
            final List<String> before = snapshot(tmp);

            assertThatThrownBy(() -> JunctionServer.start(config(tmp)))
                    .isInstanceOf(StartupException.class)
                    .hasMessage("data directory " + tmp + " is in use by another Junction server"
                            + " (it holds the lock on " + tmp.resolve(".lock") + ")");

            assertThat(snapshot(tmp)).isEqualTo(before);
            assertThat(get(first.httpPort(), "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldKeepTheDataDirectoryLockedForOtherProcessesAfterARefusedSecondServer() throws Exception {
        try (JunctionServer first = JunctionServer.start(config(tmp))) {
            assertThatThrownBy(() -> JunctionServer.start(config(tmp))).isInstanceOf(StartupException.class);

            assertThat(lockFromAnotherProcess(first.dataDir())).contains("is in use by another Junction server");
        }
        assertThat(lockFromAnotherProcess(tmp)).startsWith("locked ");
    }

    @Test
    void shouldRefuseADataDirectoryThatIsAFile() throws IOException {
        final Path file = Files.writeString(tmp.resolve("data"), "not a directory");

        assertThatThrownBy(() -> JunctionServer.start(config(file)))
                .isInstanceOf(StartupException.class)
                .hasMessage("data directory " + file + " is a file, not a directory");
    }

    @Test
    void shouldNameTheGrpcPortWhenItIsInUse() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            final ServerConfig config = builder(tmp).port(busy.getLocalPort()).build();

            assertThatThrownBy(() -> JunctionServer.start(config))
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith("port " + busy.getLocalPort() + " (gRPC) is not available on 127.0.0.1:")
                    .hasMessageContaining("in use");
        }
        assertThatDataDirectoryIsFree(tmp);
    }

    @Test
    void shouldNameTheHttpPortWhenItIsInUse() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            final ServerConfig config = builder(tmp).httpPort(busy.getLocalPort()).build();

            assertThatThrownBy(() -> JunctionServer.start(config))
                    .isInstanceOf(StartupException.class)
                    .hasMessageStartingWith("http-port " + busy.getLocalPort() + " (HTTP) is not available");
        }
        assertThatDataDirectoryIsFree(tmp);
    }

    @Test
    void shouldNameTheObjectStoreWhenItCannotBeReachedAndLeaveNothingHeld() throws IOException {
        final int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            closed = probe.getLocalPort(); // nothing listens there once closed
        }
        final Path credentials = Files.writeString(tmp.resolve("s3.credentials"),
                "[default]\naws_access_key_id = junction\naws_secret_access_key = not-a-secret\n");
        final ServerConfig config = builder(tmp.resolve("data")).s3(java.net.URI.create("http://127.0.0.1:"
                + closed), "junction-tier", null, null, credentials).build();

        assertThatThrownBy(() -> JunctionServer.start(config))
                .isInstanceOf(StartupException.class)
                .hasMessageStartingWith("cannot reach the object store s3://junction-tier/ at http://127.0.0.1:"
                        + closed + " (--s3-bucket, --s3-endpoint): ");
        assertThatDataDirectoryIsFree(tmp.resolve("data"));
    }

    @Test
    void shouldReleaseTheDataDirectoryOnClose() {
        JunctionServer.start(config(tmp)).close();

        assertThatDataDirectoryIsFree(tmp);
    }

    @Test
    void shouldCloseOnceAndThenLetWaitersThrough() throws Exception {
        final JunctionServer server = JunctionServer.start(config(tmp));
        final Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                server.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        server.close();
        server.close();

        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(waiter.isAlive()).isFalse();
        assertThatThrownBy(() -> get(server.httpPort(), "/health")).isInstanceOf(IOException.class);
    }

    private static ServerConfig config(Path dataDir) {
        return builder(dataDir).build();
    }

    private static ServerConfig.Builder builder(Path dataDir) {
        return ServerConfig.builder().dataDir(dataDir).host(LOOPBACK).port(0).httpPort(0);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + port + path))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static void assertThatDataDirectoryIsFree(Path dir) {
        JunctionServer.start(config(dir)).close();
    }

    /** Every entry under {@code dir} with its size and modification time. */
    private static List<String> snapshot(Path dir) throws IOException {
        final List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted().toList();
        }
        final List<String> entries = new ArrayList<>();
        for (Path p : paths) {
            final BasicFileAttributes attributes = Files.readAttributes(p, BasicFileAttributes.class);
            entries.add(p + " " + attributes.size() + " " + attributes.lastModifiedTime());
        }
        return entries;
    }

    /** Runs {@link LockProbe} in a child JVM on this test's class path and returns what it printed. */
    private static String lockFromAnotherProcess(Path dir) throws IOException, InterruptedException {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockProbe.class.getName(), dir.toString())
                .redirectErrorStream(true)
                .start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        return output;
    }
}
