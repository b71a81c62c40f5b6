package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;

/** The CLI contract of issue #3 against a real server in this JVM. */
class CliAgainstServerTest {

    @TempDir
    static Path data;
    private static JunctionServer server;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @BeforeAll
    static void startServer() {
        server = JunctionServer.start(ServerConfig.builder().dataDir(data).port(0).httpPort(0).build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void restoreStdin() {
        ProduceCommand.stdin = System.in;
    }

    @Test
    void createsShowsListsAndDeletesAStation() {
        assertThat(run("station", "create", "admin-1", "--partitions", "3", "--retention-age", "2d",
                "--retention-bytes", "10MiB", "--ack-timeout", "10s", "--max-deliveries", "4")).isZero();
        assertThat(out()).isEqualTo("created station 'admin-1' with 3 partitions");

        assertThat(run("station", "info", "admin-1", "--json")).isZero();
        assertThat(out()).contains("\"name\":\"admin-1\"", "\"partitions\":3", "\"retention_age_ms\":172800000",
                "\"retention_bytes\":10485760", "\"ack_timeout_ms\":10000", "\"max_deliveries\":4");

        assertThat(run("station", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^admin-1\\s+3\\s");

        assertThat(run("station", "delete", "admin-1")).isZero();
        assertThat(run("station", "info", "admin-1")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
    }

    @Test
    void producesLinesWithKeysAndConsumesThemWithTheirHeaders() {
        run("station", "create", "lines");
        ProduceCommand.stdin = new ByteArrayInputStream("emp-1:alice\nemp-2:bob\nno key here\n"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(run("produce", "lines", "--key-separator", ":", "--header", "source=hr", "--json")).isZero();
        assertThat(out().lines()).containsExactly("{\"partition\":0,\"offset\":0}", "{\"partition\":0,\"offset\":1}",
                "{\"partition\":0,\"offset\":2}");

        assertThat(run("consume", "lines", "--group", "g", "--count", "3", "--json")).isZero();
        final List<String> messages = out().lines().toList();
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).startsWith("{\"station\":\"lines\",\"partition\":0,\"offset\":0,\"key\":\"emp-1\","
                + "\"value\":\"alice\",\"headers\":{\"source\":\"hr\"},\"deliveries\":1,\"timestamp\":\"");
        assertThat(messages.get(2)).contains("\"key\":null,\"value\":\"no key here\"");
    }

    @Test
    void consumeWithCountNeverTakesMoreThanCountFromTheGroup() {
        run("station", "create", "counted");
        for (int i = 0; i < 5; i++) {
            assertThat(run("produce", "counted", "m" + i)).isZero();
        }

        assertThat(run("consume", "counted", "--group", "g", "--count", "2")).isZero();
        assertThat(out().lines()).containsExactly("0@0: m0", "0@1: m1");

        assertThat(run("consume", "counted", "--group", "g", "--timeout", "1s")).isZero();
        assertThat(out().lines()).containsExactly("0@2: m2", "0@3: m3", "0@4: m4");
    }

    @Test
    void nackedMessagesComeBackWithTheirDeliveryCountRaised() {
        run("station", "create", "nacked");
        run("produce", "nacked", "--key", "k", "once");

        assertThat(run("consume", "nacked", "--group", "g", "--count", "1", "--nack")).isZero();
        assertThat(out()).isEqualTo("0@0 key=k: once");

        assertThat(run("consume", "nacked", "--group", "g", "--count", "1", "--json")).isZero();
        assertThat(out()).contains("\"offset\":0", "\"deliveries\":2");
    }

    @Test
    void consumeAcksSynchronouslyByDefaultSoTheLagIsZeroWhenItExits() {
        run("station", "create", "synced");
        for (int i = 0; i < 3; i++) {
            assertThat(run("produce", "synced", "m" + i)).isZero();
        }

        assertThat(run("consume", "synced", "--group", "g", "--count", "3")).isZero();
        assertThat(out().lines()).containsExactly("0@0: m0", "0@1: m1", "0@2: m2");
        assertThat(run("group", "info", "synced", "g", "--json")).isZero();
        assertThat(out()).contains("\"lag\":0");

        assertThat(run("produce", "synced", "m3")).isZero();
        assertThat(run("consume", "synced", "--group", "g", "--count", "1", "--async-ack")).isZero();
        assertThat(out()).isEqualTo("0@3: m3");
        assertThat(run("consume", "--help")).isZero();
        assertThat(out()).contains("--async-ack", "synchronous");
    }

    @Test
    void consumeStopsAfterTheTimeoutWithoutMessages() {
        run("station", "create", "quiet");

        final long start = System.nanoTime();
        assertThat(run("consume", "quiet", "--group", "g", "--timeout", "500ms")).isZero();
        assertThat(out()).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(400L, 5_000L);
    }

    @Test
    void reportsAnUnknownStationInOneLineWithItsCode() {
        assertThat(run("produce", "missing", "hello")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ").contains("missing");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void reportsAnExistingStationWithItsCode() {
        run("station", "create", "twice");
        assertThat(run("station", "create", "twice")).isEqualTo(1);
        assertThat(err.toString()).startsWith("STATION_EXISTS: ");
    }

    @Test
    void listsAndShowsGroups() {
        run("station", "create", "grouped");
        run("produce", "grouped", "x");
        run("consume", "grouped", "--group", "billing", "--count", "1");

        assertThat(run("group", "list", "grouped", "--json")).isZero();
        assertThat(out()).contains("\"name\":\"billing\"", "\"lag\":0");
        assertThat(run("group", "info", "grouped", "billing")).isZero();
        assertThat(out()).contains("group:", "billing");
        assertThat(run("group", "info", "grouped", "nobody")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_GROUP: ");
    }

    @Test
    void deletesAGroup() {
        run("station", "create", "gone");
        run("produce", "gone", "x");
        run("consume", "gone", "--group", "billing", "--count", "1");

        assertThat(run("group", "delete", "gone", "billing")).isZero();
        assertThat(out()).contains("deleted group 'billing'");
        assertThat(run("group", "info", "gone", "billing")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_GROUP: ");
        assertThat(run("group", "delete", "gone", "billing")).isEqualTo(1);
    }

    @Test
    void storesAMessageWithARetriedMsgIdOnceAndSaysItWasADuplicate() {
        assertThat(run("station", "create", "idem", "--dedup-window", "5m", "--json")).isZero();
        assertThat(out()).contains("\"dedup_window_ms\":300000");
        assertThat(run("produce", "idem", "--msg-id", "op-1", "--json", "hired")).isZero();
        String first = out().strip();
        assertThat(first).isEqualTo("{\"partition\":0,\"offset\":0}");
        assertThat(run("produce", "idem", "--msg-id", "op-1", "--json", "hired")).isZero();
        assertThat(out().strip()).isEqualTo("{\"partition\":0,\"offset\":0,\"duplicate\":true}");
        assertThat(run("produce", "idem", "--msg-id", "op-1", "hired")).isZero();
        assertThat(out().strip()).isEqualTo("partition 0, offset 0 (duplicate: stored before)");
        assertThat(run("station", "info", "idem", "--json")).isZero();
        assertThat(out()).contains("\"messages\":1");
        assertThat(run("station", "create", "idem2", "--dedup-window", "2d")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: ");
    }

    @Test
    void setsTheOrderingOfStationsAndNewGroupsAndShowsIt() {
        assertThat(run("station", "create", "ordered", "--ordering", "none")).isZero();
        assertThat(run("station", "info", "ordered", "--json")).isZero();
        assertThat(out()).contains("\"ordering\":\"none\"");
        assertThat(run("station", "info", "ordered")).isZero();
        assertThat(out()).containsPattern("(?m)^ordering:\\s+none$");
        run("produce", "ordered", "--key", "k", "a");
        run("produce", "ordered", "--key", "k", "b");

        // key ordering (named on consume, over the station's none): the nacked "a" comes back before "b"
        assertThat(run("consume", "ordered", "--group", "strict", "--ordering", "key", "--count", "2", "--timeout",
                "2s", "--nack")).isZero();
        assertThat(out().lines()).containsExactly("0@0 key=k: a", "0@0 key=k (delivery 2): a");
        // none (the station's default): "b" goes out with "a"
        assertThat(run("consume", "ordered", "--group", "loose", "--count", "2", "--timeout", "2s", "--nack"))
                .isZero();
        assertThat(out().lines()).containsExactly("0@0 key=k: a", "0@1 key=k: b");

        // the station's default changes for new groups only; an existing group keeps its own
        assertThat(run("station", "update", "ordered", "--ordering", "partition", "--json")).isZero();
        assertThat(out()).contains("\"ordering\":\"partition\"");
        assertThat(run("consume", "ordered", "--group", "strict", "--ordering", "none", "--count", "1")).isZero();
        assertThat(run("group", "info", "ordered", "strict", "--json")).isZero();
        assertThat(out()).contains("\"name\":\"strict\"", "\"ordering\":\"key\"");
        assertThat(run("group", "info", "ordered", "loose")).isZero();
        assertThat(out()).containsPattern("(?m)^ordering:\\s+none$");
        assertThat(run("station", "update", "ordered", "--max-deliveries", "3", "--json")).isZero();
        assertThat(out()).as("an update without --ordering keeps it").contains("\"ordering\":\"partition\"",
                "\"max_deliveries\":3");

        assertThat(run("consume", "ordered", "--group", "g", "--ordering", "fifo")).isEqualTo(2);
        assertThat(err.toString()).contains("--ordering", "key, partition or none");
        assertThat(run("station", "create", "other", "--ordering", "KEY")).isEqualTo(2);
        assertThat(run("station", "create", "--help")).isZero();
        assertThat(out()).contains("--ordering", "key, partition, none");
    }

    @Test
    void refusesTieringOnAServerWithoutAnObjectStoreAndShowsNoTierStatus() {
        assertThat(run("station", "create", "cold", "--tiering", "on", "--local-retention", "2d")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: tiering needs an object store")
                .contains("--s3-bucket");
        assertThat(run("station", "create", "cold", "--local-retention", "10GiB")).isZero();
        assertThat(run("station", "update", "cold", "--tiering", "on")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: tiering needs an object store");

        assertThat(run("station", "info", "cold")).isZero();
        assertThat(out()).contains("tiering:            off").doesNotContain("REMOTE");
        assertThat(run("station", "info", "cold", "--json")).isZero();
        assertThat(out()).contains("\"tiering\":false", "\"local_earliest_offset\":0", "\"remote_earliest_offset\":-1",
                "\"remote_end_offset\":-1", "\"remote_bytes\":0");
        assertThat(run("station", "tier-status", "cold")).isZero();
        assertThat(out()).isEqualTo("station 'cold' has no tiered storage (tiering is off: station update cold "
                + "--tiering on)");
        assertThat(run("station", "tier-status", "cold", "--json")).isZero();
        assertThat(out()).isEqualTo("{\"station\":\"cold\",\"partitions\":[]}");
        assertThat(run("station", "tier-status", "nope")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
    }

    @Test
    void refusesAFullHistoryGroupOnAStationWithoutTiering() {
        run("station", "create", "flat");
        run("produce", "flat", "x");
        assertThat(run("consume", "flat", "--group", "all", "--history", "full", "--count", "1", "--timeout",
                "2s")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_ARGUMENT: ");
        assertThat(run("consume", "flat", "--group", "latest", "--history", "compacted", "--count", "1")).isZero();
        assertThat(run("group", "info", "flat", "latest", "--json")).isZero();
        assertThat(out()).contains("\"history\":\"compacted\"");
    }

    @Test
    void cleansAStationNow() {
        assertThat(run("station", "create", "tidy", "--retention-messages", "1")).isZero();
        assertThat(run("station", "clean", "tidy")).isZero();
        assertThat(out()).isEqualTo("station 'tidy': segments 1 -> 1, bytes 0 -> 0, 0 messages removed");
        assertThat(run("station", "clean", "tidy", "--json")).isZero();
        assertThat(out()).isEqualTo("{\"segments_before\":1,\"segments_after\":1,\"bytes_before\":0,"
                + "\"bytes_after\":0,\"messages_removed\":0}");
        assertThat(run("station", "clean", "nope")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
    }

    @Test
    void compactsAStationToTheLatestValueOfEveryKeyAndDeletesTombstonedKeys() throws InterruptedException {
        assertThat(run("station", "create", "emp", "--compaction", "on", "--segment-bytes", "1KiB",
                "--tombstone-retention", "0s", "--dedup-window", "1s", "--json")).isZero();
        assertThat(out()).contains("\"segment_bytes\":1024", "\"compaction\":true", "\"compaction_lag_ms\":0",
                "\"tombstone_retention_ms\":0");
        final StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            lines.append('k').append(i % 3).append(":v-").append(i).append('\n'); // offsets 0..59
        }
        ProduceCommand.stdin = new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(run("produce", "emp", "--key-separator", ":")).isZero();
        assertThat(run("produce", "emp", "--key", "k1", "--tombstone", "--json")).isZero();
        assertThat(out()).isEqualTo("{\"partition\":0,\"offset\":60}");
        // Ten 700-byte values of key z, one request each: one per 1 KiB segment, so the active segment (never
        // compacted) holds the last one only and the expected result is exact.
        for (int i = 0; i < 10; i++) {
            assertThat(run("produce", "emp", "--key", "z", i + "x".repeat(700))).isZero(); // offsets 61..70
        }
        Thread.sleep(1100); // compaction keeps what is younger than the dedup window (1 s): let it pass

        assertThat(run("station", "clean", "emp")).isZero();
        assertThat(out()).startsWith("station 'emp': segments ").contains("68 messages removed",
                "3 keys kept", "compaction rewrote");
        assertThat(run("consume", "emp", "--group", "new", "--count", "10", "--timeout", "2s")).isZero();
        assertThat(out().lines()).as("the latest of k0 and k2, k1 deleted by its tombstone, z's latest")
                .containsExactly("0@57 key=k0: v-57", "0@59 key=k2: v-59", "0@70 key=z: 9" + "x".repeat(700));
        assertThat(run("group", "info", "emp", "new", "--json")).isZero();
        assertThat(out()).contains("\"lag\":0");

        assertThat(run("station", "info", "emp")).isZero();
        assertThat(out()).containsPattern("(?m)^compaction: +on$").containsPattern("(?m)^messages: +3$")
                .containsPattern("last compaction: +\\S+: 68 messages removed, \\d+ segments rewritten");
        assertThat(run("produce", "emp", "--tombstone", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--tombstone sends one tombstone for --key");
        assertThat(run("station", "create", "both", "--compaction", "on", "--retention-bytes", "1MiB")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: compaction keeps the latest message of every key");
    }

    @Test
    void registersSchemasAndTheBrokerEnforcesThemOnEveryValue() throws IOException {
        final Path v1 = data.resolve("employee-v1.json");
        Files.writeString(v1, "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}, "
                + "\"required\": [\"id\"]}");
        final Path v2 = data.resolve("employee-v2.json");
        Files.writeString(v2, "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}, "
                + "\"team\": {\"type\": \"string\"}}, \"required\": [\"id\"]}");
        final Path breaking = data.resolve("employee-bad.json");
        Files.writeString(breaking, "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}}}");
        final Path broken = data.resolve("broken.json");
        Files.writeString(broken, "{\"type\": ");

        assertThat(run("schema", "create", "employee", "--type", "json", "--file", v1.toString())).isZero();
        assertThat(out()).isEqualTo("created schema 'employee' (json, BACKWARD), version 1");
        assertThat(run("schema", "create", "junk", "--type", "json", "--file", broken.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_SCHEMA: not JSON");
        assertThat(run("schema", "create", "x", "--type", "protobuf", "--file", v1.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_SCHEMA: not a valid .proto: Syntax error in schema.proto:1:1");
        assertThat(run("schema", "create", "x", "--type", "xml", "--file", v1.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_SCHEMA: unknown schema type 'xml': use protobuf, json, avro "
                + "or graphql");
        assertThat(run("schema", "add-version", "employee", "--file", breaking.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("INCOMPATIBLE_SCHEMA: schema 'employee' is BACKWARD: ")
                .contains("TYPE_NARROWED at #/properties/id");
        assertThat(run("schema", "add-version", "employee", "--file", v2.toString())).isZero();
        assertThat(out()).isEqualTo("schema 'employee': version 2 added");

        assertThat(run("station", "create", "people")).isZero();
        assertThat(run("station", "attach-schema", "people", "employee")).isZero();
        assertThat(out()).isEqualTo("station 'people' now validates against schema 'employee' (latest version)");
        assertThat(run("produce", "people", "--key", "e1", "{\"id\": 1, \"team\": \"hr\"}")).isZero();
        assertThat(run("produce", "people", "--key", "e2", "{\"team\": 7}")).isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_VIOLATION: schema 'employee' version 2: ")
                .contains("/: required property 'id' not found", "/team: integer found, string expected");
        assertThat(run("consume", "people", "--group", "g", "--count", "1", "--timeout", "2s", "--json")).isZero();
        assertThat(out()).contains("\"junction-schema\":\"employee:2\"", "\"offset\":0");
        assertThat(run("dls", "list", "people", "--json")).isZero();
        assertThat(out()).contains("\"reason\":\"schema_violation\"", "\"value\":\"{\\\"team\\\": 7}\"");

        assertThat(run("schema", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^employee +json +BACKWARD +2 people$");
        assertThat(run("schema", "info", "employee", "--json")).isZero();
        assertThat(out()).contains("\"latest_version\":2", "\"stations\":[\"people\"]");
        assertThat(run("station", "info", "people", "--json")).isZero();
        assertThat(out()).contains("\"schema\":{\"name\":\"employee\",\"version\":0");
        assertThat(run("schema", "delete", "employee")).isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_IN_USE: schema 'employee' is attached to station 'people'");
        assertThat(run("station", "attach-schema", "people", "employee", "--version", "9")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_SCHEMA: schema 'employee' has no version 9");
        // An Avro station: the CLI takes and shows JSON, the broker stores and checks Avro binary.
        final Path avsc = data.resolve("employee.avsc");
        Files.writeString(avsc, "{\"type\": \"record\", \"name\": \"Employee\", \"fields\": ["
                + "{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"name\", \"type\": \"string\"}]}");
        assertThat(run("schema", "create", "employee-avro", "--type", "avro", "--file", avsc.toString())).isZero();
        assertThat(run("station", "create", "people-avro")).isZero();
        assertThat(run("station", "attach-schema", "people-avro", "employee-avro", "--version", "1")).isZero();
        assertThat(run("produce", "people-avro", "--key", "e1", "{\"id\": 1, \"name\": \"Ada\"}")).isZero();
        assertThat(run("produce", "people-avro", "--key", "e2", "{\"id\": \"one\"}")).isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_VIOLATION: schema 'employee-avro' version 1: not JSON of "
                + "Employee");
        assertThat(run("produce", "people-avro", "--key", "e3", "--raw", "{\"id\": 1}")).as("--raw: the broker "
                + "checks the bytes as Avro binary").isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_VIOLATION: schema 'employee-avro' version 1: not Avro binary");
        assertThat(run("consume", "people-avro", "--group", "g", "--count", "1", "--timeout", "2s")).isZero();
        assertThat(out()).isEqualTo("0@0 key=e1 junction-schema=employee-avro:1: {\"id\":1,\"name\":\"Ada\"}");

        assertThat(run("station", "detach-schema", "people")).isZero();
        assertThat(run("produce", "people", "--key", "e3", "anything goes now")).isZero();
        assertThat(run("schema", "delete", "employee")).isZero();
        assertThat(run("schema", "info", "employee")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_SCHEMA: ");
    }

    @Test
    void producesAndConsumesJsonOnAProtobufStation() throws IOException {
        final String proto = """
                syntax = "proto3";
                package hr.v1;
                import "google/protobuf/timestamp.proto";
                message Address { string city = 1; }
                message Employee { int64 id = 1; string name = 2; google.protobuf.Timestamp hired = 3; }
                """;
        final Path v1 = data.resolve("employee.proto");
        Files.writeString(v1, proto);
        final Path v2 = data.resolve("employee-v2.proto");
        Files.writeString(v2, proto.replace("Timestamp hired = 3;", "Timestamp hired = 3; string team = 4;"));
        final Path renumbered = data.resolve("employee-bad.proto");
        Files.writeString(renumbered, proto.replace("string name = 2;", "string name = 5; reserved 2;"));

        assertThat(run("schema", "create", "staff-record", "--type", "protobuf", "--file", v1.toString(),
                "--message-type", "hr.v1.Employee")).isZero();
        assertThat(out()).isEqualTo("created schema 'staff-record' (protobuf, message type hr.v1.Employee, BACKWARD), "
                + "version 1");
        assertThat(run("schema", "add-version", "staff-record", "--file", renumbered.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("INCOMPATIBLE_SCHEMA: schema 'staff-record' is BACKWARD: the new version "
                + "cannot read data written with version 1: FIELD_RENUMBERED at Employee.name: number 2 -> 5"
                + System.lineSeparator());
        assertThat(run("schema", "add-version", "staff-record", "--file", v2.toString())).isZero();
        assertThat(out()).isEqualTo("schema 'staff-record': version 2 added (message type hr.v1.Employee)");
        assertThat(run("schema", "info", "staff-record")).isZero();
        assertThat(out()).contains("--- version 2 (message type hr.v1.Employee)");
        assertThat(run("schema", "info", "staff-record", "--json")).isZero();
        assertThat(out()).contains("\"message_types\":[\"hr.v1.Employee\",\"hr.v1.Employee\"]");

        assertThat(run("station", "create", "staff")).isZero();
        assertThat(run("station", "attach-schema", "staff", "staff-record")).isZero();
        assertThat(run("produce", "staff", "--key", "e1",
                "{\"id\": 7, \"name\": \"Ada\", \"hired\": \"2024-03-01T09:00:00Z\", \"team\": \"core\"}")).isZero();
        assertThat(run("produce", "staff", "--key", "e2", "{\"id\": \"seven\"}")).isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_VIOLATION: schema 'staff-record' version 2: not JSON of "
                + "hr.v1.Employee (Protobuf's JSON mapping): ");
        assertThat(run("produce", "staff", "--key", "e3", "--raw", "{\"id\": 7}")).as("--raw: the broker checks "
                + "the bytes as Protobuf binary").isEqualTo(1);
        assertThat(err.toString()).startsWith("SCHEMA_VIOLATION: schema 'staff-record' version 2: not Protobuf binary "
                + "of hr.v1.Employee: While parsing a protocol message, the input ended unexpectedly");
        assertThat(run("consume", "staff", "--group", "g", "--count", "1", "--timeout", "2s")).isZero();
        assertThat(out()).isEqualTo("0@0 key=e1 junction-schema=staff-record:2: {\"id\":\"7\",\"name\":\"Ada\","
                + "\"hired\":\"2024-03-01T09:00:00Z\",\"team\":\"core\"}");

        assertThat(run("station", "browse", "staff")).isZero();
        assertThat(out()).as("browsed values are decoded as consume decodes them").isEqualTo("0@0 key=e1 "
                + "junction-schema=staff-record:2: {\"id\":\"7\",\"name\":\"Ada\",\"hired\":\"2024-03-01T09:00:00Z\","
                + "\"team\":\"core\"}");
        assertThat(run("station", "browse", "staff", "--json")).isZero();
        assertThat(out()).contains("\"value\":\"{\\\"id\\\":\\\"7\\\"",
                "\"schema\":\"staff-record\",\"schema_version\":2");
    }

    @Test
    void browsesAStationsMessagesWithoutAGroup() {
        run("station", "create", "browsed", "--partitions", "2");
        ProduceCommand.stdin = new ByteArrayInputStream("emp-1:alice\nemp-2:bob\nemp-3:carol\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(run("produce", "browsed", "--key-separator", ":", "--header", "source=hr", "--partition", "1"))
                .isZero();

        assertThat(run("station", "browse", "browsed", "--partition", "1")).isZero();
        assertThat(out().lines()).containsExactly("1@0 key=emp-1 source=hr: alice", "1@1 key=emp-2 source=hr: bob",
                "1@2 key=emp-3 source=hr: carol");
        assertThat(run("station", "browse", "browsed", "--partition", "1", "--from", "1", "--limit", "1")).isZero();
        assertThat(out().lines()).containsExactly("1@1 key=emp-2 source=hr: bob", "(more from offset 2: --from 2)");
        assertThat(run("station", "browse", "browsed", "--partition", "1", "--search", "car", "--json")).isZero();
        assertThat(out()).startsWith("{\"station\":\"browsed\",\"partition\":1,\"offset\":2,\"key\":\"emp-3\","
                + "\"value\":\"carol\",\"headers\":{\"source\":\"hr\"},\"timestamp\":\"");
        assertThat(run("station", "browse", "browsed", "--partition", "1", "--from", "last:1")).isZero();
        assertThat(out()).isEqualTo("1@2 key=emp-3 source=hr: carol");
        assertThat(run("station", "browse", "browsed", "--partition", "1", "--from", "latest")).isZero();
        assertThat(out()).isEmpty();
        assertThat(run("station", "browse", "browsed", "--partition", "1", "--from", "2000-01-01T00:00:00Z",
                "--limit", "1")).isZero();
        assertThat(out().lines()).first().isEqualTo("1@0 key=emp-1 source=hr: alice");
        assertThat(run("station", "browse", "browsed")).as("partition 0 is empty").isZero();
        assertThat(out()).isEmpty();

        assertThat(run("station", "browse", "browsed", "--partition", "2")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_PARTITION: ");
        assertThat(run("station", "browse", "nowhere")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_STATION: ");
        assertThat(run("station", "browse", "browsed", "--limit", "0")).isEqualTo(2);
        assertThat(run("station", "browse", "browsed", "--from", "yesterday")).isEqualTo(2);
        assertThat(run("group", "list", "browsed")).isZero();
        assertThat(out().lines()).as("browsing made no group").hasSize(1);
    }

    @Test
    void resetsAGroupToEarliestLatestAnOffsetOrATime() {
        run("station", "create", "replayed");
        for (int i = 0; i < 3; i++) {
            assertThat(run("produce", "replayed", "m" + i)).isZero();
        }
        assertThat(run("consume", "replayed", "--group", "g", "--count", "3")).isZero();

        assertThat(run("group", "reset", "replayed", "g", "--to", "earliest")).isZero();
        assertThat(out()).startsWith("reset group 'g' of station 'replayed' to earliest on every partition")
                .containsPattern("(?m)^lag:\\s+3$");
        assertThat(run("consume", "replayed", "--group", "g", "--count", "3")).isZero();
        assertThat(out().lines()).containsExactly("0@0: m0", "0@1: m1", "0@2: m2");

        assertThat(run("group", "reset", "replayed", "g", "--to", "2", "--partition", "0", "--json")).isZero();
        assertThat(out()).contains("\"lag\":1", "\"ack_floor\":2");
        assertThat(run("group", "reset", "replayed", "g", "--to", "2000-01-01T00:00:00Z", "--json")).isZero();
        assertThat(out()).contains("\"lag\":3", "\"ack_floor\":0");
        assertThat(run("group", "reset", "replayed", "g", "--to", "latest", "--json")).isZero();
        assertThat(out()).contains("\"lag\":0", "\"ack_floor\":3");

        assertThat(run("group", "reset", "replayed", "g", "--to", "99")).isEqualTo(1);
        assertThat(err.toString()).startsWith("OFFSET_OUT_OF_RANGE: ");
        assertThat(run("group", "reset", "replayed", "nobody", "--to", "earliest")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_GROUP: ");
        assertThat(run("group", "reset", "replayed", "g")).as("--to is required").isEqualTo(2);
        assertThat(run("group", "reset", "replayed", "g", "--to", "soon")).isEqualTo(2);
    }

    @Test
    void setsAckBasedRetention() {
        assertThat(run("station", "create", "acked", "--retention-ack", "on", "--json")).isZero();
        assertThat(out()).contains("\"retention_ack\":true");
        assertThat(run("station", "update", "acked", "--max-deliveries", "2", "--json")).isZero();
        assertThat(out()).as("an update without it keeps it").contains("\"retention_ack\":true");
        assertThat(run("station", "update", "acked", "--retention-ack", "off", "--json")).isZero();
        assertThat(out()).contains("\"retention_ack\":false");
        assertThat(run("station", "create", "x", "--retention-ack", "maybe")).isEqualTo(2);
        assertThat(err.toString()).contains("'maybe' is neither on nor off");
    }

    @Test
    void listsResendsAndDropsDeadLetters() {
        assertThat(run("station", "create", "hr", "--max-deliveries", "2", "--on-dead-letter", "park",
                "--dls-retention", "3d", "--json")).isZero();
        assertThat(out()).contains("\"on_dead_letter\":\"park\"", "\"dls_retention_ms\":259200000");
        run("produce", "hr", "--key", "emp-1", "first");
        run("produce", "hr", "--key", "emp-1", "second");
        run("produce", "hr", "--key", "emp-2", "other");

        // Two failed deliveries: max deliveries 2 sends emp-1's "first" to the DLS; park holds emp-1's "second".
        assertThat(run("consume", "hr", "--group", "payroll", "--nack", "--count", "3", "--timeout", "2s")).isZero();
        assertThat(out().lines()).containsExactly("0@0 key=emp-1: first", "0@2 key=emp-2: other",
                "0@0 key=emp-1 (delivery 2): first");
        assertThat(run("consume", "hr", "--group", "payroll", "--dead-letter", "bad employee", "--count", "1",
                "--timeout", "2s")).isZero();
        assertThat(out()).as("emp-2 failed once and goes now").isEqualTo("0@2 key=emp-2 (delivery 2): other");

        assertThat(run("dls", "list", "hr", "--json")).isZero();
        final List<String> letters = out().lines().toList();
        assertThat(letters).hasSize(2);
        assertThat(letters.get(0)).startsWith("{\"id\":0,\"group\":\"payroll\",\"reason\":\"max_deliveries\","
                + "\"deliveries\":2,\"partition\":0,\"offset\":0,\"key\":\"emp-1\",\"value\":\"first\",\"headers\":{},"
                + "\"dead_lettered_at\":\"");
        assertThat(letters.get(1)).contains("\"reason\":\"consumer\"", "\"offset\":2", "\"error\":\"bad employee\"");
        assertThat(run("dls", "list", "hr")).isZero();
        assertThat(out()).containsPattern("(?m)^0\\s+payroll\\s+max_deliveries\\s+2\\s+0@0 key=emp-1");
        assertThat(run("group", "info", "hr", "payroll", "--json")).isZero();
        assertThat(out()).contains("\"on_dead_letter\":\"park\"", "\"dead_letters\":2", "\"lag\":1");

        assertThat(run("dls", "resend", "hr", "0", "--group", "payroll")).isZero();
        assertThat(out()).isEqualTo("resent 1 dead letter");
        assertThat(run("consume", "hr", "--group", "payroll", "--count", "2", "--timeout", "2s")).isZero();
        assertThat(out().lines()).as("the resent message first, then its key goes on")
                .containsExactly("0@0 key=emp-1: first", "0@1 key=emp-1: second");

        assertThat(run("dls", "drop", "hr", "99")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_DEAD_LETTER: ");
        assertThat(run("dls", "drop", "hr")).as("ids or --all").isEqualTo(2);
        assertThat(run("dls", "drop", "hr", "--all", "--group", "payroll")).isZero();
        assertThat(out()).isEqualTo("dropped 1 dead letter");
        assertThat(run("dls", "list", "hr", "--json")).isZero();
        assertThat(out()).isEmpty();
        assertThat(run("dls", "list", "hr", "--group", "nobody")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_GROUP: ");
    }

    /** Standard output of the last run, without the final line break. */
    private String out() {
        return out.toString().strip();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        final String[] withServer = new String[args.length + 2];
        System.arraycopy(args, 0, withServer, 0, args.length);
        withServer[args.length] = "--server";
        withServer[args.length + 1] = "localhost:" + server.grpcPort();
        final picocli.CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(withServer);
    }
}
