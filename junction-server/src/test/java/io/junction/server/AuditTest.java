package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.AuditEntry;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.CreateUserRequest;
import io.junction.api.v1.DeleteStationRequest;
import io.junction.api.v1.ListAuditRequest;
import io.junction.api.v1.WhoAmIRequest;

/** The audit log: admin changes, failed logins and denials, per tenant, durable, and never a secret in it. */
class AuditTest {

    private static final String ALICE_PASSWORD = "alice's own password";
    private static final String WRONG_PASSWORD = "hunter2-not-alices";

    @TempDir
    Path dir;

    private JunctionServer start() {
        return JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0)
                .build());
    }

    private static List<AuditEntry> audit(ManagedChannel channel, String tenant) {
        return AccessGrpc.newBlockingStub(channel).listAudit(ListAuditRequest.newBuilder().setTenant(tenant).build())
                .getEntriesList();
    }

    @Test
    void recordsChangesAndRefusalsInTheTenantsLogDurablyAndWithoutSecrets() throws Exception {
        // Everything logged meanwhile, through logback (SLF4J) and java.util.logging (System.Logger): no secret.
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        root.addAppender(logged);
        List<String> julLines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler jul = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                julLines.add(new java.util.logging.SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("").addHandler(jul);
        try {
            scenario();
        } finally {
            root.detachAppender(logged);
            java.util.logging.Logger.getLogger("").removeHandler(jul);
        }
        List<String> lines = new java.util.ArrayList<>(julLines);
        logged.list.forEach(e -> lines.add(e.getFormattedMessage()));
        assertThat(lines).as("something was logged").isNotEmpty();
        String b64 = Base64.getEncoder().encodeToString(("alice@hr:" + ALICE_PASSWORD).getBytes(
                StandardCharsets.UTF_8));
        assertThat(lines).noneMatch(l -> l.contains(ALICE_PASSWORD) || l.contains(WRONG_PASSWORD)
                || l.contains(b64));
    }

    private void scenario() throws Exception {
        try (JunctionServer server = start()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                var admin = AdminGrpc.newBlockingStub(channel);
                var access = AccessGrpc.newBlockingStub(channel);
                access.createTenant(CreateTenantRequest.newBuilder().setName("hr").build());
                admin.createStation(CreateStationRequest.newBuilder().setTenant("hr").setName("people").build());
                access.createUser(CreateUserRequest.newBuilder().setTenant("hr").setName("alice").setRole("viewer")
                        .setPassword(ALICE_PASSWORD).build());
                assertThatThrownBy(() -> admin.createStation(CreateStationRequest.newBuilder().setTenant("hr")
                        .setName("people").build())).hasMessageContaining("ALREADY_EXISTS");

                Metadata wrong = new Metadata();
                wrong.put(Guard.AUTHORIZATION, "Basic " + Base64.getEncoder().encodeToString(("alice@hr:"
                        + WRONG_PASSWORD).getBytes(StandardCharsets.UTF_8)));
                assertThatThrownBy(() -> access.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
                        .whoAmI(WhoAmIRequest.getDefaultInstance())).hasMessageContaining("UNAUTHENTICATED");
                Metadata right = new Metadata();
                right.put(Guard.AUTHORIZATION, "Basic " + Base64.getEncoder().encodeToString(("alice@hr:"
                        + ALICE_PASSWORD).getBytes(StandardCharsets.UTF_8)));
                assertThatThrownBy(() -> admin.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(right))
                        .deleteStation(DeleteStationRequest.newBuilder().setName("people").build()))
                        .hasMessageContaining("PERMISSION_DENIED");

                List<String> hr = awaitLines(channel, "hr", 5);
                assertThat(hr).containsExactly(
                        "user root|loopback|CreateStation|station people|OK",
                        "user root|loopback|CreateUser|user alice|OK",
                        "user root|loopback|CreateStation|station people|STATION_EXISTS",
                        "user alice@hr||WhoAmI||UNAUTHENTICATED",
                        "user alice@hr|password|DeleteStation|station people|PERMISSION_DENIED");
                assertThat(audit(channel, "default")).extracting(e -> e.getAction() + " " + e.getTarget() + " "
                        + e.getResult()).containsExactly("CreateTenant tenant hr OK");
                assertThat(audit(channel, "hr")).allSatisfy(e -> {
                    assertThat(e.getAddress()).isEqualTo("127.0.0.1");
                    assertThat(e.getTimeMs()).isPositive();
                    assertThat(e.toString()).doesNotContain(ALICE_PASSWORD).doesNotContain(WRONG_PASSWORD);
                });
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(f.toString()).doesNotContain(ALICE_PASSWORD).doesNotContain(WRONG_PASSWORD);
            }
        }
        // kept across a restart
        try (JunctionServer server = start()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                assertThat(audit(channel, "hr")).hasSize(5);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The tenant's entries as "who|via|action|target|result", once there are {@code n} (refusals come behind). */
    private static List<String> awaitLines(ManagedChannel channel, String tenant, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<AuditEntry> entries = audit(channel, tenant);
            if (entries.size() >= n || System.nanoTime() > deadline) {
                return entries.stream().map(e -> e.getWho() + "|" + e.getVia() + "|" + e.getAction() + "|"
                        + e.getTarget() + "|" + e.getResult()).toList();
            }
            Thread.sleep(5);
        }
    }
}
