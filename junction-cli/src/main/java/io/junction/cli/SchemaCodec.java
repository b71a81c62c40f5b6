package io.junction.cli;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import io.junction.client.ReceivedMessage;
import io.junction.client.SchemaInfo;
import io.junction.client.StationInfo;
import io.junction.errors.ErrorCode;
import io.junction.schema.ParsedSchema;
import io.junction.schema.SchemaException;
import io.junction.schema.SchemaType;
import io.junction.schema.Schemas;

/**
 * The CLI's side of a station's schema: values are typed as JSON on the command line and shown as JSON, whatever
 * the schema's binary form (Protobuf, Avro). {@code produce} converts JSON through the schema's JSON mapping;
 * {@code consume} shows a value as JSON when its {@code junction-schema} header names a Protobuf or Avro schema
 * version.
 * JSON Schema and GraphQL values are text already and pass as they are. Thread-safe.
 */
final class SchemaCodec {

    static final String SCHEMA_HEADER = "junction-schema";

    private final JunctionClient client;
    /** "name:version" → the parsed version. */
    private final Map<String, ParsedSchema> versions = new ConcurrentHashMap<>();

    SchemaCodec(JunctionClient client) {
        this.client = client;
    }

    /**
     * How {@code produce} turns a typed value into the bytes to send to {@code station}: through the JSON mapping
     * of the station's schema (the version it is attached with, or the latest), or as UTF-8 when it needs none.
     */
    Function<String, byte[]> encoder(StationInfo station) {
        if (station.schema() == null) {
            return utf8();
        }
        final SchemaInfo schema = client.schema(station.schema().name());
        final int version = station.schema().version() == 0 ? schema.latestVersion() : station.schema().version();
        final ParsedSchema parsed = parse(schema, version);
        if (!binary(parsed)) {
            return utf8();
        }
        return json -> {
            try {
                return parsed.fromJson(json);
            } catch (SchemaException e) {
                throw new JunctionException(ErrorCode.SCHEMA_VIOLATION, "schema '" + schema.name() + "' version "
                        + version + ": " + e.getMessage());
            }
        };
    }

    /** The value as JSON when its schema (from the message's header) has a binary form; else null. */
    String decode(ReceivedMessage m) {
        return decode(m.headers(), m.value(), m.isTombstone());
    }

    /** As {@link #decode(ReceivedMessage)}, for a message given by its parts (a browsed one). */
    String decode(Map<String, byte[]> headers, byte[] value, boolean tombstone) {
        final byte[] header = headers.get(SCHEMA_HEADER);
        if (header == null || tombstone || value == null || value.length == 0) {
            return null;
        }
        final String ref = new String(header, StandardCharsets.UTF_8);
        final int colon = ref.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        final ParsedSchema parsed = versions.computeIfAbsent(ref, r -> {
            try {
                return parse(client.schema(ref.substring(0, colon)), Integer.parseInt(ref.substring(colon + 1)));
            } catch (JunctionException | NumberFormatException e) {
                return null; // deleted meanwhile, or not ours: show the bytes
            }
        });
        return binary(parsed) ? parsed.toJson(value) : null;
    }

    /** Values of these schemas are binary; the others' are text already. */
    private static boolean binary(ParsedSchema parsed) {
        return parsed != null && (parsed.type() == SchemaType.AVRO || parsed.type() == SchemaType.PROTOBUF);
    }

    private static ParsedSchema parse(SchemaInfo schema, int version) {
        if (version < 1 || version > schema.latestVersion()) {
            return null;
        }
        try {
            return Schemas.parse(SchemaType.parse(schema.type()), schema.versions().get(version - 1),
                    schema.messageTypes().get(version - 1));
        } catch (SchemaException e) {
            return null; // a type this CLI does not know
        }
    }

    /** Values sent as typed. */
    static Function<String, byte[]> utf8() {
        return s -> s.getBytes(StandardCharsets.UTF_8);
    }
}
