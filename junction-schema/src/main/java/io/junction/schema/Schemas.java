package io.junction.schema;

import java.util.Objects;

/** Parses definitions. Stateless; thread-safe. */
public final class Schemas {

    private Schemas() {
    }

    /**
     * Parses (and compiles) a definition.
     *
     * @throws SchemaException when it does not parse, with the parser's reason
     */
    public static ParsedSchema parse(SchemaType type, String definition) {
        Objects.requireNonNull(type, "type");
        if (definition == null || definition.isBlank()) {
            throw new SchemaException("the " + type.wireName() + " schema definition is empty");
        }
        return switch (type) {
            case JSON -> JsonSchemas.parse(definition);
            case AVRO -> AvroSchemas.parse(definition);
            case GRAPHQL -> GraphQlSchemas.parse(definition);
        };
    }
}
