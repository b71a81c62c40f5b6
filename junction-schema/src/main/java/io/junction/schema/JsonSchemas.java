package io.junction.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * JSON Schema: networknt's validator (the draft the definition's {@code $schema} names, 2020-12 without one; the
 * definition must itself be valid against that draft's meta-schema), and the compatibility rules of
 * {@link #cannotRead} — how a reader schema may differ from a writer schema and still accept everything the
 * writer allowed.
 */
final class JsonSchemas {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** At most this many validation errors are named in a violation. */
    private static final int MAX_ERRORS = 3;

    private JsonSchemas() {
    }

    static ParsedSchema parse(String definition) {
        JsonNode node;
        try {
            node = MAPPER.readTree(definition);
        } catch (JsonProcessingException e) {
            throw new SchemaException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (!node.isObject() && !node.isBoolean()) {
            throw new SchemaException("a JSON Schema is an object or a boolean, not " + node.getNodeType());
        }
        SpecificationVersion version = SpecificationVersion.DRAFT_2020_12;
        if (node.has("$schema")) {
            Optional<SpecificationVersion> named = SpecificationVersion.fromSchemaNode(node);
            if (named.isEmpty()) {
                throw new SchemaException("unsupported $schema '" + node.get("$schema").asText() + "': use draft 4, 6, "
                        + "7, 2019-09 or 2020-12");
            }
            version = named.get();
        }
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(version);
        try {
            List<Error> metaErrors = registry.getSchema(SchemaLocation.of(version.getDialectId())).validate(node);
            if (!metaErrors.isEmpty()) {
                throw new SchemaException("not a valid JSON Schema (" + version.getDialectId() + "): "
                        + describe(metaErrors));
            }
            return new Parsed(definition, node, registry.getSchema(node));
        } catch (SchemaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SchemaException("not a valid JSON Schema: " + e.getMessage(), e);
        }
    }

    private static String describe(List<Error> errors) {
        String named = errors.stream().limit(MAX_ERRORS).map(JsonSchemas::describe)
                .collect(Collectors.joining("; "));
        return errors.size() > MAX_ERRORS ? named + "; and " + (errors.size() - MAX_ERRORS) + " more" : named;
    }

    /** {@code /path: message}, the root written {@code /}. */
    private static String describe(Error e) {
        String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
        return (at.isEmpty() ? "/" : at) + ": " + e.getMessage();
    }

    private record Parsed(String definition, JsonNode node, Schema schema) implements ParsedSchema {

        @Override
        public SchemaType type() {
            return SchemaType.JSON;
        }

        @Override
        public String violation(byte[] value) {
            JsonNode instance;
            try {
                instance = MAPPER.readTree(value);
            } catch (IOException e) {
                return "not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
            }
            if (instance == null || instance.isMissingNode()) {
                return "not JSON: the value is empty";
            }
            List<Error> errors = schema.validate(instance);
            return errors.isEmpty() ? null : describe(errors);
        }

        @Override
        public List<String> cannotRead(ParsedSchema writer) {
            List<String> problems = new ArrayList<>();
            compare(node, ((Parsed) writer).node, "#", problems);
            return problems;
        }
    }

    // ----- compatibility ------------------------------------------------------------------------------------------

    private static final Set<String> ANY = Set.of("null", "boolean", "object", "array", "number", "integer", "string");

    /**
     * Adds to {@code problems} what keeps {@code reader} from accepting every instance {@code writer} accepts. The
     * rules (each named in its message): a type the writer allows and the reader does not (TYPE_NARROWED); an enum
     * value the reader lacks (ENUM_NARROWED); a property the reader requires that the writer does not
     * (REQUIRED_PROPERTY_ADDED); a property the writer has and the reader's closed model forbids
     * (PROPERTY_REMOVED_FROM_CLOSED_MODEL); a reader that closes a model the writer left open
     * (CONTENT_MODEL_CLOSED); a bound the reader tightens or adds (MAX_LENGTH_NARROWED, MINIMUM_NARROWED, ...); a
     * pattern the reader adds or changes (PATTERN_CHANGED); and, recursively, the same for properties, array
     * items and additional properties. A property the reader adds to an open model is taken as absent from the
     * writer's data (compatible). {@code $ref}s are compared as written, not resolved.
     */
    static void compare(JsonNode reader, JsonNode writer, String path, List<String> problems) {
        if (acceptsAnything(reader) || writer.isBoolean() && !writer.asBoolean()) {
            return;
        }
        if (reader.isBoolean()) { // false: accepts nothing
            problems.add("TYPE_NARROWED at " + path + ": the reader accepts nothing");
            return;
        }
        if (writer.isBoolean()) { // true: the writer allowed anything
            writer = MAPPER.createObjectNode();
        }
        if (!text(reader, "$ref").equals(text(writer, "$ref"))) {
            problems.add("REF_CHANGED at " + path + ": " + text(writer, "$ref") + " -> " + text(reader, "$ref"));
        }
        Set<String> readerTypes = types(reader);
        Set<String> writerTypes = types(writer);
        Set<String> lost = new TreeSet<>();
        for (String t : writerTypes) {
            if (!readerTypes.contains(t) && !(t.equals("integer") && readerTypes.contains("number"))) {
                lost.add(t);
            }
        }
        if (!lost.isEmpty()) {
            problems.add("TYPE_NARROWED at " + path + ": the writer allows " + lost + ", the reader only "
                    + new TreeSet<>(readerTypes));
        }
        if (reader.has("enum")) {
            Set<JsonNode> allowed = new java.util.HashSet<>();
            reader.get("enum").forEach(allowed::add);
            if (!writer.has("enum")) {
                problems.add("ENUM_NARROWED at " + path + ": the reader allows only " + reader.get("enum"));
            } else {
                for (JsonNode v : writer.get("enum")) {
                    if (!allowed.contains(v)) {
                        problems.add("ENUM_NARROWED at " + path + ": the reader lacks " + v);
                    }
                }
            }
        }
        for (String max : List.of("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")) {
            bound(reader, writer, max, path, true, problems);
        }
        for (String min : List.of("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")) {
            bound(reader, writer, min, path, false, problems);
        }
        if (reader.has("pattern") && !text(reader, "pattern").equals(text(writer, "pattern"))) {
            problems.add("PATTERN_CHANGED at " + path + ": " + writer.get("pattern") + " -> " + reader.get("pattern"));
        }
        if (readerTypes.contains("object") && writerTypes.contains("object")) {
            compareObjects(reader, writer, path, problems);
        }
        if (readerTypes.contains("array") && writerTypes.contains("array") && reader.has("items")) {
            JsonNode writerItems = writer.has("items") ? writer.get("items") : MAPPER.createObjectNode();
            compare(reader.get("items"), writerItems, path + "/items", problems);
        }
    }

    private static void compareObjects(JsonNode reader, JsonNode writer, String path, List<String> problems) {
        Set<String> writerRequired = strings(writer.get("required"));
        for (String p : strings(reader.get("required"))) {
            if (!writerRequired.contains(p)) {
                problems.add("REQUIRED_PROPERTY_ADDED at " + path + "/properties/" + p
                        + ": the writer's data may lack it");
            }
        }
        JsonNode readerProps = reader.path("properties");
        JsonNode writerProps = writer.path("properties");
        JsonNode readerAdditional = reader.get("additionalProperties");
        JsonNode writerAdditional = writer.get("additionalProperties");
        boolean readerClosed = readerAdditional != null && readerAdditional.isBoolean() && !readerAdditional.asBoolean();
        boolean writerClosed = writerAdditional != null && writerAdditional.isBoolean() && !writerAdditional.asBoolean();
        for (Iterator<String> it = writerProps.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            String at = path + "/properties/" + p;
            if (readerProps.has(p)) {
                compare(readerProps.get(p), writerProps.get(p), at, problems);
            } else if (readerClosed) {
                problems.add("PROPERTY_REMOVED_FROM_CLOSED_MODEL at " + at + ": the writer has it, the reader's "
                        + "model is closed");
            } else if (readerAdditional != null && readerAdditional.isObject()) {
                compare(readerAdditional, writerProps.get(p), at, problems);
            }
        }
        for (Iterator<String> it = readerProps.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            if (!writerProps.has(p) && writerAdditional != null && writerAdditional.isObject()) {
                compare(readerProps.get(p), writerAdditional, path + "/properties/" + p, problems);
            }
        }
        if (readerClosed && !writerClosed) {
            problems.add("CONTENT_MODEL_CLOSED at " + path + ": the reader forbids additional properties the writer "
                    + "allowed");
        } else if (readerAdditional != null && readerAdditional.isObject() && !writerClosed) {
            JsonNode writerSide = writerAdditional != null && writerAdditional.isObject() ? writerAdditional
                    : MAPPER.createObjectNode();
            compare(readerAdditional, writerSide, path + "/additionalProperties", problems);
        }
    }

    private static void bound(JsonNode reader, JsonNode writer, String keyword, String path, boolean isMax,
            List<String> problems) {
        if (!reader.has(keyword) || !reader.get(keyword).isNumber()) {
            return;
        }
        double r = reader.get(keyword).asDouble();
        boolean narrowed = !writer.has(keyword) || (isMax ? r < writer.get(keyword).asDouble()
                : r > writer.get(keyword).asDouble());
        if (narrowed) {
            problems.add(keyword.replaceAll("([A-Z])", "_$1").toUpperCase(java.util.Locale.ROOT) + "_NARROWED at "
                    + path + ": " + (writer.has(keyword) ? writer.get(keyword) : "none") + " -> " + reader.get(keyword));
        }
    }

    private static boolean acceptsAnything(JsonNode schema) {
        if (schema.isBoolean()) {
            return schema.asBoolean();
        }
        return schema.isObject() && schema.isEmpty();
    }

    private static Set<String> types(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type == null) {
            return ANY;
        }
        Set<String> types = new TreeSet<>();
        if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else {
            types.add(type.asText());
        }
        return types;
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        if (array != null && array.isArray()) {
            array.forEach(v -> out.add(v.asText()));
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null ? "" : v.asText();
    }
}
