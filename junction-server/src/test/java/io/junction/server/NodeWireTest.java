package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settlement semantics of the wire contract, checked from a client nobody here wrote: Node's {@code @grpc/grpc-js}
 * with {@code @grpc/proto-loader} reading the shipped proto ({@code src/test/node/settle.test.mjs}), against a real
 * server. The Node harness and its pinned dependencies are copied to {@code target/node-wire}, where {@code npm ci}
 * runs once per lock file (a stamp in {@code node_modules} remembers it).
 *
 * <p>Needs {@code node} and {@code npm} on the PATH, and the npm registry for the first {@code npm ci}; without node
 * or npm the test fails and says what to install (CI's {@code .ci/run} installs them).
 */
class NodeWireTest {

    private static final Path SOURCES = Path.of("src", "test", "node");
    private static final Path WORK = Path.of("target", "node-wire");
    private static final List<String> HARNESS = List.of("package.json", "package-lock.json", "settle.test.mjs",
            "access.test.mjs", "rest.test.mjs", "tier.test.mjs");
    private static final String PROTO = "junction/v1/junction.proto";
    private static final String STAMP = ".junction-package-lock.sha256";
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void shouldSettleDeliveriesAsTheProtoSaysForANodeGrpcClient() throws Exception {
        Path node = onPath("node");
        Path npm = onPath("npm");
        prepare(npm);
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            Run run = run(List.of(node.toString(), "settle.test.mjs", "--server", "127.0.0.1:" + server.grpcPort(),
                    "--proto", Path.of("proto").resolve(PROTO).toString()), NODE_TIMEOUT, "node.log");
            System.out.println("node settle.test.mjs (exit " + run.exitCode() + "):\n" + run.output());
            assertThat(run.exitCode()).as("node settle.test.mjs failed; its output:%n%s", run.output()).isZero();
        }
    }

    @Test
    void shouldAuthenticateAndScopeCallsAsTheProtoSaysForANodeGrpcClient() throws Exception {
        Path node = onPath("node");
        Path npm = onPath("npm");
        prepare(npm);
        String password = "node's root password";
        Path passwordFile = Files.writeString(dir.resolve("root-password"), password + "\n");
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data"))
                .host("127.0.0.1").port(0).httpPort(0).auth(ServerConfig.AuthMode.REQUIRED)
                .rootPasswordFile(passwordFile).build())) {
            Run run = run(List.of(node.toString(), "access.test.mjs", "--server", "127.0.0.1:" + server.grpcPort(),
                    "--proto", Path.of("proto").resolve(PROTO).toString()), NODE_TIMEOUT, "node-access.log",
                    java.util.Map.of("JUNCTION_ROOT_PASSWORD", password));
            System.out.println("node access.test.mjs (exit " + run.exitCode() + "):\n" + run.output());
            assertThat(run.exitCode()).as("node access.test.mjs failed; its output:%n%s", run.output()).isZero();
        }
    }

    @Test
    void shouldServeTheRestGatewayAndUnaryFetchAsDocumentedForNodeClients() throws Exception {
        Path node = onPath("node");
        Path npm = onPath("npm");
        prepare(npm);
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            Run run = run(List.of(node.toString(), "rest.test.mjs", "--http", "127.0.0.1:" + server.httpPort(),
                    "--server", "127.0.0.1:" + server.grpcPort(), "--proto", Path.of("proto").resolve(PROTO)
                    .toString()), NODE_TIMEOUT, "node-rest.log");
            System.out.println("node rest.test.mjs (exit " + run.exitCode() + "):\n" + run.output());
            assertThat(run.exitCode()).as("node rest.test.mjs failed; its output:%n%s", run.output()).isZero();
        }
    }

    @Test
    void shouldReadBackFromTheObjectStoreForANodeGrpcClient() throws Exception {
        Path node = onPath("node");
        Path npm = onPath("npm");
        prepare(npm);
        try (io.junction.tier.S3ProxyServer s3 = io.junction.tier.S3ProxyServer.start(dir.resolve("s3"));
                JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data"))
                        .host("127.0.0.1").port(0).httpPort(0)
                        .s3(s3.endpoint(), s3.bucket(), null, "node/", s3.credentialsFile())
                        .s3SyncInterval(Duration.ofMillis(200)).build())) {
            Run run = run(List.of(node.toString(), "tier.test.mjs", "--server", "127.0.0.1:" + server.grpcPort(),
                    "--proto", Path.of("proto").resolve(PROTO).toString()), NODE_TIMEOUT, "node-tier.log");
            System.out.println("node tier.test.mjs (exit " + run.exitCode() + "):\n" + run.output());
            assertThat(run.exitCode()).as("node tier.test.mjs failed; its output:%n%s", run.output()).isZero();
        }
    }

    /** The harness, its dependencies (npm ci, unless the lock file is the one installed) and the shipped proto. */
    private static void prepare(Path npm) throws IOException, InterruptedException {
        Files.createDirectories(WORK.resolve("proto").resolve(PROTO).getParent());
        for (String file : HARNESS) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        try (InputStream proto = NodeWireTest.class.getResourceAsStream("/" + PROTO)) {
            assertThat(proto).as("%s on the class path (junction-api)", PROTO).isNotNull();
            Files.copy(proto, WORK.resolve("proto").resolve(PROTO), StandardCopyOption.REPLACE_EXISTING);
        }
        String lock = sha256(WORK.resolve("package-lock.json"));
        Path stamp = WORK.resolve("node_modules").resolve(STAMP);
        if (Files.exists(stamp) && Files.readString(stamp).equals(lock)) {
            return;
        }
        Run install = run(List.of(npm.toString(), "ci", "--no-audit", "--no-fund", "--loglevel=error"), NPM_TIMEOUT,
                "npm-ci.log");
        assertThat(install.exitCode()).as("npm ci in %s failed; its output:%n%s", WORK.toAbsolutePath(),
                install.output()).isZero();
        Files.writeString(stamp, lock);
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs {@code command} in the work directory, its output (both streams) in {@code log}; bounded. */
    private static Run run(List<String> command, Duration timeout, String log) throws IOException,
            InterruptedException {
        return run(command, timeout, log, java.util.Map.of());
    }

    private static Run run(List<String> command, Duration timeout, String log, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        Path output = WORK.resolve(log);
        ProcessBuilder builder = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("NO_COLOR", "1");
        builder.environment().put("npm_config_update_notifier", "false");
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("%s did not finish within %s; its output so far:%n%s", String.join(" ", command), timeout,
                    Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private static Path onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fail("%s is not on the PATH (%s). This test drives the server with Node's @grpc/grpc-js and needs "
                + "Node.js 18 or newer with npm: on Debian or Ubuntu, apt-get install nodejs npm (CI's .ci/run "
                + "installs them).", program, path);
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
