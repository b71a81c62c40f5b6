package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The REST gateway against a real server in the default mode (a loopback caller is root): every route does what
 * its gRPC call does, answers JSON of the documented shape, and a fetched message is the caller's until it settles
 * it, with the group's semantics (per-key order, redelivery, dead letters).
 */
class RestGatewayTest {

    @TempDir
    Path dir;
    private JunctionServer server;
    private RestClient rest;

    @BeforeEach
    void start() {
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1").port(0).httpPort(0)
                .build());
        rest = new RestClient(server.httpPort(), null);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void stationsAreCreatedListedShownChangedAndDeleted() {
        RestClient.Answer created = rest.post("/api/v1/stations", Map.of("name", "orders", "partitions", 3,
                "ack_timeout_ms", 20_000));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json().path("name").asText()).isEqualTo("orders");
        assertThat(created.json().path("config").path("partitions").asInt()).isEqualTo(3);
        assertThat(created.json().path("partitions")).hasSize(3);

        RestClient.Answer list = rest.get("/api/v1/stations");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("stations").findValuesAsText("name")).containsExactly("orders");

        RestClient.Answer changed = rest.patch("/api/v1/stations/orders", Map.of("ack_timeout_ms", 45_000));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertThat(rest.get("/api/v1/stations/orders").json().path("config").path("ack_timeout_ms").asLong())
                .isEqualTo(45_000);

        RestClient.Answer again = rest.post("/api/v1/stations", Map.of("name", "orders"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("STATION_EXISTS");

        assertThat(rest.delete("/api/v1/stations/orders").status()).isEqualTo(200);
        RestClient.Answer gone = rest.get("/api/v1/stations/orders");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.code()).isEqualTo("UNKNOWN_STATION");
        assertThat(gone.json().path("message").asText()).contains("orders");
    }

    @Test
    void producedMessagesAreFetchedLeasedAndAckedWithTheirReceiptsAndDeliveryIds() {
        rest.post("/api/v1/stations", Map.of("name", "orders", "partitions", 1));
        RestClient.Answer produced = rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(
                Map.of("key", "k1", "value", "first", "headers", Map.of("a", "1"), "msg_id", "m-1"),
                Map.of("key", "k2", "value", "second"))));
        assertThat(produced.status()).as(produced.toString()).isEqualTo(201);
        assertThat(produced.json().path("receipts")).hasSize(2);
        assertThat(produced.json().path("receipts").get(0).path("offset").asLong()).isZero();
        assertThat(produced.json().path("receipts").get(1).path("offset").asLong()).isEqualTo(1);
        assertThat(produced.json().path("receipts").get(0).path("duplicate").asBoolean()).isFalse();

        RestClient.Answer duplicate = rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(
                Map.of("key", "k1", "value", "first", "msg_id", "m-1"))));
        assertThat(duplicate.json().path("receipts").get(0).path("duplicate").asBoolean()).isTrue();

        RestClient.Answer fetched = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10,
                "wait_ms", 1000));
        assertThat(fetched.status()).as(fetched.toString()).isEqualTo(200);
        JsonNode messages = fetched.json().path("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).path("key").asText()).isEqualTo("k1");
        assertThat(messages.get(0).path("value").asText()).isEqualTo("first");
        assertThat(messages.get(0).path("headers").path("a").asText()).isEqualTo("1");
        assertThat(messages.get(0).path("deliveries").asInt()).isEqualTo(1);
        assertThat(messages.get(0).path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(fetched.json().path("ack_timeout_ms").asLong()).isPositive();

        // Leased: nothing more for anyone until settled or timed out.
        assertThat(rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("wait_ms", 0)).json()
                .path("messages")).isEmpty();

        String first = messages.get(0).path("delivery_id").asText();
        String second = messages.get(1).path("delivery_id").asText();
        RestClient.Answer acked = rest.post("/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids",
                List.of(first, second)));
        assertThat(acked.status()).as(acked.toString()).isEqualTo(200);
        assertThat(acked.json().path("settled").asInt()).isEqualTo(2);
        assertThat(acked.json().path("stale")).isEmpty();

        RestClient.Answer again = rest.post("/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids",
                List.of(first)));
        assertThat(again.json().path("settled").asInt()).isZero();
        assertThat(again.json().path("stale").get(0).asText()).isEqualTo(first);

        JsonNode group = rest.get("/api/v1/stations/orders/groups/g").json();
        assertThat(group.path("lag").asLong()).isZero();
        assertThat(group.path("in_flight").asLong()).isZero();
        assertThat(group.path("members").findValuesAsText("name")).anyMatch(n -> n.startsWith("fetch: "));
    }

    @Test
    void aKeysNextMessageWaitsForTheAckOfTheOneBeforeAndANackRedeliversIt() {
        rest.post("/api/v1/stations", Map.of("name", "orders", "partitions", 1));
        rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(
                Map.of("key", "employee-7", "value", "v1"), Map.of("key", "employee-7", "value", "v2"))));

        JsonNode first = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10)).json()
                .path("messages");
        assertThat(first).hasSize(1); // key order: v2 waits for v1
        assertThat(first.get(0).path("value").asText()).isEqualTo("v1");

        RestClient.Answer nacked = rest.post("/api/v1/stations/orders/groups/g/nack", Map.of("delivery_ids",
                List.of(first.get(0).path("delivery_id").asText()), "delay_ms", 0, "error", "try again"));
        assertThat(nacked.json().path("settled").asInt()).as(nacked.toString()).isEqualTo(1);

        JsonNode redelivered = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10, "wait_ms",
                5000)).json().path("messages");
        assertThat(redelivered).hasSize(1);
        assertThat(redelivered.get(0).path("value").asText()).isEqualTo("v1");
        assertThat(redelivered.get(0).path("deliveries").asInt()).isEqualTo(2);
        rest.post("/api/v1/stations/orders/groups/g/ack", Map.of("delivery_ids", List.of(
                redelivered.get(0).path("delivery_id").asText())));

        JsonNode next = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10, "wait_ms", 5000))
                .json().path("messages");
        assertThat(next).hasSize(1);
        assertThat(next.get(0).path("value").asText()).isEqualTo("v2");
    }

    @Test
    void aDeadLetteredMessageIsListedResentToItsGroupAndDropped() {
        rest.post("/api/v1/stations", Map.of("name", "orders", "partitions", 1));
        rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(Map.of("key", "k", "value",
                "poison"), Map.of("key", "j", "value", "other"))));
        JsonNode fetched = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10)).json()
                .path("messages");
        assertThat(fetched).hasSize(2);
        RestClient.Answer dead = rest.post("/api/v1/stations/orders/groups/g/dead-letter", Map.of("delivery_ids",
                List.of(fetched.get(0).path("delivery_id").asText(), fetched.get(1).path("delivery_id").asText()),
                "reason", "cannot parse"));
        assertThat(dead.json().path("settled").asInt()).as(dead.toString()).isEqualTo(2);

        JsonNode letters = rest.get("/api/v1/stations/orders/dead-letters?group=g").json().path("dead_letters");
        assertThat(letters).hasSize(2);
        assertThat(letters.get(0).path("value").asText()).isEqualTo("poison");
        assertThat(letters.get(0).path("reason").asText()).isEqualTo("consumer");
        assertThat(letters.get(0).path("error").asText()).isEqualTo("cannot parse");
        assertThat(letters.get(0).path("dead_lettered_at").asText()).endsWith("Z");
        assertThat(rest.get("/api/v1/stations/orders/groups/g").json().path("dead_letters").asLong()).isEqualTo(2);

        RestClient.Answer resent = rest.post("/api/v1/stations/orders/dead-letters/resend", Map.of("ids",
                List.of(letters.get(0).path("id").asLong())));
        assertThat(resent.json().path("count").asInt()).as(resent.toString()).isEqualTo(1);
        JsonNode back = rest.post("/api/v1/stations/orders/groups/g/fetch", Map.of("max", 10, "wait_ms", 5000))
                .json().path("messages");
        assertThat(back).hasSize(1);
        assertThat(back.get(0).path("value").asText()).isEqualTo("poison");

        RestClient.Answer dropped = rest.post("/api/v1/stations/orders/dead-letters/drop", Map.of("all", true));
        assertThat(dropped.json().path("count").asInt()).isEqualTo(1);
        assertThat(rest.get("/api/v1/stations/orders/dead-letters").json().path("dead_letters")).isEmpty();

        RestClient.Answer unknown = rest.post("/api/v1/stations/orders/dead-letters/resend", Map.of("ids",
                List.of(999)));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.code()).isEqualTo("UNKNOWN_DEAD_LETTER");
    }

    @Test
    void aSchemasStationTakesAndShowsJsonValuesAndRefusesViolationsWhole() {
        RestClient.Answer schema = rest.post("/api/v1/schemas", Map.of("name", "employee", "type", "protobuf",
                "definition", "syntax = \"proto3\"; message Employee { int64 id = 1; string name = 2; }"));
        assertThat(schema.status()).as(schema.toString()).isEqualTo(201);
        rest.post("/api/v1/stations", Map.of("name", "employees", "partitions", 1));
        RestClient.Answer attached = rest.put("/api/v1/stations/employees/schema", Map.of("schema", "employee"));
        assertThat(attached.status()).as(attached.toString()).isEqualTo(200);

        RestClient.Answer produced = rest.post("/api/v1/stations/employees/messages", Map.of("messages", List.of(
                Map.of("key", "42", "value", Map.of("id", 42, "name", "Ada")))));
        assertThat(produced.status()).as(produced.toString()).isEqualTo(201);
        RestClient.Answer violating = rest.post("/api/v1/stations/employees/messages", Map.of("messages",
                List.of(Map.of("key", "43", "value", Map.of("id", "not a number")))));
        assertThat(violating.status()).as(violating.toString()).isEqualTo(422);
        assertThat(violating.code()).isEqualTo("SCHEMA_VIOLATION");
        RestClient.Answer notProtobuf = rest.post("/api/v1/stations/employees/messages", Map.of("messages",
                List.of(Map.of("key", "44", "value_base64", "////"))));
        assertThat(notProtobuf.status()).as(notProtobuf.toString()).isEqualTo(422);
        assertThat(rest.get("/api/v1/stations/employees").json().path("messages").asLong()).isEqualTo(1);

        JsonNode fetched = rest.post("/api/v1/stations/employees/groups/hr/fetch", Map.of("max", 10)).json()
                .path("messages");
        assertThat(fetched).hasSize(1);
        assertThat(fetched.get(0).path("value").path("name").asText()).isEqualTo("Ada");
        assertThat(fetched.get(0).path("value").path("id").asText()).isEqualTo("42");
        assertThat(fetched.get(0).path("value_schema").asText()).isEqualTo("employee:1");

        RestClient.Answer incompatible = rest.post("/api/v1/schemas/employee/versions", Map.of("definition",
                "syntax = \"proto3\"; message Employee { string id = 1; }"));
        assertThat(incompatible.status()).as(incompatible.toString()).isEqualTo(409);
        assertThat(incompatible.code()).isEqualTo("INCOMPATIBLE_SCHEMA");
        RestClient.Answer compatible = rest.post("/api/v1/schemas/employee/versions", Map.of("definition",
                "syntax = \"proto3\"; message Employee { int64 id = 1; string name = 2; string team = 3; }"));
        assertThat(compatible.status()).as(compatible.toString()).isEqualTo(200);
        assertThat(compatible.json().path("versions")).hasSize(2);
        RestClient.Answer dryRun = rest.post("/api/v1/schemas/employee/versions", Map.of("definition",
                "syntax = \"proto3\"; message Employee { int64 id = 1; string name = 2; string team = 3; "
                        + "string site = 4; }", "dry_run", true));
        assertThat(dryRun.status()).as(dryRun.toString()).isEqualTo(200);
        assertThat(dryRun.json().path("versions")).as("as it would be").hasSize(3);
        assertThat(rest.post("/api/v1/schemas/employee/versions", Map.of("definition",
                "syntax = \"proto3\"; message Employee { string id = 1; }", "dry_run", true)).code())
                .isEqualTo("INCOMPATIBLE_SCHEMA");
        assertThat(rest.get("/api/v1/schemas/employee").json().path("versions")).as("a dry run stores nothing")
                .hasSize(2);
        List<String> audited = new java.util.ArrayList<>();
        rest.get("/api/v1/audit").json().path("entries").forEach(e -> {
            if (e.path("action").asText().equals("AddSchemaVersion")) {
                audited.add(e.path("result").asText());
            }
        });
        assertThat(audited).as("the refused and the saved version audited, not the checks")
                .containsExactly("INCOMPATIBLE_SCHEMA", "OK");
        assertThat(rest.get("/api/v1/schemas").json().path("schemas").findValuesAsText("name"))
                .containsExactly("employee");
    }

    @Test
    void theBrowserShowsAPartitionsMessagesDecodedFindsTextAndAGroupIsResetAfterItsFetches() {
        rest.post("/api/v1/schemas", Map.of("name", "employee", "type", "json", "definition",
                "{\"type\":\"object\",\"required\":[\"name\"]}"));
        rest.post("/api/v1/stations", Map.of("name", "employees", "partitions", 1));
        rest.put("/api/v1/stations/employees/schema", Map.of("schema", "employee"));
        rest.post("/api/v1/stations/employees/messages", Map.of("messages", List.of(
                Map.of("key", "1", "value", Map.of("name", "Ada")), Map.of("key", "2", "value", Map.of("name",
                        "Grace")), Map.of("key", "3", "value", Map.of("name", "Linus")))));

        JsonNode page = rest.get("/api/v1/stations/employees/messages?partition=0&from=earliest&limit=2").json();
        assertThat(page.path("messages")).hasSize(2);
        assertThat(page.path("messages").get(0).path("value").path("name").asText()).isEqualTo("Ada");
        assertThat(page.path("messages").get(0).path("value_schema").asText()).isEqualTo("employee:1");
        assertThat(page.path("next_offset").asLong()).isEqualTo(2);
        assertThat(page.path("end_offset").asLong()).isEqualTo(3);
        JsonNode rest2 = rest.get("/api/v1/stations/employees/messages?from=2").json();
        assertThat(rest2.path("messages").findValuesAsText("key")).containsExactly("3");
        assertThat(rest2.path("end_reached").asBoolean()).isTrue();
        JsonNode found = rest.get("/api/v1/stations/employees/messages?search=Grace").json();
        assertThat(found.path("messages").findValuesAsText("key")).containsExactly("2");
        assertThat(rest.get("/api/v1/stations/employees/messages?from=" + java.time.Instant.now().plusSeconds(60))
                .json().path("messages")).isEmpty();
        // Browsing created no group.
        assertThat(rest.get("/api/v1/stations/employees/groups").json().path("groups")).isEmpty();

        JsonNode fetched = rest.post("/api/v1/stations/employees/groups/sync/fetch", Map.of("max", 10, "wait_ms",
                2000)).json().path("messages");
        List<String> ids = fetched.findValuesAsText("delivery_id");
        rest.post("/api/v1/stations/employees/groups/sync/ack", Map.of("delivery_ids", ids));
        assertThat(rest.get("/api/v1/stations/employees/groups/sync").json().path("lag").asLong()).isZero();
        // The fetch member is idle: a reset goes through (it leaves), and everything comes again.
        RestClient.Answer reset = rest.post("/api/v1/stations/employees/groups/sync/reset", Map.of("position",
                Map.of("earliest", true)));
        assertThat(reset.status()).as(reset.toString()).isEqualTo(200);
        assertThat(reset.json().path("lag").asLong()).isEqualTo(3);
        JsonNode again = rest.post("/api/v1/stations/employees/groups/sync/fetch", Map.of("max", 10, "wait_ms",
                2000)).json().path("messages");
        assertThat(again.findValuesAsText("key")).containsExactlyInAnyOrder("1", "2", "3");
        // Its fetch member holds them now, unacked: still, a delete goes through (the member leaves first).
        RestClient.Answer deleted = rest.delete("/api/v1/stations/employees/groups/sync");
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(rest.get("/api/v1/stations/employees/groups").json().path("groups")).isEmpty();
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        RestClient.Answer answer = rest.get("/api/v1/stations");
        assertThat(answer.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(answer.headers().firstValue("content-security-policy").orElseThrow())
                .contains("frame-ancestors 'none'").contains("default-src 'self'");
        assertThat(answer.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(answer.headers().firstValue("cache-control")).hasValue("no-store");
        RestClient.Answer error = rest.get("/api/v1/nothing-here");
        assertThat(error.status()).isEqualTo(404);
        assertThat(error.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    }
}
