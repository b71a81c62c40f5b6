package io.junction.schema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;

/** Avro: the library's parser, binary decoding as validation, and its reader/writer compatibility checker. */
final class AvroSchemas {

    private AvroSchemas() {
    }

    static ParsedSchema parse(String definition) {
        Schema schema;
        try {
            schema = new Schema.Parser().setValidateDefaults(true).parse(definition);
        } catch (AvroRuntimeException e) { // SchemaParseException and friends
            throw new SchemaException("not a valid Avro schema: " + e.getMessage(), e);
        }
        return new Parsed(definition, schema);
    }

    private record Parsed(String definition, Schema schema) implements ParsedSchema {

        @Override
        public SchemaType type() {
            return SchemaType.AVRO;
        }

        @Override
        public String violation(byte[] value) {
            // A value is valid when it decodes as Avro binary of the schema with no byte left over.
            GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, null);
            try {
                reader.read(null, decoder);
                if (!decoder.isEnd()) {
                    return "not Avro binary of " + schema.getFullName() + ": bytes left over after the value";
                }
                return null;
            } catch (IOException | RuntimeException e) {
                return "not Avro binary of " + schema.getFullName() + ": " + e.getMessage();
            }
        }

        @Override
        public byte[] fromJson(String json) {
            try {
                Object datum = new GenericDatumReader<>(schema).read(null,
                        DecoderFactory.get().jsonDecoder(schema, json));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                new GenericDatumWriter<>(schema).write(datum, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException | RuntimeException e) {
                throw new SchemaException("not JSON of " + schema.getFullName() + " (Avro's JSON encoding: a union "
                        + "value is written {\"type\": value}): " + e.getMessage(), e);
            }
        }

        @Override
        public String toJson(byte[] value) {
            try {
                Object datum = new GenericDatumReader<>(schema).read(null,
                        DecoderFactory.get().binaryDecoder(value, null));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, out);
                new GenericDatumWriter<>(schema).write(datum, encoder);
                encoder.flush();
                return out.toString(StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public List<String> cannotRead(ParsedSchema writer) {
            Schema writerSchema = ((Parsed) writer).schema;
            List<String> problems = new ArrayList<>();
            for (SchemaCompatibility.Incompatibility i : SchemaCompatibility
                    .checkReaderWriterCompatibility(schema, writerSchema).getResult().getIncompatibilities()) {
                problems.add(i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
            }
            return problems;
        }
    }
}
