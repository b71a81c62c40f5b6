package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The security options without a broker: the server's, the credentials file, and what help shows. */
class SecurityOptionsTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreEnvironment() {
        ServerOption.env = System.getenv();
    }

    @Test
    void showsTheServersAuthOptionsWithTheirDefaults() {
        assertThat(run("server", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--auth=MODE", "(default: loopback)",
                "--root-password-file=FILE", "--session-ttl=DUR", "(default: 12h;");
    }

    @Test
    void refusesAnUnknownAuthMode() {
        assertThat(run("server", "--auth", "sometimes")).isEqualTo(2);
        assertThat(err.toString()).contains("'sometimes' is not an auth mode: use loopback or required");
    }

    @Test
    void listsTheSecurityCommandsInHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).containsPattern("(?m)^\\s+login\\s").containsPattern("(?m)^\\s+logout\\s")
                .containsPattern("(?m)^\\s+whoami\\s").containsPattern("(?m)^\\s+tenant\\s")
                .containsPattern("(?m)^\\s+user\\s").containsPattern("(?m)^\\s+token\\s");
    }

    @Test
    void helpNamesTheTokenOptionsButNeverShowsTheTokenFromTheEnvironment() {
        ServerOption.env = Map.of(ServerOption.TOKEN_ENV, "jn_secret_from_env");

        assertThat(run("station", "list", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--tenant=T", "--token=TOKEN", "JUNCTION_TOKEN")
                .doesNotContain("jn_secret_from_env");
    }

    @Test
    void requiresANameAndAPositiveLifetimeForATokenAndARoleForAUser() {
        assertThat(run("token", "create")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--name=N'");
        assertThat(run("token", "create", "--name", "ci", "--expires", "0s", "--server", "localhost:1")).isEqualTo(2);
        assertThat(err.toString()).contains("--expires must be more than 0");
        assertThat(run("user", "create", "alice")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--role=ROLE'");
    }

    @Test
    void refusesAnEmptyPasswordOnStandardInput() {
        PasswordInput.stdin = new java.io.ByteArrayInputStream(new byte[0]);
        try {
            assertThat(run("login", "--password-stdin", "--server", "localhost:1")).isEqualTo(1);
        } finally {
            PasswordInput.stdin = System.in;
        }
        assertThat(err.toString()).startsWith("junction: no password on standard input");
    }

    @Test
    void findsTheCredentialsFileUnderXdgConfigHomeElseTheHomeDirectory() {
        assertThat(Credentials.location(Map.of("XDG_CONFIG_HOME", "/etc/xdg-me"), "/home/u"))
                .isEqualTo(Path.of("/etc/xdg-me/junction/credentials"));
        assertThat(Credentials.location(Map.of(), "/home/u"))
                .isEqualTo(Path.of("/home/u/.config/junction/credentials"));
        assertThat(Credentials.location(Map.of("XDG_CONFIG_HOME", "relative"), "/home/u"))
                .as("the XDG spec ignores a relative path").isEqualTo(Path.of("/home/u/.config/junction/credentials"));
    }

    @Test
    void storesSessionsPerServerOwnerOnlyAndKeepsWhatItDoesNotKnow() throws IOException {
        final Path file = tmp.resolve("config/junction/credentials");
        final Credentials credentials = new Credentials(file);
        assertThat(credentials.session("a:1")).isEmpty();
        assertThat(credentials.remove("a:1")).isFalse();

        credentials.store("a:1", new Credentials.Session("jn_a", "alice", "hr", 42));
        credentials.store("b:2", new Credentials.Session("jn_b", "root", "default", 0));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(credentials.session("a:1")).contains(new Credentials.Session("jn_a", "alice", "hr", 42));
        assertThat(credentials.session("a:1").orElseThrow().toString()).doesNotContain("jn_a");

        Files.writeString(file, Files.readString(file).replaceFirst("\\{", "{\"later\":{\"x\":1},"));
        assertThat(credentials.remove("a:1")).isTrue();
        assertThat(credentials.session("a:1")).isEmpty();
        assertThat(credentials.session("b:2")).map(Credentials.Session::token).contains("jn_b");
        assertThat(Files.readString(file)).contains("\"later\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void reportsABrokenCredentialsFileWithoutQuotingIt() throws IOException {
        final Path file = Files.createDirectories(tmp.resolve("junction")).resolve("credentials");
        Files.writeString(file, "{\"servers\":{\"a:1\":{\"token\":\"jn_leak");

        assertThatThrownBy(() -> new Credentials(file).session("a:1")).hasMessageContaining("is not a JSON object")
                .hasMessageNotContaining("jn_leak");
    }

    private int run(String... args) {
        final CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
