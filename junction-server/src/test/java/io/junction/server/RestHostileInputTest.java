package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input to the REST gateway: each case gets a 4xx with its code and a message, stores nothing, and the server
 * goes on serving. The station {@code orders} holds exactly one message throughout; each case checks that.
 */
class RestHostileInputTest {

    @TempDir
    static Path dir;
    static JunctionServer server;
    static RestClient rest;

    @BeforeAll
    static void start() {
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0)
                .build());
        rest = new RestClient(server.httpPort(), null);
        assertThat(rest.post("/api/v1/stations", Map.of("name", "orders", "partitions", 2)).status()).isEqualTo(201);
        assertThat(rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(Map.of("value",
                "the one"))))
                .status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Case(String name, String method, String path, Object body, String contentType, int status,
            String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        String json = "application/json";
        return List.of(
                new Case("malformed JSON", "POST", "/api/v1/stations/orders/messages", "{\"messages\": [", json, 400,
                        "INVALID_ARGUMENT"),
                new Case("not an object", "POST", "/api/v1/stations", "[1,2]", json, 400, "INVALID_ARGUMENT"),
                new Case("unknown field in a station", "POST", "/api/v1/stations",
                        "{\"name\":\"x1\",\"partitons\":3}", json, 400, "INVALID_ARGUMENT"),
                new Case("wrong type", "POST", "/api/v1/stations", "{\"name\":\"x2\",\"partitions\":\"three\"}",
                        json, 400, "INVALID_ARGUMENT"),
                new Case("unknown field in a message", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value\":\"v\",\"vaule\":\"w\"}]}", json, 400, "INVALID_ARGUMENT"),
                new Case("unknown top-level field", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value\":\"v\"}],\"extra\":1}", json, 400, "INVALID_ARGUMENT"),
                new Case("no messages", "POST", "/api/v1/stations/orders/messages", "{\"messages\":[]}", json, 400,
                        "INVALID_ARGUMENT"),
                new Case("bad Base64", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value_base64\":\"***\"}]}", json, 400, "INVALID_ARGUMENT"),
                new Case("header not text", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value\":\"v\",\"headers\":{\"a\":1}}]}", json, 400, "INVALID_ARGUMENT"),
                new Case("partition out of range", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value\":\"v\",\"partition\":7}]}", json, 400, "INVALID_PARTITION"),
                new Case("a message over the size limit", "POST", "/api/v1/stations/orders/messages",
                        "{\"messages\":[{\"value\":\"" + "x".repeat((1 << 20) + 10) + "\"}]}", json, 413,
                        "MESSAGE_TOO_LARGE"),
                new Case("not JSON at all", "POST", "/api/v1/stations/orders/messages", "value=1",
                        "application/x-www-form-urlencoded", 415, "INVALID_ARGUMENT"),
                new Case("invalid station name", "POST", "/api/v1/stations", "{\"name\":\"no spaces allowed\"}",
                        json, 400, "INVALID_NAME"),
                // Armeria refuses a path it cannot normalize before any route: the same JSON error.
                new Case("path traversal", "GET", "/api/v1/stations/..%2F..%2Fetc", null, json, 400,
                        "INVALID_ARGUMENT"),
                new Case("path traversal in a group", "POST", "/api/v1/stations/orders/groups/..%2F..%2Fx/fetch",
                        "{}", json, 400, "INVALID_ARGUMENT"),
                new Case("encoded slash", "POST", "/api/v1/stations/a%2Fb/messages",
                        "{\"messages\":[{\"value\":\"v\"}]}", json, 400, "INVALID_NAME"),
                new Case("unknown station", "POST", "/api/v1/stations/nope/messages",
                        "{\"messages\":[{\"value\":\"v\"}]}", json, 404, "UNKNOWN_STATION"),
                new Case("huge max", "POST", "/api/v1/stations/orders/groups/g/fetch", "{\"max\":1000000}", json,
                        400, "INVALID_ARGUMENT"),
                new Case("negative max", "POST", "/api/v1/stations/orders/groups/g/fetch", "{\"max\":-1}", json, 400,
                        "INVALID_ARGUMENT"),
                new Case("negative wait_ms", "POST", "/api/v1/stations/orders/groups/g/fetch", "{\"wait_ms\":-5}",
                        json, 400, "INVALID_ARGUMENT"),
                new Case("endless wait_ms", "POST", "/api/v1/stations/orders/groups/g/fetch",
                        "{\"wait_ms\":86400000}", json, 400, "INVALID_ARGUMENT"),
                new Case("invalid group name", "POST", "/api/v1/stations/orders/groups/a%20b/fetch", "{}", json,
                        400, "INVALID_NAME"),
                new Case("not a delivery id", "POST", "/api/v1/stations/orders/groups/g/ack",
                        "{\"delivery_ids\":[\"../etc\"]}", json, 400, "INVALID_ARGUMENT"),
                new Case("delivery ids not a list", "POST", "/api/v1/stations/orders/groups/g/ack",
                        "{\"delivery_ids\":\"0-0-1\"}", json, 400, "INVALID_ARGUMENT"),
                new Case("nack delay over a day", "POST", "/api/v1/stations/orders/groups/g/nack",
                        "{\"delivery_ids\":[\"0-0-1\"],\"delay_ms\":999999999999}", json, 400, "INVALID_ARGUMENT"),
                new Case("unknown query parameter", "GET", "/api/v1/stations?limt=3", null, json, 400,
                        "INVALID_ARGUMENT"),
                new Case("query parameter of the wrong type", "GET", "/api/v1/stations?limit=lots", null, json, 400,
                        "INVALID_ARGUMENT"),
                new Case("a body where none is taken", "GET", "/api/v1/stations/orders", "{\"x\":1}", json, 400,
                        "INVALID_ARGUMENT"),
                new Case("dead letters limit too large", "GET", "/api/v1/stations/orders/dead-letters?limit=99999999",
                        null, json, 400, "INVALID_ARGUMENT"),
                new Case("unknown route", "GET", "/api/v1/queues", null, json, 404, "INVALID_ARGUMENT"),
                new Case("method not allowed", "PUT", "/api/v1/stations", "{}", json, 405, "INVALID_ARGUMENT"),
                new Case("another tenant that does not exist", "GET", "/api/v1/stations?tenant=nobody", null, json,
                        404, "UNKNOWN_TENANT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithItsCodeAndChangesNothing(Case c) {
        RestClient.Answer answer = rest.send(c.method(), c.path(), c.body(), c.contentType());
        assertThat(answer.status()).as(answer.toString()).isEqualTo(c.status());
        assertThat(answer.code()).as(answer.toString()).isEqualTo(c.code());
        assertThat(answer.json().path("message").asText()).isNotBlank();
        assertThat(answer.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        // Nothing stored, nothing created, and the server still answers.
        assertThat(rest.get("/api/v1/stations/orders").json().path("messages").asLong()).isEqualTo(1);
        assertThat(rest.get("/api/v1/stations").json().path("stations").findValuesAsText("name"))
                .containsExactly("orders");
    }

    @Test
    void aBodyOverTheLimitIsRefusedBeforeItIsRead() {
        byte[] huge = new byte[RestGateway.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        RestClient.Answer answer = rest.postBytes("/api/v1/stations/orders/messages", huge);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(413);
        assertThat(answer.code()).isEqualTo("MESSAGE_TOO_LARGE");
        assertThat(rest.get("/api/v1/stations/orders").json().path("messages").asLong()).isEqualTo(1);
    }
}
