package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import io.junction.errors.ErrorCode;
import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;
import io.junction.testing.TestCertificates;

/**
 * The CLI and the Java client over TLS and mutual TLS, against a server in this JVM that requires client
 * certificates and authentication ({@code --tls-cert --tls-key --tls-client-ca --auth required}).
 */
class TlsCommandsTest {

    @TempDir
    static Path dir;
    private static JunctionServer server;
    private static Path ca;
    private static TestCertificates.Issued root;
    private static TestCertificates.Issued alice;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @BeforeAll
    static void start() throws Exception {
        TestCertificates authority = TestCertificates.authority("junction-cli-test");
        TestCertificates.Issued cert = authority.server(dir, "server");
        ca = authority.caFile(dir);
        root = authority.client(dir, "root", "root");
        alice = authority.client(dir, "alice", "alice@hr");
        Path password = Files.writeString(dir.resolve("root-password"), "tls root password\n");
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data")).host("127.0.0.1").port(0)
                .httpPort(0).auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(password)
                .tls(cert.certificate(), cert.privateKey()).tlsClientCa(ca).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void restore() {
        ServerOption.env = System.getenv();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        final picocli.CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(Stream.concat(Stream.of(args), Stream.of("--server", "localhost:" + server.grpcPort()))
                .toArray(String[]::new));
    }

    @Test
    void theCliTalksTlsWithItsClientCertificateNamingTheUser() {
        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, dir.resolve("config").toString());
        String[] asRoot = {"--tls-ca", ca.toString(), "--tls-cert", root.certificate().toString(), "--tls-key",
            root.privateKey().toString()};

        assertThat(run(concat(new String[] {"whoami"}, asRoot))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("user:      root", "via:       certificate");
        assertThat(run(concat(new String[] {"tenant", "create", "hr"}, asRoot))).as(err.toString()).isZero();
        assertThat(run(concat(new String[] {"user", "create", "alice", "--tenant", "hr", "--role", "viewer"},
                asRoot))).as(err.toString()).isZero();

        // the same through the environment, as alice
        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, dir.resolve("config").toString(),
                ServerOption.TLS_CA_ENV, ca.toString(), ServerOption.TLS_CERT_ENV, alice.certificate().toString(),
                ServerOption.TLS_KEY_ENV, alice.privateKey().toString());
        assertThat(run("whoami", "--json")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("\"tenant\":\"hr\"", "\"user\":\"alice\"", "\"role\":\"viewer\"");
        assertThat(run("station", "create", "people")).isEqualTo(1);
        assertThat(err.toString()).startsWith("PERMISSION_DENIED: ");

        // without TLS, or without a client certificate, the broker cannot be reached at all
        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, dir.resolve("config").toString());
        assertThat(run("whoami")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAVAILABLE: ");
        assertThat(run("whoami", "--tls-ca", ca.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAVAILABLE: ");
        assertThat(run("whoami", "--tls-cert", root.certificate().toString())).isEqualTo(2);
    }

    @Test
    void theJavaClientTalksTlsWithACertificateOrAToken() throws Exception {
        try (JunctionClient client = JunctionClient.builder().server("localhost:" + server.grpcPort()).tls(ca)
                .tlsClientCertificate(root.certificate(), root.privateKey()).build()) {
            assertThat(client.whoAmI().via()).isEqualTo("certificate");
            String secret = client.createToken("ci", "producer", java.util.List.of(), java.util.List.of(), null)
                    .secret();
            // a token sent over the TLS connection goes before the certificate's user
            try (JunctionClient app = JunctionClient.builder().server("localhost:" + server.grpcPort()).tls(ca)
                    .tlsClientCertificate(root.certificate(), root.privateKey()).token(secret).build()) {
                assertThat(app.whoAmI().via()).isEqualTo("token:ci");
                assertThat(app.whoAmI().role()).isEqualTo("producer");
            }
        }
        try (JunctionClient plain = JunctionClient.builder().server("localhost:" + server.grpcPort()).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(plain::whoAmI).isInstanceOfSatisfying(
                    JunctionException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        }
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
