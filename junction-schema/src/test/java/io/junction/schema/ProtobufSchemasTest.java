package io.junction.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Protobuf: .proto definitions (refused with the parser's or linker's reason), binary values checked strictly,
 * the JSON mapping both ways, and each compatibility rule, in the direction(s) it applies.
 */
class ProtobufSchemasTest {

    private static final String V1 = """
            syntax = "proto3";
            package hr.v1;
            import "google/protobuf/timestamp.proto";

            message Employee {
              string id = 1;
              int32 age = 2;
              google.protobuf.Timestamp hired = 3;
              repeated string tags = 4;
              map<string, int64> counts = 5;
              Kind kind = 6;
              Address address = 7;
              oneof contact {
                string email = 8;
                string phone = 9;
              }
              optional string nickname = 10;
              enum Kind { KIND_UNSPECIFIED = 0; FULL_TIME = 1; PART_TIME = 2; }
            }

            message Address {
              string street = 1;
              string city = 2;
            }
            """;

    private static ParsedSchema proto(String definition) {
        return Schemas.parse(SchemaType.PROTOBUF, definition);
    }

    private static ParsedSchema proto(String definition, String messageType) {
        return Schemas.parse(SchemaType.PROTOBUF, definition, messageType);
    }

    /** Fields of a proto3 message {@code M}, one per line. */
    private static ParsedSchema message(String fields) {
        return proto("syntax = \"proto3\";\npackage t;\nmessage M {\n" + fields + "\n}\n");
    }

    @Test
    void shouldParseProto3WithWellKnownTypesMapsOneofsAndOptional() {
        ParsedSchema schema = proto(V1);
        assertThat(schema.type()).isEqualTo(SchemaType.PROTOBUF);
        assertThat(schema.messageType()).isEqualTo("hr.v1.Employee"); // the first message by default
        assertThat(proto(V1, "hr.v1.Address").messageType()).isEqualTo("hr.v1.Address");
        assertThat(proto(V1, "Address").messageType()).isEqualTo("hr.v1.Address"); // inside the package
    }

    @Test
    void shouldConvertJsonThroughProtobufsJsonMappingAndBack() {
        ParsedSchema schema = proto(V1);
        String json = "{\"id\":\"e-7\",\"age\":31,\"hired\":\"2024-03-01T09:00:00Z\",\"tags\":[\"a\",\"b\"],"
                + "\"counts\":{\"x\":\"3\"},\"kind\":\"FULL_TIME\",\"address\":{\"street\":\"1 Main St\","
                + "\"city\":\"Oslo\"},\"email\":\"ada@example.com\",\"nickname\":\"\"}";
        byte[] binary = schema.fromJson(json);
        assertThat(schema.violation(binary)).isNull();
        assertThat(schema.toJson(binary)).isEqualTo(json);
        assertThatThrownBy(() -> schema.fromJson("{\"id\": 7, \"age\": \"old\"}"))
                .isInstanceOf(SchemaException.class)
                .hasMessage("not JSON of hr.v1.Employee (Protobuf's JSON mapping): Not an int32 value: \"old\"");
        assertThatThrownBy(() -> schema.fromJson("{\"salary\": 1}")).hasMessageContaining("salary");
        assertThat(schema.toJson(new byte[] {(byte) 0xff})).isNull();
    }

    @Test
    void shouldAcceptValuesOfGeneratedClassesWithTheSameFields() {
        ParsedSchema schema = message("int64 seconds = 1; int32 nanos = 2;");
        byte[] value = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5).build().toByteArray();
        assertThat(schema.violation(value)).isNull();
        assertThat(schema.toJson(value)).isEqualTo("{\"seconds\":\"1700000000\",\"nanos\":5}");
        assertThat(schema.violation(new byte[0])).isNull(); // every field at its default
    }

    @Test
    void shouldRefuseWhatIsNotABinaryOfTheMessageType() {
        ParsedSchema schema = proto(V1);
        byte[] valid = schema.fromJson("{\"id\":\"e-7\",\"address\":{\"city\":\"Oslo\"}}");
        assertThat(schema.violation("hello, world".getBytes(StandardCharsets.UTF_8)))
                .startsWith("not Protobuf binary of hr.v1.Employee: ");
        assertThat(schema.violation(Arrays.copyOf(valid, valid.length - 1)))
                .isEqualTo("not Protobuf binary of hr.v1.Employee: While parsing a protocol message, the input "
                        + "ended unexpectedly in the middle of a field");
        // Another message type's value parses, but into a field this one does not declare.
        byte[] other = message("string id = 1; bool active = 20;").fromJson("{\"id\":\"x\",\"active\":true}");
        assertThat(schema.violation(other)).isEqualTo("not Protobuf binary of hr.v1.Employee: field number 20 is "
                + "not in Employee (hr.v1.Employee)");
        // ... at any depth.
        byte[] nested = message("Inner address = 7; message Inner { string city = 2; int32 zip = 3; }")
                .fromJson("{\"address\":{\"city\":\"Oslo\",\"zip\":150}}");
        assertThat(schema.violation(nested)).isEqualTo("not Protobuf binary of hr.v1.Employee: field number 3 is "
                + "not in Employee.address (hr.v1.Address)");
        // A field of the wrong wire type is not the declared field either.
        byte[] wrongType = message("int64 id = 1;").fromJson("{\"id\":\"5\"}");
        assertThat(schema.violation(wrongType)).contains("field number 1 is not in Employee");
    }

    @Test
    void shouldRequireProto2RequiredFields() {
        ParsedSchema schema = proto("""
                syntax = "proto2";
                message Order { required string id = 1; optional int32 qty = 2 [default = 1]; }
                """);
        assertThat(schema.violation(schema.fromJson("{\"id\":\"o-1\"}"))).isNull();
        assertThat(schema.violation(message("int32 qty = 2;").fromJson("{\"qty\":3}")))
                .isEqualTo("not Protobuf binary of Order: Message missing required fields: id");
        assertThatThrownBy(() -> schema.fromJson("{\"qty\":3}")).hasMessageContaining("id");
    }

    @Test
    void shouldRefuseDefinitionsWithTheParsersReason() {
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; message X { string a = 1 }"))
                .isInstanceOf(SchemaException.class)
                .hasMessage("not a valid .proto: Syntax error in schema.proto:1:46: expected ';' but was '}'");
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; message X { Foo a = 1; }"))
                .hasMessageStartingWith("not a valid .proto: unable to resolve Foo for field a (schema.proto:1:");
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; message X { string a = 1; int32 b = 1; }"))
                .hasMessageStartingWith("not a valid .proto: multiple fields share tag 1");
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; import \"hr/common.proto\"; message X { }"))
                .hasMessageStartingWith("not a valid .proto: it imports 'hr/common.proto'; a schema is one file, "
                        + "importing at most the well-known types [google/protobuf/any.proto, ");
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; import public \"hr/common.proto\"; message X { }"))
                .hasMessageStartingWith("not a valid .proto: it imports 'hr/common.proto'");
        assertThatThrownBy(() -> proto("syntax = \"proto3\"; enum E { A = 0; }"))
                .hasMessage("the .proto declares no message type");
        assertThatThrownBy(() -> proto(V1, "hr.v1.Manager"))
                .hasMessage("message type 'hr.v1.Manager' is not in the .proto (it has [hr.v1.Employee, "
                        + "hr.v1.Address])");
        assertThatThrownBy(() -> Schemas.parse(SchemaType.JSON, "{}", "hr.v1.Employee"))
                .hasMessage("a message type is for protobuf schemas; this one is json");
    }

    // ----- compatibility: each rule, and the direction it applies in ------------------------------------------

    /** What BACKWARD (new reads old) and FORWARD (old reads new) say of {@code next} after {@code first}. */
    private static List<String> check(Compatibility mode, ParsedSchema first, ParsedSchema next) {
        return mode.check(next, List.of(first));
    }

    @Test
    void shouldAllowAddingAndReservedRemovingOfOptionalFieldsBothWays() {
        ParsedSchema v1 = message("string id = 1; int32 age = 2;");
        ParsedSchema added = message("string id = 1; int32 age = 2; string team = 3; repeated int32 scores = 4;");
        ParsedSchema removedReserved = message("string id = 1; reserved 2; reserved \"age\";");
        assertThat(check(Compatibility.FULL, v1, added)).isEmpty();
        assertThat(check(Compatibility.FULL, v1, removedReserved)).isEmpty();
        assertThat(check(Compatibility.FULL_TRANSITIVE, v1, message("string id = 1; reserved 2 to 5;"))).isEmpty();
    }

    @Test
    void shouldRefuseRemovingAFieldWithoutReservingItsNumberInEveryMode() {
        ParsedSchema v1 = message("string id = 1; int32 age = 2;");
        ParsedSchema removed = message("string id = 1;");
        for (Compatibility mode : List.of(Compatibility.BACKWARD, Compatibility.FORWARD, Compatibility.FULL)) {
            assertThat(check(mode, v1, removed)).containsExactly("the new version cannot follow version 1: "
                    + "FIELD_REMOVED at M.age: field 2 was removed without reserving its number (reserved 2;), so "
                    + "a later version could reuse it for something else");
        }
        assertThat(check(Compatibility.NONE, v1, removed)).isEmpty();
    }

    @Test
    void shouldCatchANumberReusedForAnotherFieldOnlyTransitivelyWhenTheRemovalWasReserved() {
        ParsedSchema v1 = message("string id = 1; int32 age = 2;");
        ParsedSchema v2 = message("string id = 1; reserved 2;");
        ParsedSchema v3 = message("string id = 1; string note = 2;"); // reuses 2 despite v2's reservation
        assertThat(Compatibility.BACKWARD.check(v3, List.of(v1, v2))).isEmpty(); // v3 reads v2: fine
        assertThat(Compatibility.BACKWARD_TRANSITIVE.check(v3, List.of(v1, v2))).containsExactly(
                "the new version cannot read data written with version 1: FIELD_RENAMED at M.age: field 2 is now "
                        + "'note' (the JSON mapping goes by name)",
                "the new version cannot read data written with version 1: FIELD_TYPE_CHANGED at M.age: int32 -> "
                        + "string");
    }

    @Test
    void shouldRefuseRenumberingRenamingAndRetypingBothWays() {
        ParsedSchema v1 = message("string id = 1; int32 age = 2; Kind kind = 3; enum Kind { A = 0; B = 1; }");
        assertThat(check(Compatibility.BACKWARD, v1,
                message("string id = 1; int32 age = 4; reserved 2, 3;"))).contains(
                "the new version cannot read data written with version 1: FIELD_RENUMBERED at M.age: number 2 -> 4");
        assertThat(check(Compatibility.FORWARD, v1,
                message("string id = 1; int32 years = 2; Kind kind = 3; enum Kind { A = 0; B = 1; }")))
                .containsExactly("version 1 cannot read data written with the new version: FIELD_RENAMED at "
                        + "M.years: field 2 is now 'age' (the JSON mapping goes by name)");
        assertThat(check(Compatibility.BACKWARD, v1,
                message("string id = 1; string age = 2; Kind kind = 3; enum Kind { A = 0; B = 1; }")))
                .containsExactly("the new version cannot read data written with version 1: FIELD_TYPE_CHANGED at "
                        + "M.age: int32 -> string");
        assertThat(check(Compatibility.BACKWARD, v1,
                message("string id = 1; int32 age = 2; Kind kind = 3; enum Kind { A = 0; BEE = 1; }")))
                .containsExactly("the new version cannot read data written with version 1: ENUM_VALUE_RENAMED at "
                        + "M.kind: value 1 'B' is now 'BEE' (the JSON mapping goes by name)");
        // enum <-> int32: the same varint on the wire, not the same JSON.
        assertThat(check(Compatibility.BACKWARD, v1,
                message("string id = 1; int32 age = 2; int32 kind = 3;"))).containsExactly(
                "the new version cannot read data written with version 1: FIELD_TYPE_CHANGED at M.kind: t.M.Kind -> "
                        + "int32");
    }

    @Test
    void shouldAllowWideningOnlyForTheReaderThatIsWider() {
        ParsedSchema narrow = message("int32 n = 1; uint32 u = 2; sint32 s = 3;");
        ParsedSchema wide = message("int64 n = 1; uint64 u = 2; sint64 s = 3;");
        assertThat(check(Compatibility.BACKWARD, narrow, wide)).isEmpty();
        assertThat(check(Compatibility.FORWARD, narrow, wide)).containsExactly(
                "version 1 cannot read data written with the new version: FIELD_TYPE_CHANGED at M.n: int64 -> int32",
                "version 1 cannot read data written with the new version: FIELD_TYPE_CHANGED at M.u: uint64 -> "
                        + "uint32",
                "version 1 cannot read data written with the new version: FIELD_TYPE_CHANGED at M.s: sint64 -> "
                        + "sint32");
        // int32 -> sint32: both varints, but zigzag: not the same numbers.
        assertThat(check(Compatibility.BACKWARD, narrow, message("sint32 n = 1; uint32 u = 2; sint32 s = 3;")))
                .containsExactly("the new version cannot read data written with version 1: FIELD_TYPE_CHANGED at "
                        + "M.n: int32 -> sint32");
    }

    @Test
    void shouldRefuseCardinalityChanges() {
        ParsedSchema v1 = message("string tag = 1; map<string, int32> counts = 2;");
        assertThat(check(Compatibility.BACKWARD, v1, message("repeated string tag = 1; "
                + "repeated Entry counts = 2; message Entry { string key = 1; int32 value = 2; }")))
                .containsExactly(
                        "the new version cannot read data written with version 1: FIELD_CARDINALITY_CHANGED at "
                                + "M.tag: singular -> repeated",
                        "the new version cannot read data written with version 1: FIELD_CARDINALITY_CHANGED at "
                                + "M.counts: map -> repeated");
    }

    @Test
    void shouldCheckNestedMessagesAtTheirPath() {
        ParsedSchema v1 = message("Address home = 1; message Address { string city = 1; int32 zip = 2; }");
        ParsedSchema v2 = message("Address home = 1; message Address { string city = 1; string zip = 2; }");
        assertThat(check(Compatibility.BACKWARD, v1, v2)).containsExactly("the new version cannot read data "
                + "written with version 1: FIELD_TYPE_CHANGED at M.home.zip: int32 -> string");
        ParsedSchema recursive = message("string name = 1; repeated M children = 2;");
        assertThat(check(Compatibility.FULL, recursive, message("string name = 1; repeated M children = 2; "
                + "int32 depth = 3;"))).isEmpty();
    }

    @Test
    void shouldApplyRequiredFieldRulesInTheirDirection() {
        String head = "syntax = \"proto2\";\nmessage Order {\n";
        ParsedSchema v1 = proto(head + "required string id = 1; optional int32 qty = 2;\n}");
        ParsedSchema addsRequired = proto(head + "required string id = 1; optional int32 qty = 2; "
                + "required string customer = 3;\n}");
        // New readers would find old orders without a customer: BACKWARD refuses, FORWARD allows.
        assertThat(check(Compatibility.BACKWARD, v1, addsRequired)).containsExactly("the new version cannot read "
                + "data written with version 1: REQUIRED_FIELD_ADDED at Order.customer: the reader requires it, the "
                + "writer does not have it");
        assertThat(check(Compatibility.FORWARD, v1, addsRequired)).isEmpty();
        // Making id optional: old readers would get orders without an id; FORWARD refuses, BACKWARD allows.
        ParsedSchema relaxes = proto(head + "optional string id = 1; optional int32 qty = 2;\n}");
        assertThat(check(Compatibility.FORWARD, v1, relaxes)).containsExactly("version 1 cannot read data written "
                + "with the new version: REQUIRED_FIELD_ADDED at Order.id: the reader requires it, the writer may "
                + "leave it out");
        assertThat(check(Compatibility.BACKWARD, v1, relaxes)).isEmpty();
    }

    @Test
    void shouldRefuseMovingFieldsTheWriterMaySetTogetherIntoOneOneof() {
        ParsedSchema v1 = message("string email = 1; string phone = 2; string id = 3;");
        assertThat(check(Compatibility.BACKWARD, v1,
                message("oneof contact { string email = 1; string phone = 2; } string id = 3;")))
                .containsExactly("the new version cannot read data written with version 1: "
                        + "MULTIPLE_FIELDS_MOVED_INTO_ONEOF at M.contact: the writer may set [email, phone] together");
        // One field into a new oneof, or a oneof kept as it is: fine.
        assertThat(check(Compatibility.FULL, v1, message("oneof contact { string email = 1; } string phone = 2; "
                + "string id = 3;"))).isEmpty();
    }

    @Test
    void shouldRefuseRemovingAnEnumValueWithoutReservingIt() {
        ParsedSchema v1 = message("Kind kind = 1; enum Kind { A = 0; B = 1; C = 2; }");
        assertThat(check(Compatibility.BACKWARD, v1, message("Kind kind = 1; enum Kind { A = 0; B = 1; }")))
                .containsExactly("the new version cannot follow version 1: ENUM_VALUE_REMOVED at M.kind: value 2 "
                        + "'C' was removed without reserving its number");
        assertThat(check(Compatibility.FULL, v1,
                message("Kind kind = 1; enum Kind { A = 0; B = 1; reserved 2; }"))).isEmpty();
        // Adding a value is fine both ways (proto3 enums are open).
        assertThat(check(Compatibility.FULL, v1, message("Kind kind = 1; enum Kind { A = 0; B = 1; C = 2; D = 3; }")))
                .isEmpty();
    }
}
