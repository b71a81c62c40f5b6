package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Command-line validation of the client commands: every bad value is a usage error (exit 2) naming the option. */
class ClientCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void listsTheClientCommandsInHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).containsPattern("(?m)^\\s+station\\s").containsPattern("(?m)^\\s+produce\\s")
                .containsPattern("(?m)^\\s+consume\\s").containsPattern("(?m)^\\s+group\\s");
    }

    @Test
    void showsTheDefaultServerAndConsumeTimeoutInHelp() {
        assertThat(run("consume", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--server=HOST:PORT", "JUNCTION_SERVER",
                "--timeout=DUR", "(default: 5s)", "--from=POSITION", "(default: earliest)");
    }

    @Test
    void rejectsABadDurationAsAUsageError() {
        assertThat(run("station", "create", "orders", "--retention-age", "7 days")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--retention-age'", "is not a duration");
    }

    @Test
    void rejectsABadSizeAsAUsageError() {
        assertThat(run("station", "create", "orders", "--retention-bytes", "10 parsecs")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--retention-bytes'", "is not a size");
    }

    @Test
    void rejectsZeroPartitionsAsAUsageError() {
        assertThat(run("station", "create", "orders", "--partitions", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--partitions must be at least 1, not 0");
    }

    @Test
    void rejectsAZeroAckTimeoutAsAUsageError() {
        assertThat(run("station", "create", "orders", "--ack-timeout", "0s")).isEqualTo(2);
        assertThat(err.toString()).contains("--ack-timeout must be more than 0");
    }

    @Test
    void rejectsABadStartPositionAsAUsageError() {
        assertThat(run("consume", "orders", "--group", "g", "--from", "yesterday")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--from'", "is not a start position");
    }

    @Test
    void rejectsALocalRetentionThatIsNeitherADurationNorASize() {
        for (String bad : new String[] {"2 days", "100", "10 parsecs", "-1d"}) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            assertThat(run("station", "create", "orders", "--tiering", "on", "--local-retention", bad))
                    .as(bad).isEqualTo(2);
            assertThat(err.toString()).contains("Invalid value for option '--local-retention'",
                    "is neither a duration", "nor a size");
        }
    }

    @Test
    void rejectsALocalRetentionBelowASecondAndATieringOtherThanOnOrOff() {
        assertThat(run("station", "update", "orders", "--local-retention", "500ms")).isEqualTo(2);
        assertThat(err.toString()).contains("--local-retention must be at least 1s");
        assertThat(run("station", "create", "orders", "--tiering", "yes")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--tiering': 'yes' is neither on nor off");
    }

    @Test
    void rejectsAnUnknownHistory() {
        assertThat(run("consume", "orders", "--group", "g", "--history", "all")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--history'",
                "'all' is not a history: use compacted or full");
    }

    @Test
    void rejectsABadS3EndpointAndUploadRateOfTheServer() {
        assertThat(run("server", "--s3-bucket", "b-1", "--s3-endpoint", "not a url")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--s3-endpoint'", "is not a URL");
        assertThat(run("server", "--s3-bucket", "b-1", "--s3-upload-rate", "fast")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--s3-upload-rate'", "is not a size");
    }

    @Test
    void requiresAGroupToConsume() {
        assertThat(run("consume", "orders")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--group=G'");
    }

    @Test
    void rejectsACountBelowOne() {
        assertThat(run("consume", "orders", "--group", "g", "--count", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--count must be at least 1, not 0");
    }

    @Test
    void rejectsAKeySeparatorWithAValue() {
        assertThat(run("produce", "orders", "--key-separator", ":", "hello")).isEqualTo(2);
        assertThat(err.toString()).contains("--key-separator splits lines of standard input");
    }

    @Test
    void rejectsAHeaderWithoutEqualsSign() {
        assertThat(run("produce", "orders", "--header", "novalue", "hello")).isEqualTo(2);
        assertThat(err.toString()).contains("--header");
    }

    @Test
    void requiresAStationCommand() {
        assertThat(run("station")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing a station command");
    }

    @Test
    void reportsAnUnreachableBrokerInOneLineStartingWithItsCode() {
        assertThat(run("station", "list", "--server", "localhost:1")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAVAILABLE: cannot reach the broker at localhost:1");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    private int run(String... args) {
        final CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
