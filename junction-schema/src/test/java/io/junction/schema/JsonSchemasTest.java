package io.junction.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JSON Schema: definitions refused with the parser's reason, values per draft, and each compatibility rule. */
class JsonSchemasTest {

    private static final String EMPLOYEE = """
            {"type": "object",
             "properties": {"id": {"type": "integer"}, "name": {"type": "string", "maxLength": 50}},
             "required": ["id"]}""";

    private static ParsedSchema json(String definition) {
        return Schemas.parse(SchemaType.JSON, definition);
    }

    private static String violation(ParsedSchema schema, String value) {
        return schema.violation(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldValidateValuesUnderEveryDraft() {
        for (String draft : List.of("", "\"$schema\": \"https://json-schema.org/draft/2020-12/schema\",",
                "\"$schema\": \"https://json-schema.org/draft/2019-09/schema\",",
                "\"$schema\": \"http://json-schema.org/draft-07/schema#\",",
                "\"$schema\": \"http://json-schema.org/draft-04/schema#\",")) {
            ParsedSchema schema = json("{" + draft + EMPLOYEE.substring(1));
            assertThat(violation(schema, "{\"id\": 7, \"name\": \"Ada\"}")).as(draft).isNull();
            assertThat(violation(schema, "{\"name\": \"Ada\"}")).as(draft).contains("id");
            assertThat(violation(schema, "{\"id\": \"seven\"}")).as(draft).contains("/id").contains("integer");
            assertThat(violation(schema, "{\"id\": 1, \"name\": \"" + "x".repeat(51) + "\"}")).as(draft)
                    .contains("name");
            assertThat(violation(schema, "{\"id\": 1} trailing")).as(draft).startsWith("not JSON");
            assertThat(violation(schema, "")).as(draft).startsWith("not JSON");
        }
    }

    @Test
    void shouldRefuseADefinitionThatDoesNotParseWithTheReason() {
        assertThatThrownBy(() -> json("{\"type\": ")).isInstanceOf(SchemaException.class).hasMessageStartingWith(
                "not JSON");
        assertThatThrownBy(() -> json("{\"type\": 12}")).isInstanceOf(SchemaException.class)
                .hasMessageStartingWith("not a valid JSON Schema").hasMessageContaining("type");
        assertThatThrownBy(() -> json("{\"$schema\": \"http://example.com/mine\"}"))
                .hasMessageStartingWith("unsupported $schema");
        assertThatThrownBy(() -> json("[1]")).hasMessageContaining("object or a boolean");
        assertThatThrownBy(() -> json(" ")).hasMessageContaining("empty");
    }

    private static List<String> backward(String older, String newer) {
        return Compatibility.BACKWARD.check(json(newer), List.of(json(older)));
    }

    @Test
    void shouldFollowTheCompatibilityRules() {
        String v1 = EMPLOYEE;
        // Adding an optional property: both ways fine.
        String added = v1.replace("\"name\": {", "\"team\": {\"type\": \"string\"}, \"name\": {");
        assertThat(backward(v1, added)).isEmpty();
        assertThat(Compatibility.FULL.check(json(added), List.of(json(v1)))).isEmpty();
        // Adding a required property: the new version cannot read old data.
        String required = added.replace("\"required\": [\"id\"]", "\"required\": [\"id\", \"team\"]");
        assertThat(backward(v1, required)).singleElement().asString().contains("REQUIRED_PROPERTY_ADDED",
                "#/properties/team");
        // Changing a type.
        assertThat(backward(v1, v1.replace("\"id\": {\"type\": \"integer\"}", "\"id\": {\"type\": \"string\"}")))
                .singleElement().asString().contains("TYPE_NARROWED at #/properties/id");
        // Widening a type is backward compatible, not forward.
        String widened = v1.replace("\"id\": {\"type\": \"integer\"}", "\"id\": {\"type\": \"number\"}");
        assertThat(backward(v1, widened)).isEmpty();
        assertThat(Compatibility.FORWARD.check(json(widened), List.of(json(v1)))).singleElement().asString()
                .contains("TYPE_NARROWED");
        // Tightening a bound.
        assertThat(backward(v1, v1.replace("\"maxLength\": 50", "\"maxLength\": 20"))).singleElement()
                .asString().contains("MAX_LENGTH_NARROWED at #/properties/name");
        // Closing the content model, and removing a property from a closed one.
        String closed = v1.replace("\"required\"", "\"additionalProperties\": false, \"required\"");
        assertThat(backward(v1, closed)).singleElement().asString().contains("CONTENT_MODEL_CLOSED");
        String renamed = closed.replace("\"name\": {", "\"fullName\": {");
        assertThat(backward(closed, renamed)).anySatisfy(p -> assertThat(p)
                .contains("PROPERTY_REMOVED_FROM_CLOSED_MODEL at #/properties/name"));
        // Enums may grow, not shrink.
        String colors = "{\"enum\": [\"red\", \"green\"]}";
        assertThat(backward(colors, "{\"enum\": [\"red\", \"green\", \"blue\"]}")).isEmpty();
        assertThat(backward(colors, "{\"enum\": [\"red\"]}")).singleElement().asString().contains("ENUM_NARROWED");
        // Array items are compared too.
        assertThat(backward("{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}",
                "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}")).singleElement().asString()
                .contains("TYPE_NARROWED at #/items");
    }

    @Test
    void shouldCheckTransitiveModesAgainstEveryEarlierVersion() {
        String v1 = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}";
        String v2 = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"number\"}}}";
        String v3 = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}";
        // v3 can read v2's data? No (number -> integer). Plain BACKWARD only looks at v2; so does the transitive
        // mode find it, and FORWARD_TRANSITIVE (v1 and v2 reading v3) finds nothing.
        assertThat(Compatibility.BACKWARD.check(json(v3), List.of(json(v1), json(v2)))).hasSize(1);
        assertThat(Compatibility.FORWARD_TRANSITIVE.check(json(v3), List.of(json(v1), json(v2)))).isEmpty();
        String v4 = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"number\"}}, \"required\": [\"a\"]}";
        assertThat(Compatibility.BACKWARD.check(json(v4), List.of(json(v1), json(v2), json(v3))))
                .singleElement().asString().contains("version 3", "REQUIRED_PROPERTY_ADDED");
        assertThat(Compatibility.BACKWARD_TRANSITIVE.check(json(v4), List.of(json(v1), json(v2), json(v3))))
                .hasSize(3);
        assertThat(Compatibility.NONE.check(json("{\"type\": \"string\"}"), List.of(json(v1)))).isEmpty();
    }
}
