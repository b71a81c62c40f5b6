package io.junction.schema;

import java.util.Locale;

/** The schema languages a registry holds. Protobuf comes next (issue #6). */
public enum SchemaType {
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
        if (wireName.equals("protobuf")) {
            throw new SchemaException("schema type 'protobuf' is not supported yet (json, avro and graphql are)");
        }
        throw new SchemaException("unknown schema type '" + wireName + "': use json, avro or graphql");
    }
}
