package io.junction.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** Avro: binary values, definitions refused with the parser's reason, and the library's compatibility rules. */
class AvroSchemasTest {

    private static final String V1 = """
            {"type": "record", "name": "Employee", "namespace": "hr",
             "fields": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"}]}""";

    private static ParsedSchema avro(String definition) {
        return Schemas.parse(SchemaType.AVRO, definition);
    }

    private static byte[] encode(String definition, int id, String name) throws IOException {
        Schema schema = new Schema.Parser().parse(definition);
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("name", name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void shouldAcceptAvroBinaryOfTheSchemaOnly() throws IOException {
        ParsedSchema schema = avro(V1);
        byte[] valid = encode(V1, 7, "Ada");
        assertThat(schema.violation(valid)).isNull();
        byte[] longer = Arrays.copyOf(valid, valid.length + 1);
        assertThat(schema.violation(longer)).contains("left over");
        assertThat(schema.violation(Arrays.copyOf(valid, 2))).startsWith("not Avro binary of hr.Employee");
        assertThat(schema.violation("{\"id\": 7}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .startsWith("not Avro binary");
    }

    @Test
    void shouldConvertJsonThroughAvrosJsonEncodingAndBack() throws IOException {
        ParsedSchema schema = avro(V1);
        byte[] binary = schema.fromJson("{\"id\": 7, \"name\": \"Ada\"}");
        assertThat(binary).isEqualTo(encode(V1, 7, "Ada"));
        assertThat(schema.violation(binary)).isNull();
        assertThat(schema.toJson(binary)).isEqualTo("{\"id\":7,\"name\":\"Ada\"}");
        assertThatThrownBy(() -> schema.fromJson("{\"id\": \"seven\", \"name\": \"Ada\"}"))
                .isInstanceOf(SchemaException.class).hasMessageStartingWith("not JSON of hr.Employee");
        assertThat(schema.toJson(new byte[] {1})).isNull();
        assertThat(Schemas.parse(SchemaType.JSON, "{}").fromJson("{\"a\": 1}")).asString().isEqualTo("{\"a\": 1}");
    }

    @Test
    void shouldRefuseADefinitionThatDoesNotParseWithTheReason() {
        assertThatThrownBy(() -> avro("{\"type\": \"record\", \"name\": \"X\"}")).isInstanceOf(SchemaException.class)
                .hasMessageStartingWith("not a valid Avro schema").hasMessageContaining("fields");
        assertThatThrownBy(() -> avro("{\"type\": \"nope\"}")).hasMessageContaining("MUST be a primitive type");
        assertThatThrownBy(() -> avro(V1.replace("\"type\": \"int\"}", "\"type\": \"int\", \"default\": \"x\"}")))
                .hasMessageContaining("default");
    }

    @Test
    void shouldFollowAvrosReaderWriterRules() {
        String withDefault = V1.replace("]}", ", {\"name\": \"team\", \"type\": \"string\", \"default\": \"none\"}]}");
        String withoutDefault = V1.replace("]}", ", {\"name\": \"team\", \"type\": \"string\"}]}");
        String promoted = V1.replace("\"id\", \"type\": \"int\"", "\"id\", \"type\": \"long\"");
        String renamed = V1.replace("\"name\", \"type\": \"string\"", "\"fullName\", \"type\": \"string\"");
        List<ParsedSchema> v1 = List.of(avro(V1));

        assertThat(Compatibility.BACKWARD.check(avro(withDefault), v1)).as("add a field with a default").isEmpty();
        assertThat(Compatibility.FULL.check(avro(withDefault), v1)).isEmpty();
        assertThat(Compatibility.BACKWARD.check(avro(withoutDefault), v1)).singleElement().asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "team");
        assertThat(Compatibility.FORWARD.check(avro(withoutDefault), v1)).as("old readers ignore the new field")
                .isEmpty();
        assertThat(Compatibility.BACKWARD.check(avro(promoted), v1)).as("int -> long is a promotion").isEmpty();
        assertThat(Compatibility.FORWARD.check(avro(promoted), v1)).singleElement().asString()
                .contains("TYPE_MISMATCH");
        assertThat(Compatibility.BACKWARD.check(avro(renamed), v1)).as("a rename without an alias")
                .singleElement().asString().contains("READER_FIELD_MISSING_DEFAULT_VALUE", "fullName");
        assertThat(Compatibility.BACKWARD.check(avro(renamed.replace("\"fullName\", ",
                "\"fullName\", \"aliases\": [\"name\"], ")), v1)).as("a rename with an alias").isEmpty();
        assertThat(Compatibility.BACKWARD.check(Schemas.parse(SchemaType.JSON, "{}"), v1)).singleElement()
                .asString().contains("version 1 is avro, the new one json");
    }
}
