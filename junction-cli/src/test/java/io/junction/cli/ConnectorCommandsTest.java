package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;

/** {@code junction connector ...} against a real server in this JVM and a receiver of its own. */
class ConnectorCommandsTest {

    @TempDir
    static Path data;
    private static JunctionServer server;
    private static HttpServer receiver;
    /** What the receiver got: each request's body and some headers. */
    private static final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @BeforeAll
    static void start() throws Exception {
        server = JunctionServer.start(ServerConfig.builder().dataDir(data.resolve("data")).port(0).httpPort(0)
                .build());
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/hook", ex -> {
            received.add(Map.of("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    "x-env", String.valueOf(ex.getRequestHeaders().getFirst("X-Env")),
                    "authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")),
                    "signature", String.valueOf(ex.getRequestHeaders().getFirst("X-Junction-Signature"))));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        server.close();
    }

    @Test
    void createsAnHttpSinkThatDeliversAndShowsItWithoutItsSecrets() throws Exception {
        Path key = Files.writeString(data.resolve("hmac-key"), "the-hmac-key-secret\n");
        Path token = Files.writeString(data.resolve("token"), "Bearer the-bearer-secret\n");
        assertThat(run("station", "create", "people")).isZero();
        assertThat(run("connector", "create", "hook", "--type", "http-sink", "--station", "people", "--group",
                "hook", "--url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook", "--header",
                "X-Env=test", "--header-secret-file", "Authorization=" + token, "--secret-file", key.toString(),
                "--timeout", "5s", "--max-concurrency", "4", "--json")).as(err.toString()).isZero();
        assertThat(out()).contains("\"name\":\"hook\"", "\"type\":\"http-sink\"", "\"station\":\"people\"",
                "\"group\":\"hook\"", "\"header.X-Env\":\"test\"", "\"secrets\":[\"header.Authorization\",\"hmac-key\"]")
                .doesNotContain("secret\"", "the-hmac-key-secret", "the-bearer-secret");

        assertThat(run("produce", "people", "--key", "emp-1", "{\"name\":\"Ada\"}")).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.isEmpty()) {
            assertThat(System.nanoTime()).as("delivered within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(received.get(0).get("body")).contains("\"key\":\"emp-1\"", "\"value\":{\"name\":\"Ada\"}");
        assertThat(received.get(0)).containsEntry("x-env", "test")
                .containsEntry("authorization", "Bearer the-bearer-secret");
        assertThat(received.get(0).get("signature")).startsWith("sha256=");

        assertThat(run("connector", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^hook\\s+http-sink\\s+people\\s+running");
        assertThat(run("connector", "info", "hook")).isZero();
        assertThat(out()).contains("state:     running", "secrets:   header.Authorization, hmac-key (sealed, not "
                + "shown)").doesNotContain("the-bearer-secret");

        assertThat(run("connector", "pause", "hook")).isZero();
        assertThat(run("connector", "info", "hook", "--json")).isZero();
        assertThat(out()).contains("\"paused\":true", "\"state\":\"paused\"");
        assertThat(run("connector", "resume", "hook")).isZero();
        assertThat(out()).matches("resumed connector 'hook' \\((starting|running)\\)");
        assertThat(run("produce", "people", "--key", "emp-2", "{\"name\":\"Grace\"}")).isZero();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.size() < 2) {
            assertThat(System.nanoTime()).as("delivered after resume within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(received.get(1).get("body")).contains("\"key\":\"emp-2\"");
        assertThat(run("connector", "delete", "hook")).isZero();
        assertThat(run("connector", "info", "hook")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_CONNECTOR: ");
    }

    @Test
    void badInputIsRefusedWithItsCode() throws Exception {
        assertThat(run("station", "create", "refusals")).isZero();
        assertThat(run("connector", "create", "x", "--type", "nope", "--station", "refusals")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: unknown connector type 'nope'");
        assertThat(run("connector", "create", "x", "--type", "http-sink", "--station", "nowhere", "--group", "g",
                "--url", "http://127.0.0.1:1/")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
        assertThat(run("connector", "create", "x", "--type", "http-sink", "--station", "refusals", "--group", "g",
                "--url", "http://127.0.0.1:1/", "--secret-file", data.resolve("no-such-file").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("cannot read");
        assertThat(run("connector", "create", "x", "--type", "http-sink", "--station", "refusals", "--group", "g",
                "--url", "http://127.0.0.1:1/", "--secret-file", "f", "--secret-env", "HOME")).isEqualTo(2);
        assertThat(err.toString()).contains("not both");
        assertThat(run("connector", "create", "x", "--type", "http-sink", "--group", "g")).isEqualTo(2);
        assertThat(err.toString()).contains("--station");
        assertThat(run("connector", "list", "--json")).isZero();
        assertThat(out()).doesNotContain("\"name\":\"x\"");
    }

    private String out() {
        return out.toString().strip();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        final String[] withServer = new String[args.length + 2];
        System.arraycopy(args, 0, withServer, 0, args.length);
        withServer[args.length] = "--server";
        withServer[args.length + 1] = "localhost:" + server.grpcPort();
        final picocli.CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(withServer);
    }
}
