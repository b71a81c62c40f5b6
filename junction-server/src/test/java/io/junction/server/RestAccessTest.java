package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The REST gateway with {@code --auth required}: the same credentials, permissions, tenant scoping and audit as
 * gRPC, and a fetched message leased to the credentials that fetched it.
 */
class RestAccessTest {

    @TempDir
    static Path dir;
    static JunctionServer server;
    static RestClient anonymous;
    static RestClient root;
    static String producerToken;
    static String viewerToken;
    static String consumerA;
    static String consumerB;

    @BeforeAll
    static void start() throws Exception {
        Path password = Files.writeString(dir.resolve("root-password"), "rest access root password\n");
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data")).host("127.0.0.1").port(0)
                .httpPort(0).auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(password).build());
        anonymous = new RestClient(server.httpPort(), null);
        root = anonymous.as("Basic " + Base64.getEncoder().encodeToString("root:rest access root password"
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(root.post("/api/v1/tenants", Map.of("name", "acme")).status()).isEqualTo(201);
        assertThat(root.post("/api/v1/stations?tenant=acme", Map.of("name", "orders", "partitions", 1)).status())
                .isEqualTo(201);
        producerToken = token("producer", "p");
        viewerToken = token("viewer", "v");
        consumerA = token("consumer", "ca");
        consumerB = token("consumer", "cb");
    }

    private static String token(String role, String name) {
        RestClient.Answer created = root.post("/api/v1/tokens?tenant=acme", Map.of("name", name, "role", role));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return "Bearer " + created.json().path("secret").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void noOrBadCredentialsAreUnauthenticatedWithAChallenge() {
        for (RestClient client : List.of(anonymous, anonymous.as("Bearer jn_00000000000000000000_" + "A".repeat(43)),
                anonymous.as("Basic " + Base64.getEncoder().encodeToString("root:wrong".getBytes(
                        StandardCharsets.UTF_8))), anonymous.as("Digest x"))) {
            RestClient.Answer answer = client.get("/api/v1/stations?tenant=acme");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
            assertThat(answer.code()).isEqualTo("UNAUTHENTICATED");
            assertThat(answer.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"junction\"");
        }
    }

    @Test
    void aTokenActsInItsOwnTenantWithItsRolesPermissions() {
        RestClient producer = anonymous.as(producerToken);
        RestClient viewer = anonymous.as(viewerToken);
        assertThat(producer.get("/api/v1/whoami").json().path("tenant").asText()).isEqualTo("acme");
        // no tenant named: the caller's own
        assertThat(producer.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(Map.of("value",
                "from a producer"))))
                .status()).isEqualTo(201);
        assertThat(viewer.get("/api/v1/stations").json().path("stations").findValuesAsText("name"))
                .containsExactly("orders");

        RestClient.Answer denied = viewer.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(
                Map.of("value", "from a viewer"))));
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("PERMISSION_DENIED");
        RestClient.Answer notCreated = producer.post("/api/v1/stations", Map.of("name", "mine"));
        assertThat(notCreated.status()).isEqualTo(403);

        RestClient.Answer elsewhere = producer.get("/api/v1/stations?tenant=default");
        assertThat(elsewhere.status()).isEqualTo(404);
        assertThat(elsewhere.code()).isEqualTo("UNKNOWN_TENANT");

        // The refusals are in acme's audit log, as for gRPC.
        JsonNode audit = root.get("/api/v1/audit?tenant=acme").json().path("entries");
        assertThat(audit.findValuesAsText("action")).contains("Produce", "CreateStation");
        assertThat(audit.findValuesAsText("result")).contains("PERMISSION_DENIED");
    }

    @Test
    void aFetchedMessageIsLeasedToTheCredentialsThatFetchedIt() {
        RestClient a = anonymous.as(consumerA);
        RestClient b = anonymous.as(consumerB);
        root.post("/api/v1/stations?tenant=acme", Map.of("name", "leases", "partitions", 1));
        root.post("/api/v1/stations/leases/messages?tenant=acme", Map.of("messages", List.of(Map.of("key", "k",
                "value", "only one"))));

        JsonNode got = a.post("/api/v1/stations/leases/groups/g/fetch", Map.of("max", 10)).json().path("messages");
        assertThat(got).hasSize(1);
        String id = got.get(0).path("delivery_id").asText();
        assertThat(b.post("/api/v1/stations/leases/groups/g/fetch", Map.of("max", 10)).json().path("messages"))
                .isEmpty();

        RestClient.Answer notHis = b.post("/api/v1/stations/leases/groups/g/ack", Map.of("delivery_ids",
                List.of(id)));
        assertThat(notHis.json().path("settled").asInt()).isZero();
        assertThat(notHis.json().path("stale").get(0).asText()).isEqualTo(id);
        assertThat(root.get("/api/v1/stations/leases/groups/g?tenant=acme").json().path("in_flight").asLong())
                .isEqualTo(1);

        RestClient.Answer mine = a.post("/api/v1/stations/leases/groups/g/ack", Map.of("delivery_ids", List.of(id)));
        assertThat(mine.json().path("settled").asInt()).isEqualTo(1);
        assertThat(root.get("/api/v1/stations/leases/groups/g?tenant=acme").json().path("lag").asLong()).isZero();
    }

    @Test
    void aViewerSeesDeadLettersWithoutTheirValues() {
        RestClient consumer = anonymous.as(consumerA);
        root.post("/api/v1/stations?tenant=acme", Map.of("name", "payroll", "partitions", 1));
        root.post("/api/v1/stations/payroll/messages?tenant=acme", Map.of("messages", List.of(Map.of("key",
                "employee-1", "value", "salary 100"))));
        JsonNode got = consumer.post("/api/v1/stations/payroll/groups/g/fetch", Map.of("max", 1)).json()
                .path("messages");
        consumer.post("/api/v1/stations/payroll/groups/g/dead-letter", Map.of("delivery_ids", List.of(
                got.get(0).path("delivery_id").asText()), "reason", "bad"));

        JsonNode asRoot = root.get("/api/v1/stations/payroll/dead-letters?tenant=acme").json().path("dead_letters");
        assertThat(asRoot.get(0).path("value").asText()).isEqualTo("salary 100");
        JsonNode asViewer = anonymous.as(viewerToken).get("/api/v1/stations/payroll/dead-letters").json()
                .path("dead_letters");
        assertThat(asViewer).hasSize(1);
        assertThat(asViewer.get(0).path("value").asText()).isEmpty();
        assertThat(asViewer.get(0).path("key").isNull()).isTrue();
        assertThat(asViewer.get(0).path("reason").asText()).isEqualTo("consumer");
    }

    @Test
    void loginGivesASessionTokenThatWorksAsBearer() {
        RestClient.Answer login = root.post("/api/v1/login", null);
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        String session = login.json().path("token").asText();
        assertThat(session).startsWith("jn_");
        assertThat(anonymous.as("Bearer " + session).get("/api/v1/whoami").json().path("user").asText())
                .isEqualTo("root");
        assertThat(anonymous.as("Bearer " + session).post("/api/v1/logout", null).status()).isEqualTo(200);
        assertThat(anonymous.as("Bearer " + session).get("/api/v1/whoami").status()).isEqualTo(401);
    }
}
