package io.junction.schema;

import java.util.Locale;

/** The schema languages a registry holds. */
public enum SchemaType {
    /** Protocol Buffers: a {@code .proto} file (proto2 or proto3) and a message type; values are its binary form. */
    PROTOBUF,
    /** JSON Schema, drafts 4, 6, 7, 2019-09 and 2020-12 (by the definition's {@code $schema}; 2020-12 without). */
    JSON,
    /** Apache Avro ({@code .avsc}); values are Avro binary. */
    AVRO,
    /** A GraphQL SDL schema; values are GraphQL operation documents that must validate against it. */
    GRAPHQL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws SchemaException for a name that is not a schema type (naming the ones there are) */
    public static SchemaType parse(String wireName) {
        for (SchemaType t : values()) {
            if (t.wireName().equals(wireName)) {
                return t;
            }
        }
        throw new SchemaException("unknown schema type '" + wireName + "': use protobuf, json, avro or graphql");
    }
}
