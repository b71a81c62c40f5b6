package io.junction.server;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;

import io.junction.api.v1.DeadLetter;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.Header;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.broker.SchemaInfo;
import io.junction.broker.StationInfo;
import io.junction.errors.ErrorCode;
import io.junction.schema.ParsedSchema;
import io.junction.schema.SchemaException;
import io.junction.schema.SchemaType;
import io.junction.schema.Schemas;

/**
 * Messages as the REST gateway shows and takes them. Out: key and value as UTF-8 text, or {@code key_base64} /
 * {@code value_base64} when they are not text; a value whose {@code junction-schema} header names a schema version
 * as JSON — Protobuf and Avro values decoded through the schema's JSON mapping, JSON Schema values parsed — and
 * headers as an object of text. In: {@code value} as text, or any JSON value (a station whose schema is Protobuf or
 * Avro gets it encoded through the schema, as the CLI does), or {@code value_base64} for bytes. Thread-safe.
 */
final class RestMessages {

    static final String SCHEMA_HEADER = "junction-schema";
    private static final int MAX_CACHED_SCHEMAS = 1000;

    private final Broker broker;
    /** "tenant/name:version" → the parsed version (null: not decodable); at most {@link #MAX_CACHED_SCHEMAS}. */
    private final Map<String, java.util.Optional<ParsedSchema>> schemas = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, java.util.Optional<ParsedSchema>> eldest) {
                    return size() > MAX_CACHED_SCHEMAS;
                }
            });

    RestMessages(Broker broker) {
        this.broker = broker;
    }

    // ----- in -----------------------------------------------------------------------------------------------

    /** {@code {"messages":[...]}} as a produce request; INVALID_ARGUMENT naming the message and field at fault. */
    ProduceRequest produceRequest(String tenant, String station, ObjectNode body, String schemaTenant) {
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setTenant(tenant).setStation(station);
        Iterator<String> fields = body.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("messages")) {
                throw invalid("unknown field '" + RestGateway.quote(f) + "': the body is {\"messages\":[...]}");
            }
        }
        JsonNode list = body.get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw invalid("messages must be a non-empty array");
        }
        ParsedSchema schema = binarySchema(schemaTenant, station);
        int index = 0;
        for (JsonNode m : list) {
            request.addMessages(message(m, index++, schema));
        }
        return request.build();
    }

    private static ProduceMessage message(JsonNode m, int index, ParsedSchema schema) {
        String at = "messages[" + index + "]";
        if (!m.isObject()) {
            throw invalid(at + " must be an object");
        }
        ProduceMessage.Builder b = ProduceMessage.newBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = m.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "key" -> b.setKey(ByteString.copyFromUtf8(text(v, at + ".key")));
                case "key_base64" -> b.setKey(ByteString.copyFrom(base64(v, at + ".key_base64")));
                case "value" -> {
                    if (m.has("value_base64")) {
                        throw invalid(at + " has both value and value_base64");
                    }
                    b.setValue(ByteString.copyFrom(value(v, at, schema)));
                }
                case "value_base64" -> b.setValue(ByteString.copyFrom(base64(v, at + ".value_base64")));
                case "headers" -> {
                    if (!v.isObject()) {
                        throw invalid(at + ".headers must be an object of text values");
                    }
                    v.properties().forEach(h -> b.addHeaders(Header.newBuilder().setKey(h.getKey())
                            .setValue(ByteString.copyFromUtf8(text(h.getValue(), at + ".headers." + h.getKey())))));
                }
                case "msg_id" -> b.setMsgId(text(v, at + ".msg_id"));
                case "partition" -> b.setPartition(integer(v, at + ".partition"));
                case "timestamp_ms" -> {
                    if (!v.canConvertToLong() || !v.isIntegralNumber()) {
                        throw invalid(at + ".timestamp_ms must be a whole number of milliseconds");
                    }
                    b.setTimestampMs(v.asLong());
                }
                case "tombstone" -> {
                    if (!v.isBoolean()) {
                        throw invalid(at + ".tombstone must be true or false");
                    }
                    b.setTombstone(v.asBoolean());
                }
                default -> throw invalid("unknown field '" + RestGateway.quote(e.getKey()) + "' in " + at
                        + " (fields: key, key_base64, value, value_base64, headers, msg_id, partition, timestamp_ms, "
                        + "tombstone)");
            }
        }
        return b.build();
    }

    /** A value as bytes: text as UTF-8; other JSON as its text, or through a binary schema's JSON mapping. */
    private static byte[] value(JsonNode v, String at, ParsedSchema schema) {
        String json = v.isTextual() ? v.asText() : v.toString();
        if (schema == null) {
            return json.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return schema.fromJson(json);
        } catch (RuntimeException e) {
            throw new BrokerException(ErrorCode.SCHEMA_VIOLATION, at + ".value does not fit the station's "
                    + "schema: " + e.getMessage());
        }
    }

    /** The station's schema when its values are binary (Protobuf, Avro), for encoding JSON; else null. */
    private ParsedSchema binarySchema(String tenant, String station) {
        StationInfo info;
        try {
            info = broker.stationInfo(tenant, station);
        } catch (BrokerException e) {
            return null; // the produce call itself says what is wrong, with the guard's checks first
        }
        if (info.config().schema() == null) {
            return null;
        }
        String name = info.config().schema().name();
        int version = info.config().schema().version();
        try {
            SchemaInfo schema = broker.schemaInfo(tenant, name);
            ParsedSchema parsed = parsed(tenant, name, version == 0 ? schema.latestVersion() : version);
            return parsed != null && binary(parsed) ? parsed : null;
        } catch (BrokerException e) {
            return null;
        }
    }

    // ----- out ----------------------------------------------------------------------------------------------

    /** A fetched message, with the {@code delivery_id} that settles it. */
    ObjectNode delivered(String tenant, DeliveredMessage m) {
        ObjectNode out = ProtoJson.MAPPER.createObjectNode();
        out.put("delivery_id", deliveryId(m.getPartition(), m.getOffset(), m.getDeliveryId()));
        out.put("partition", m.getPartition());
        out.put("offset", m.getOffset());
        payload(out, tenant, m.hasKey() ? m.getKey() : null, m.getValue(), m.getHeadersList(), m.getTombstone());
        out.put("deliveries", m.getDeliveries());
        time(out, "timestamp", m.getTimestampMs());
        return out;
    }

    /** A dead letter; its key, value and headers as for a fetched message (absent when the caller may not see them). */
    ObjectNode deadLetter(String tenant, DeadLetter d) {
        ObjectNode out = ProtoJson.MAPPER.createObjectNode();
        out.put("id", d.getId());
        out.put("group", d.getGroup());
        out.put("reason", d.getReason());
        out.put("error", d.getError());
        out.put("deliveries", d.getDeliveries());
        out.put("partition", d.getPartition());
        out.put("offset", d.getOffset());
        payload(out, tenant, d.hasKey() ? d.getKey() : null, d.getValue(), d.getHeadersList(), false);
        time(out, "timestamp", d.getTimestampMs());
        time(out, "dead_lettered_at", d.getDeadLetteredAtMs());
        time(out, "first_delivery", d.getFirstDeliveryMs());
        time(out, "last_delivery", d.getLastDeliveryMs());
        return out;
    }

    private void payload(ObjectNode out, String tenant, ByteString key, ByteString value,
            java.util.List<Header> headers, boolean tombstone) {
        if (key == null) {
            out.putNull("key");
        } else {
            String text = utf8(key);
            if (text != null) {
                out.put("key", text);
            } else {
                out.putNull("key");
                out.put("key_base64", Base64.getEncoder().encodeToString(key.toByteArray()));
            }
        }
        ObjectNode h = out.putObject("headers");
        String schemaRef = null;
        for (Header header : headers) {
            String text = utf8(header.getValue());
            h.put(header.getKey(), text != null ? text : Base64.getEncoder().encodeToString(
                    header.getValue().toByteArray()));
            if (header.getKey().equals(SCHEMA_HEADER)) {
                schemaRef = text;
            }
        }
        out.put("tombstone", tombstone);
        JsonNode decoded = tombstone ? null : decode(tenant, schemaRef, value);
        if (decoded != null) {
            out.set("value", decoded);
            out.put("value_schema", schemaRef);
            return;
        }
        String text = utf8(value);
        if (text != null) {
            out.put("value", text);
        } else {
            out.putNull("value");
            out.put("value_base64", Base64.getEncoder().encodeToString(value.toByteArray()));
        }
    }

    /** The value as JSON when its schema header names a version this broker has; else null (shown as text). */
    private JsonNode decode(String tenant, String ref, ByteString value) {
        if (ref == null) {
            return null;
        }
        int colon = ref.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        int version;
        try {
            version = Integer.parseInt(ref.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        ParsedSchema parsed = parsed(tenant, ref.substring(0, colon), version);
        if (parsed == null || parsed.type() == SchemaType.GRAPHQL) {
            return null;
        }
        try {
            String json = binary(parsed) ? parsed.toJson(value.toByteArray()) : value.toStringUtf8();
            return ProtoJson.MAPPER.readTree(json);
        } catch (java.io.IOException | RuntimeException e) {
            return null; // shown as it is stored
        }
    }

    private ParsedSchema parsed(String tenant, String name, int version) {
        return schemas.computeIfAbsent(tenant + "/" + name + ":" + version, k -> {
            try {
                SchemaInfo schema = broker.schemaInfo(tenant, name);
                if (version < 1 || version > schema.latestVersion()) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(Schemas.parse(schema.type(), schema.versions().get(version - 1),
                        schema.messageTypes().get(version - 1)));
            } catch (RuntimeException e) {
                return java.util.Optional.empty();
            }
        }).orElse(null);
    }

    private static boolean binary(ParsedSchema parsed) {
        return parsed.type() == SchemaType.AVRO || parsed.type() == SchemaType.PROTOBUF;
    }

    // ----- delivery ids -------------------------------------------------------------------------------------

    /** A fetched delivery's id for REST: {@code partition-offset-delivery}. */
    static String deliveryId(int partition, long offset, long delivery) {
        return partition + "-" + offset + "-" + delivery;
    }

    static String deliveryId(MessageRef ref) {
        return deliveryId(ref.getPartition(), ref.getOffset(), ref.getDeliveryId());
    }

    /** A delivery id as the MessageRef JSON it names; INVALID_ARGUMENT when it is not one fetch gave. */
    static ObjectNode ref(JsonNode id) {
        String[] parts = id.isTextual() ? id.asText().split("-", -1) : new String[0];
        try {
            if (parts.length == 3) {
                ObjectNode ref = ProtoJson.MAPPER.createObjectNode();
                ref.put("partition", Integer.parseInt(parts[0]));
                ref.put("offset", Long.parseLong(parts[1]));
                ref.put("delivery_id", Long.parseUnsignedLong(parts[2]));
                return ref;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid("'" + RestGateway.quote(id.toString()) + "' is not a delivery id (fetch gives them as "
                + "\"partition-offset-delivery\")");
    }

    // ----- helpers ------------------------------------------------------------------------------------------

    private static void time(ObjectNode out, String field, long ms) {
        out.put(field + "_ms", ms);
        if (ms > 0) {
            out.put(field, Instant.ofEpochMilli(ms).toString());
        } else {
            out.putNull(field);
        }
    }

    /** The bytes as text when they are valid UTF-8; else null. */
    static String utf8(ByteString bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String text(JsonNode v, String at) {
        if (!v.isTextual()) {
            throw invalid(at + " must be text");
        }
        return v.asText();
    }

    private static int integer(JsonNode v, String at) {
        if (!v.isInt()) {
            throw invalid(at + " must be a whole number");
        }
        return v.asInt();
    }

    private static byte[] base64(JsonNode v, String at) {
        try {
            return Base64.getDecoder().decode(text(v, at));
        } catch (IllegalArgumentException e) {
            throw invalid(at + " is not Base64: " + e.getMessage());
        }
    }

    private static BrokerException invalid(String message) {
        return new BrokerException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
