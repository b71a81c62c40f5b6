package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;

/** {@code junction bench} against a real server in this JVM (issue #5, point 1). Never asserts on speed. */
class BenchCommandTest {

    @TempDir
    static Path data;
    private static JunctionServer server;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @BeforeAll
    static void startServer() {
        server = JunctionServer.start(ServerConfig.builder().dataDir(data).port(0).httpPort(0).build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void producesAndConsumesCountMessagesAndReportsThemAsJson() throws Exception {
        assertThat(run("station", "create", "bench-json")).isZero();

        assertThat(run("bench", "bench-json", "--count", "2000", "--size", "100", "--consumers", "1", "--json"))
                .as(err.toString()).isZero();
        final JsonNode report = new ObjectMapper().readTree(out.toString().strip());
        assertThat(report.get("produced").asLong()).isEqualTo(2000);
        assertThat(report.get("consumed").asLong()).isEqualTo(2000);
        for (String latency : new String[] {"produce_latency_ms", "end_to_end_latency_ms"}) {
            final JsonNode l = report.get(latency);
            assertThat(l.get("count").asLong()).as(latency).isEqualTo(2000);
            for (String p : new String[] {"p50", "p99", "p99_9", "max"}) {
                assertThat(l.get(p).asDouble()).as(latency + " " + p).isGreaterThanOrEqualTo(0);
            }
        }
        assertThat(report.get("produce_msgs_per_s").asDouble()).isPositive();
    }

    @Test
    void printsATextReportWithKeysSyncAcksTinyMessagesAndSeveralProducers() {
        assertThat(run("station", "create", "bench-text", "--partitions", "2")).isZero();

        assertThat(run("bench", "bench-text", "--count", "300", "--size", "4", "--producers", "2", "--consumers",
                "2", "--keys", "10", "--ack", "sync", "--rate", "1000")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("produced  300 msgs", "consumed  300 msgs", "produce ack", "end to end",
                "p99.9");
    }

    @Test
    void producesOnlyWithoutConsumers() {
        assertThat(run("station", "create", "bench-produce-only")).isZero();

        assertThat(run("bench", "bench-produce-only", "--duration", "1s", "--rate", "200", "--consumers", "0",
                "--json")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("\"consumed\":0");
        assertThat(err.toString()).contains("1s  produced");
        assertThat(run("station", "info", "bench-produce-only", "--json")).isZero();
        assertThat(out.toString()).doesNotContain("\"messages\":0");
    }

    @Test
    void reportsAnUnknownStationInOneLineWithItsCode() {
        assertThat(run("bench", "no-such-station", "--count", "10")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void rejectsBadOptionsAsUsageErrors() {
        assertThat(run("bench", "x", "--size", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--size");
        assertThat(run("bench", "x", "--ack", "maybe")).isEqualTo(2);
        assertThat(err.toString()).contains("--ack");
        assertThat(run("bench", "x", "--producers", "0")).isEqualTo(2);
        assertThat(run("bench", "x", "--duration", "forever")).isEqualTo(2);
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
