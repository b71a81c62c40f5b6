package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.internal.station.ProducePipeline;
import io.junction.errors.ErrorCode;
import io.junction.schema.Compatibility;
import io.junction.schema.SchemaType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry and its enforcement in the broker (issue #6, points 1–3 and 7): every value of a station
 * with a schema is validated, a violating request is refused whole with SCHEMA_VIOLATION and its bad messages go
 * to the DLS, stored messages carry the version they were validated against, and the registry survives a
 * restart.
 */
class SchemaEnforcementTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final String EMPLOYEE_V1 = """
            {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
             "required": ["id"]}""";
    private static final String EMPLOYEE_V2 = """
            {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
             "team": {"type": "string"}}, "required": ["id"]}""";

    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private static OutgoingMessage json(String key, String value) {
        return OutgoingMessage.of(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(Delivery d, String key) {
        return d.headers().stream().filter(h -> h.key().equals(key)).map(h -> new String(h.value(),
                StandardCharsets.UTF_8)).findFirst().orElse(null);
    }

    private static void assertCode(Runnable call, ErrorCode code, String... fragments) {
        assertThatThrownBy(call::run).isInstanceOf(BrokerException.class)
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(code))
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    @Test
    void shouldKeepSchemasAndTheirVersionsAndRefuseWhatBreaksTheRules() {
        SchemaInfo created = broker.createSchema(T, "employee", SchemaType.JSON, EMPLOYEE_V1, null);
        assertThat(created.compatibility()).isEqualTo(Compatibility.BACKWARD);
        assertThat(created.latestVersion()).isEqualTo(1);
        assertCode(() -> broker.createSchema(T, "employee", SchemaType.JSON, "{}", null), ErrorCode.SCHEMA_EXISTS);
        assertCode(() -> broker.createSchema(T, "broken", SchemaType.JSON, "{\"type\": 12}", null),
                ErrorCode.INVALID_SCHEMA, "not a valid JSON Schema", "/type");
        assertCode(() -> broker.createSchema(T, "Bad Name", SchemaType.JSON, "{}", null), ErrorCode.INVALID_NAME);
        assertCode(() -> broker.addSchemaVersion(T, "employee", EMPLOYEE_V2.replace("\"required\": [\"id\"]",
                "\"required\": [\"id\", \"team\"]")), ErrorCode.INCOMPATIBLE_SCHEMA, "BACKWARD",
                "REQUIRED_PROPERTY_ADDED at #/properties/team");
        assertThat(broker.schemaInfo(T, "employee").latestVersion()).as("nothing added").isEqualTo(1);
        assertThat(broker.addSchemaVersion(T, "employee", EMPLOYEE_V2).latestVersion()).isEqualTo(2);
        assertCode(() -> broker.schemaInfo(T, "nope"), ErrorCode.UNKNOWN_SCHEMA);

        broker.createStation(T, "hr", StationConfig.defaults().withSchema(new StationConfig.SchemaBinding("employee",
                1, true)));
        assertCode(() -> broker.createStation(T, "x", StationConfig.defaults().withSchema(
                new StationConfig.SchemaBinding("employee", 3, true))), ErrorCode.UNKNOWN_SCHEMA, "no version 3");
        assertCode(() -> broker.deleteSchema(T, "employee"), ErrorCode.SCHEMA_IN_USE, "'hr'");

        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
        SchemaInfo reopened = broker.schemaInfo(T, "employee");
        assertThat(reopened.versions()).containsExactly(EMPLOYEE_V1, EMPLOYEE_V2);
        assertThat(reopened.stations()).containsExactly("hr");
        broker.updateStation(T, "hr", broker.stationInfo(T, "hr").config().withSchema(null));
        broker.deleteSchema(T, "employee");
        assertThat(broker.listSchemas(T)).isEmpty();
        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
        assertThat(broker.listSchemas(T)).isEmpty();
    }

    @Test
    void shouldRefuseAViolatingRequestWholeAndKeepItsBadMessagesInTheDls() throws Exception {
        broker.createSchema(T, "employee", SchemaType.JSON, EMPLOYEE_V1, null);
        broker.createStation(T, "hr", StationConfig.defaults().withSchema(StationConfig.SchemaBinding.latest(
                "employee")));
        assertCode(() -> broker.produce(T, "hr", List.of(json("e1", "{\"id\": 1}"), json("e2", "{\"name\": \"x\"}"),
                json("e3", "not json"))), ErrorCode.SCHEMA_VIOLATION, "refused 2 of 3 messages",
                "message 1: /: required property 'id' not found", "message 2: not JSON");
        assertThat(broker.stationInfo(T, "hr").messages()).as("nothing of the request stored").isZero();
        List<DeadLetter> letters = broker.listDeadLetters(T, "hr", null, -1, 10);
        assertThat(letters).extracting(DeadLetter::reason).containsOnly(DeadLetterReason.SCHEMA_VIOLATION);
        assertThat(letters).extracting(d -> new String(d.value(), StandardCharsets.UTF_8))
                .containsExactly("{\"name\": \"x\"}", "not json");
        assertThat(letters.get(0).error()).contains("required property 'id'");
        assertThat(letters.get(0).group()).isEmpty();
        assertCode(() -> broker.resendDeadLetters(T, "hr", List.of(letters.get(0).id()), false, null),
                ErrorCode.INVALID_ARGUMENT, "never stored");
        assertThat(broker.dropDeadLetters(T, "hr", List.of(), true, null)).isEqualTo(2);

        Receipt r = broker.produce(T, "hr", List.of(json("e1", "{\"id\": 1}"), OutgoingMessage.tombstone(
                "e9".getBytes(StandardCharsets.UTF_8)))).join().get(0);
        List<Delivery> read = GroupDrain.readAll(broker, "hr", "audit");
        assertThat(read).hasSize(2);
        assertThat(header(read.get(0), ProducePipeline.SCHEMA_HEADER)).isEqualTo("employee:1");
        assertThat(read.get(0).offset()).isEqualTo(r.offset());

        // Without dead-lettering, a violation is only refused.
        broker.updateStation(T, "hr", broker.stationInfo(T, "hr").config().withSchema(
                new StationConfig.SchemaBinding("employee", 0, false)));
        assertCode(() -> broker.produce(T, "hr", List.of(json("e1", "[]"))), ErrorCode.SCHEMA_VIOLATION);
        assertThat(broker.listDeadLetters(T, "hr", null, -1, 10)).isEmpty();
    }

    @Test
    void shouldValidateAgainstTheNewVersionOnceItIsAddedWhileProducersRun() throws Exception {
        broker.createSchema(T, "employee", SchemaType.JSON, EMPLOYEE_V1, null);
        broker.createStation(T, "hr", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30), 5)
                .withSchema(StationConfig.SchemaBinding.latest("employee")));
        AtomicBoolean running = new AtomicBoolean(true);
        List<Throwable> failures = new ArrayList<>();
        Thread producer = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                try {
                    broker.produce(T, "hr", List.of(json("e" + i % 7, "{\"id\": " + i + ", \"name\": \"n\"}"))).join();
                } catch (RuntimeException e) {
                    failures.add(e);
                    return;
                }
            }
        });
        producer.start();
        while (broker.stationInfo(T, "hr").messages() < 200) {
            Thread.onSpinWait();
        }
        broker.addSchemaVersion(T, "employee", EMPLOYEE_V2);
        long atSwitch = broker.stationInfo(T, "hr").messages();
        while (broker.stationInfo(T, "hr").messages() < atSwitch + 200) {
            Thread.onSpinWait();
        }
        running.set(false);
        producer.join();
        assertThat(failures).isEmpty();
        // A message validated against v2 comes after every one validated against v1, per partition.
        List<Delivery> read = GroupDrain.readAll(broker, "hr", "audit");
        for (int p = 0; p < 2; p++) {
            int partition = p;
            List<String> versions = read.stream().filter(d -> d.partition() == partition)
                    .map(d -> header(d, ProducePipeline.SCHEMA_HEADER)).toList();
            int firstV2 = versions.indexOf("employee:2");
            assertThat(versions.subList(0, firstV2 < 0 ? versions.size() : firstV2)).containsOnly("employee:1");
            if (firstV2 >= 0) {
                assertThat(versions.subList(firstV2, versions.size())).containsOnly("employee:2");
            }
        }
        assertThat(read).extracting(d -> header(d, ProducePipeline.SCHEMA_HEADER)).contains("employee:1", "employee:2");
        assertCode(() -> broker.produce(T, "hr", List.of(json("x", "{\"id\": 1, \"team\": 5}"))),
                ErrorCode.SCHEMA_VIOLATION, "version 2", "/team"); // v2 now: team must be a string
    }

    @Test
    void shouldValidateGraphQlOperationsAgainstTheSdl() {
        broker.createSchema(T, "hr-api", SchemaType.GRAPHQL, "type Query { employee(id: ID!): Employee }\n"
                + "type Employee { id: ID!, name: String }", null);
        broker.createStation(T, "queries", StationConfig.defaults().withSchema(StationConfig.SchemaBinding.latest(
                "hr-api")));
        broker.produce(T, "queries", List.of(json("q1", "{ employee(id: \"7\") { id name } }"))).join();
        assertCode(() -> broker.produce(T, "queries", List.of(json("q2", "{ employee(id: \"7\") { salary } }"))),
                ErrorCode.SCHEMA_VIOLATION, "salary");
        assertCode(() -> broker.addSchemaVersion(T, "hr-api", "type Query { employee(id: ID!): Employee }\n"
                + "type Employee { id: ID! }"), ErrorCode.INCOMPATIBLE_SCHEMA, "FIELD_REMOVED at Employee.name");
        assertThat(broker.stationInfo(T, "queries").messages()).isEqualTo(1);
    }

    @Test
    void shouldValidateAvroBinaryAndHoldAFixedVersion() throws IOException {
        String v1 = "{\"type\": \"record\", \"name\": \"Employee\", "
                + "\"fields\": [{\"name\": \"id\", \"type\": \"int\"}]}";
        broker.createSchema(T, "emp-avro", SchemaType.AVRO, v1, Compatibility.FULL);
        broker.createStation(T, "hr", StationConfig.defaults().withSchema(new StationConfig.SchemaBinding(
                "emp-avro", 1, true)));
        Schema schema = new Schema.Parser().parse(v1);
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", 42);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, encoder);
        encoder.flush();
        broker.produce(T, "hr", List.of(OutgoingMessage.of(null, out.toByteArray()))).join();
        assertCode(() -> broker.produce(T, "hr", List.of(json("k", "{\"id\": 42}"))), ErrorCode.SCHEMA_VIOLATION,
                "not Avro binary of Employee");
        // A compatible v2 (a field with a default) does not change what a station pinned to v1 validates with.
        broker.addSchemaVersion(T, "emp-avro", v1.replace("}]}",
                "}, {\"name\": \"team\", \"type\": \"string\", \"default\": \"\"}]}"));
        broker.produce(T, "hr", List.of(OutgoingMessage.of(null, out.toByteArray()))).join();
        assertThat(broker.stationInfo(T, "hr").messages()).isEqualTo(2);
        assertThat(new Header(ProducePipeline.SCHEMA_HEADER, new byte[0]).key()).startsWith("junction-");
    }

    @Test
    void shouldValidateProtobufBinaryOfTheChosenMessageTypeAcrossARestart() {
        String v1 = """
                syntax = "proto3";
                package hr.v1;
                message Address { string city = 1; }
                message Employee { int64 id = 1; string name = 2; Address address = 3; }
                """;
        SchemaInfo created = broker.createSchema(T, "emp-proto", SchemaType.PROTOBUF, v1, "hr.v1.Employee", null);
        assertThat(created.messageTypes()).containsExactly("hr.v1.Employee");
        broker.createStation(T, "hr", StationConfig.defaults().withSchema(StationConfig.SchemaBinding.latest(
                "emp-proto")));
        io.junction.schema.ParsedSchema employee = io.junction.schema.Schemas.parse(SchemaType.PROTOBUF, v1,
                "hr.v1.Employee");
        byte[] ada = employee.fromJson("{\"id\": \"7\", \"name\": \"Ada\", \"address\": {\"city\": \"Oslo\"}}");
        broker.produce(T, "hr", List.of(OutgoingMessage.of(null, ada))).join();
        assertCode(() -> broker.produce(T, "hr", List.of(json("k", "{\"id\": 7}"))), ErrorCode.SCHEMA_VIOLATION,
                "schema 'emp-proto' version 1 refused 1 of 1 messages", "message 0: not Protobuf binary of "
                        + "hr.v1.Employee: While parsing a protocol message, the input ended unexpectedly in the "
                        + "middle of a field");
        assertCode(() -> broker.addSchemaVersion(T, "emp-proto", v1.replace(" string name = 2;", ""), null),
                ErrorCode.INCOMPATIBLE_SCHEMA, "FIELD_REMOVED at Employee.name");
        assertCode(() -> broker.createSchema(T, "other", SchemaType.PROTOBUF, v1, "hr.v1.Manager", null),
                ErrorCode.INVALID_SCHEMA, "message type 'hr.v1.Manager' is not in the .proto");
        assertCode(() -> broker.addSchemaVersion(T, "emp-proto", v1.replace("Employee", "Staff"), null),
                ErrorCode.INVALID_SCHEMA, "message type 'hr.v1.Employee' is not in the .proto (it has "
                        + "[hr.v1.Address, hr.v1.Staff]); the latest version's message type is used unless another "
                        + "is named");
        // v2 adds a field; with no message type named, v2's is v1's.
        String v2 = v1.replace("Address address = 3;", "Address address = 3; string team = 4;");
        assertThat(broker.addSchemaVersion(T, "emp-proto", v2, null).messageTypes())
                .containsExactly("hr.v1.Employee", "hr.v1.Employee");
        byte[] withTeam = io.junction.schema.Schemas.parse(SchemaType.PROTOBUF, v2, "hr.v1.Employee")
                .fromJson("{\"id\": \"8\", \"team\": \"core\"}");

        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
        SchemaInfo reopened = broker.schemaInfo(T, "emp-proto");
        assertThat(reopened.messageTypes()).containsExactly("hr.v1.Employee", "hr.v1.Employee");
        assertThat(reopened.versions()).containsExactly(v1, v2);
        broker.produce(T, "hr", List.of(OutgoingMessage.of(null, withTeam))).join(); // v2 (latest) knows team
        // An Address is not an Employee: its field 1 (a string) is not Employee's field 1 (an int64).
        byte[] address = io.junction.schema.Schemas.parse(SchemaType.PROTOBUF, v1, "hr.v1.Address")
                .fromJson("{\"city\": \"Oslo\"}");
        assertCode(() -> broker.produce(T, "hr", List.of(OutgoingMessage.of(null, address))),
                ErrorCode.SCHEMA_VIOLATION, "version 2 refused", "not Protobuf binary of hr.v1.Employee: field "
                        + "number 1 is not in Employee");
        assertThat(broker.stationInfo(T, "hr").messages()).isEqualTo(2);
    }
}
