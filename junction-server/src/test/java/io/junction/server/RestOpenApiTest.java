package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * The OpenAPI document at {@code /api/v1/openapi.json} against the gateway's real answers: a session that calls
 * every route once (and some errors) checks each answer against the schema the document gives for it — its
 * success schema, or {@code Error} — and that the document names exactly the routes there are.
 */
class RestOpenApiTest {

    @TempDir
    Path dir;

    private JsonNode document;
    private final Set<String> exercised = new LinkedHashSet<>();
    private final List<String> violations = new ArrayList<>();
    private SchemaRegistry registry;

    @Test
    void everyRouteAnswersAsTheDocumentSays() {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            RestClient rest = new RestClient(server.httpPort(), null);
            RestClient.Answer doc = rest.get("/api/v1/openapi.json");
            assertThat(doc.status()).isEqualTo(200);
            document = doc.json();
            assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
            registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
            schemasAreValidJsonSchemas();

            check(rest, "GET", "/api/v1/stations", null);
            check(rest, "POST", "/api/v1/stations", Map.of("name", "orders", "partitions", 2));
            check(rest, "POST", "/api/v1/stations", Map.of("name", "orders")); // STATION_EXISTS
            check(rest, "GET", "/api/v1/stations/orders", null);
            check(rest, "GET", "/api/v1/stations/nope", null); // UNKNOWN_STATION
            check(rest, "PATCH", "/api/v1/stations/orders", Map.of("ack_timeout_ms", 30_000));
            check(rest, "POST", "/api/v1/stations/orders/clean", null);
            check(rest, "GET", "/api/v1/stations/orders/tier-status", null); // no tiering: no partitions
            check(rest, "PATCH", "/api/v1/stations/orders", Map.of("tiering", true)); // no object store: INVALID_CONFIG
            check(rest, "POST", "/api/v1/stations/orders/messages", Map.of("messages", List.of(
                    Map.of("key", "k", "value", "one", "headers", Map.of("h", "1")),
                    Map.of("key_base64", "AAE=", "value_base64", "//79"), Map.of("value", "three"),
                    Map.of("key", "k4", "value", "four"))));
            check(rest, "POST", "/api/v1/stations/orders/messages", Map.of("messages", List.of(Map.of("vaule", 1))));
            check(rest, "GET", "/api/v1/stations/orders/groups", null);
            check(rest, "POST", "/api/v1/stations/orders/groups", Map.of("name", "g2", "start", Map.of("earliest",
                    true), "history", "compacted"));
            check(rest, "POST", "/api/v1/stations/orders/groups", Map.of("name", "g3", "history", "full"));
            check(rest, "GET", "/api/v1/stations/orders/groups/g2", null);
            JsonNode fetched = check(rest, "POST", "/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10,
                    "wait_ms", 2000));
            List<String> ids = fetched.path("messages").findValuesAsText("delivery_id");
            assertThat(ids).hasSizeGreaterThanOrEqualTo(3);
            check(rest, "POST", "/api/v1/stations/orders/groups/g/in-progress", Map.of("delivery_ids", ids));
            check(rest, "POST", "/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids", List.of(ids.get(0))));
            check(rest, "POST", "/api/v1/stations/orders/groups/g/nack", Map.of("delivery_ids", List.of(ids.get(1)),
                    "delay_ms", 60_000, "error", "later"));
            check(rest, "POST", "/api/v1/stations/orders/groups/g/dead-letter", Map.of("delivery_ids",
                    List.of(ids.get(2)), "reason", "bad"));
            JsonNode letters = check(rest, "GET", "/api/v1/stations/orders/dead-letters?group=g", null);
            long id = letters.path("dead_letters").get(0).path("id").asLong();
            check(rest, "POST", "/api/v1/stations/orders/dead-letters/resend", Map.of("ids", List.of(id)));
            check(rest, "POST", "/api/v1/stations/orders/dead-letters/drop", Map.of("all", true));
            check(rest, "GET", "/api/v1/stations/orders/messages?partition=0&from=earliest&limit=10", null);
            check(rest, "GET", "/api/v1/stations/orders/messages?from=yesterday", null); // INVALID_ARGUMENT
            check(rest, "POST", "/api/v1/stations/orders/groups/g2/reset", Map.of("position", Map.of("latest",
                    true)));
            check(rest, "DELETE", "/api/v1/stations/orders/groups/g2", null);

            check(rest, "GET", "/api/v1/schemas", null);
            check(rest, "POST", "/api/v1/schemas", Map.of("name", "s", "type", "json", "definition",
                    "{\"type\":\"object\"}"));
            check(rest, "GET", "/api/v1/schemas/s", null);
            check(rest, "POST", "/api/v1/schemas/s/versions", Map.of("definition",
                    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"));
            check(rest, "PUT", "/api/v1/stations/orders/schema", Map.of("schema", "s", "version", 2));
            check(rest, "DELETE", "/api/v1/stations/orders/schema", null);
            check(rest, "DELETE", "/api/v1/schemas/s", null);

            check(rest, "GET", "/api/v1/connectors", null);
            check(rest, "POST", "/api/v1/connectors", Map.of("name", "out", "type", "http-sink", "station", "orders",
                    "options", Map.of("group", "sink", "url", "http://127.0.0.1:9/nowhere", "timeout", "2s"),
                    "secrets", Map.of("hmac-key", "not shown")));
            check(rest, "POST", "/api/v1/connectors", Map.of("name", "bad", "type", "nope", "station", "orders"));
            check(rest, "GET", "/api/v1/connectors/out", null);
            check(rest, "GET", "/api/v1/connectors/nope", null); // UNKNOWN_CONNECTOR
            check(rest, "POST", "/api/v1/connectors/out/pause", null);
            check(rest, "POST", "/api/v1/connectors/out/resume", null);
            check(rest, "DELETE", "/api/v1/connectors/out", null);

            check(rest, "GET", "/api/v1/whoami", null);
            check(rest, "GET", "/api/v1/tenants", null);
            check(rest, "POST", "/api/v1/tenants", Map.of("name", "acme"));
            check(rest, "GET", "/api/v1/tenants/acme", null);
            check(rest, "PATCH", "/api/v1/tenants/acme", Map.of("max_stations", 5));
            check(rest, "GET", "/api/v1/users", null);
            check(rest, "POST", "/api/v1/users", Map.of("name", "alice", "role", "admin", "password",
                    "alice's long password"));
            check(rest, "GET", "/api/v1/users/alice", null);
            check(rest, "POST", "/api/v1/users/alice/password", Map.of("password", "alice's new password"));
            RestClient alice = rest.as("Basic " + Base64.getEncoder().encodeToString(
                    "alice:alice's new password".getBytes(StandardCharsets.UTF_8)));
            JsonNode login = check(alice, "POST", "/api/v1/login", null);
            check(rest.as("Bearer " + login.path("token").asText()), "POST", "/api/v1/logout", null);
            check(rest, "GET", "/api/v1/tokens", null);
            check(rest, "POST", "/api/v1/tokens", Map.of("name", "ci", "role", "producer"));
            check(rest, "DELETE", "/api/v1/tokens/ci", null);
            check(rest, "DELETE", "/api/v1/users/alice", null);
            check(rest, "GET", "/api/v1/audit?limit=50", null);
            check(rest, "DELETE", "/api/v1/tenants/acme", null);
            check(rest, "DELETE", "/api/v1/stations/orders", null);
        }
        assertThat(violations).as("answers that do not fit the document").isEmpty();

        Set<String> documented = new LinkedHashSet<>();
        document.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> documented.add(
                m.getKey().toUpperCase(java.util.Locale.ROOT) + " " + p.getKey())));
        assertThat(exercised).as("every documented route was called").containsExactlyInAnyOrderElementsOf(
                documented);
    }

    private void schemasAreValidJsonSchemas() {
        Schema meta = registry.getSchema(com.networknt.schema.SchemaLocation.of(
                SpecificationVersion.DRAFT_2020_12.getDialectId()));
        document.path("components").path("schemas").properties().forEach(e -> assertThat(meta.validate(
                e.getValue())).as(e.getKey()).isEmpty());
    }

    /** Sends the request, finds its route in the document, and checks the answer against the schema given. */
    private JsonNode check(RestClient client, String method, String path, Object body) {
        RestClient.Answer answer = client.send(method, path, body, "application/json");
        String route = route(method, path.replaceAll("\\?.*", ""));
        JsonNode operation = document.path("paths").path(route).path(method.toLowerCase(java.util.Locale.ROOT));
        JsonNode response = operation.path("responses").path(Integer.toString(answer.status()));
        boolean success = answer.status() / 100 == 2;
        if (success && response.isMissingNode()) {
            violations.add(method + " " + path + " answered " + answer.status() + ", not documented");
            return answer.json();
        }
        exercised.add(method + " " + route);
        JsonNode schemaRef = (success ? response : operation.path("responses").path("default")).path("content")
                .path("application/json").path("schema");
        ObjectNode schema = ProtoJson.MAPPER.createObjectNode();
        schema.put("$schema", SpecificationVersion.DRAFT_2020_12.getDialectId());
        schema.set("$ref", schemaRef.path("$ref"));
        schema.set("components", document.path("components"));
        var errors = registry.getSchema(schema).validate(answer.json());
        if (!errors.isEmpty()) {
            violations.add(method + " " + path + " (" + answer.status() + "): " + errors + " in " + answer.text());
        }
        return answer.json();
    }

    private String route(String method, String path) {
        String relative = path.substring(RestGateway.PREFIX.length());
        for (var p : document.path("paths").properties()) {
            String regex = p.getKey().replaceAll("\\{[^}]+}", "[^/]+");
            if (Pattern.matches(regex, relative) && p.getValue().has(method.toLowerCase(java.util.Locale.ROOT))) {
                return p.getKey();
            }
        }
        throw new AssertionError("no documented route for " + method + " " + path);
    }
}
