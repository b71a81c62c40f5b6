package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.CreateUserRequest;
import io.junction.api.v1.Identity;
import io.junction.api.v1.WhoAmIRequest;
import io.junction.testing.TestCertificates;

/**
 * TLS on both ports and mutual TLS, end to end with certificates made by the test: a client that trusts the
 * broker's CA talks to it; a plaintext client, or one that trusts another CA, does not; with a client CA, a
 * client certificate is required and its CN names the user the call acts as.
 */
class TlsTest {

    @TempDir
    Path dir;

    private ServerConfig.Builder config() {
        return ServerConfig.builder().dataDir(dir.resolve("data")).host("127.0.0.1").port(0).httpPort(0);
    }

    private static ManagedChannel channel(JunctionServer server, ChannelCredentials credentials) {
        return Grpc.newChannelBuilderForAddress("localhost", server.grpcPort(), credentials).build();
    }

    private static Identity whoAmI(ManagedChannel channel) {
        return AccessGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance());
    }

    private static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void bothPortsSpeakTlsAndAPlaintextOrUntrustingClientIsRefused() throws Exception {
        TestCertificates ca = TestCertificates.authority("junction-test");
        TestCertificates.Issued cert = ca.server(dir, "server");
        Path trusted = ca.caFile(dir);
        Path other = TestCertificates.authority("someone-else").caFile(dir);

        try (JunctionServer server = JunctionServer.start(config().tls(cert.certificate(), cert.privateKey())
                .build())) {
            ManagedChannel tls = channel(server, TlsChannelCredentials.newBuilder().trustManager(trusted.toFile())
                    .build());
            ManagedChannel plain = channel(server, InsecureChannelCredentials.create());
            ManagedChannel untrusting = channel(server, TlsChannelCredentials.newBuilder()
                    .trustManager(other.toFile()).build());
            try {
                assertThat(whoAmI(tls).getVia()).isEqualTo("loopback");
                assertThatThrownBy(() -> whoAmI(plain)).isInstanceOf(StatusRuntimeException.class);
                assertThatThrownBy(() -> whoAmI(untrusting)).isInstanceOf(StatusRuntimeException.class)
                        .hasMessageContaining("UNAVAILABLE");
            } finally {
                close(tls);
                close(plain);
                close(untrusting);
            }

            HttpClient https = HttpClient.newBuilder().sslContext(trusting(trusted)).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + server.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://localhost:" + server.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
    }

    @Test
    void withAClientCaACertificateIsRequiredAndItsCommonNameIsTheUser() throws Exception {
        TestCertificates ca = TestCertificates.authority("junction-test");
        TestCertificates.Issued cert = ca.server(dir, "server");
        Path trusted = ca.caFile(dir);
        TestCertificates.Issued root = ca.client(dir, "root", "root");
        TestCertificates.Issued alice = ca.client(dir, "alice", "alice@hr");
        TestCertificates.Issued nobody = ca.client(dir, "nobody", "nobody@hr");
        TestCertificates.Issued forged = TestCertificates.authority("someone-else").client(dir, "forged", "root");
        Path password = dir.resolve("root-password");
        Files.writeString(password, "root password for tls\n");

        try (JunctionServer server = JunctionServer.start(config().tls(cert.certificate(), cert.privateKey())
                .tlsClientCa(trusted).auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(password).build())) {
            ManagedChannel asRoot = channel(server, mtls(trusted, root));
            ManagedChannel asAlice = channel(server, mtls(trusted, alice));
            ManagedChannel asNobody = channel(server, mtls(trusted, nobody));
            ManagedChannel withForged = channel(server, mtls(trusted, forged));
            ManagedChannel withoutCertificate = channel(server, TlsChannelCredentials.newBuilder()
                    .trustManager(trusted.toFile()).build());
            try {
                Identity me = whoAmI(asRoot);
                assertThat(me.getUser()).isEqualTo("root");
                assertThat(me.getVia()).isEqualTo("certificate");
                var admin = AccessGrpc.newBlockingStub(asRoot);
                admin.createTenant(CreateTenantRequest.newBuilder().setName("hr").build());
                admin.createUser(CreateUserRequest.newBuilder().setTenant("hr").setName("alice").setRole("viewer")
                        .build());

                Identity a = whoAmI(asAlice);
                assertThat(a.getTenant()).isEqualTo("hr");
                assertThat(a.getUser()).isEqualTo("alice");
                assertThat(a.getRole()).isEqualTo("viewer");

                assertThatThrownBy(() -> whoAmI(asNobody)).isInstanceOf(StatusRuntimeException.class)
                        .hasMessageContaining("UNAUTHENTICATED");
                assertThatThrownBy(() -> whoAmI(withForged)).isInstanceOf(StatusRuntimeException.class)
                        .hasMessageContaining("UNAVAILABLE");
                assertThatThrownBy(() -> whoAmI(withoutCertificate)).isInstanceOf(StatusRuntimeException.class)
                        .hasMessageContaining("UNAVAILABLE");
            } finally {
                for (ManagedChannel c : new ManagedChannel[] {asRoot, asAlice, asNobody, withForged,
                    withoutCertificate}) {
                    close(c);
                }
            }
        }
    }

    @Test
    void badTlsSettingsAreRefusedAtStartNamingTheSetting() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
        assertThatThrownBy(() -> JunctionServer.start(config().tls(garbage, garbage).build()))
                .isInstanceOf(StartupException.class).hasMessageContaining("tls-cert");
        assertThatThrownBy(() -> config().tls(garbage, null).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls-key");
        assertThatThrownBy(() -> config().tlsClientCa(garbage).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls-cert");
    }

    private static ChannelCredentials mtls(Path ca, TestCertificates.Issued client) throws IOException {
        return TlsChannelCredentials.newBuilder().trustManager(ca.toFile())
                .keyManager(client.certificate().toFile(), client.privateKey().toFile()).build();
    }

    private static SSLContext trusting(Path ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (var in = Files.newInputStream(ca)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
