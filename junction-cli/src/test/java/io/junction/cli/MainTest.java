package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldListTheServerCommandInHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: junction").containsPattern("(?m)^\\s+server\\s+Run a Junction");
    }

    @Test
    void shouldShowTheServerOptionsWithTheirDefaults() {
        assertThat(run("server", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--data=DIR", "(default: ./data)", "--port=N",
                "(default: 6666)", "--http-port=N", "(default: 9000)", "--durability=MODE", "(default: fsync)",
                "--flush-interval=DUR", "(default: 1s)");
    }

    @Test
    void shouldRefuseAnUnknownDurability() {
        assertThat(run("server", "--durability", "sometimes")).isEqualTo(2);
        assertThat(err.toString()).contains("'sometimes' is not a durability: use fsync or interval");
    }

    @Test
    void shouldPrintTheVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString().strip()).matches("junction \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void shouldTreatANonNumericPortAsAUsageError() {
        assertThat(run("server", "--port", "abc")).isEqualTo(CommandLine.ExitCode.USAGE).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--port': 'abc' is not an int");
    }

    @Test
    void shouldTreatAMissingCommandAsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing a command");
    }

    @Test
    void shouldReportAStartupErrorInOneLineAndExitWithOne(@TempDir Path tmp) throws IOException {
        final Path file = Files.writeString(tmp.resolve("data"), "not a directory");

        assertThat(run("server", "--data", file.toString(), "--port", "0", "--http-port", "0")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("junction: data directory " + file + " is a file, not a directory"
                + System.lineSeparator());
    }

    @Test
    void shouldReportAnInvalidPortNamingTheOption() {
        assertThat(run("server", "--port", "70000")).isEqualTo(1);
        assertThat(err.toString()).startsWith("junction: port must be in [0, 65535]");
    }

    @Test
    void shouldPrintTheStackTraceWhenVerbose(@TempDir Path tmp) throws IOException {
        final Path file = Files.writeString(tmp.resolve("data"), "not a directory");

        assertThat(run("server", "--verbose", "--data", file.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("junction: data directory").contains("\tat io.junction.server.");
    }

    private int run(String... args) {
        final CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
