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
        return parse(type, definition, null);
    }

    /**
     * Parses (and compiles) a definition.
     *
     * @param messageType for Protobuf, the message type values are (fully qualified, or its name inside the
     *     file's package); null or blank: the first message the file declares. Must be null or blank for the
     *     other types.
     * @throws SchemaException when it does not parse, with the parser's reason
     */
    public static ParsedSchema parse(SchemaType type, String definition, String messageType) {
        Objects.requireNonNull(type, "type");
        if (definition == null || definition.isBlank()) {
            throw new SchemaException("the " + type.wireName() + " schema definition is empty");
        }
        if (type != SchemaType.PROTOBUF && messageType != null && !messageType.isBlank()) {
            throw new SchemaException("a message type is for protobuf schemas; this one is " + type.wireName());
        }
        return switch (type) {
            case PROTOBUF -> ProtobufSchemas.parse(definition, messageType);
            case JSON -> JsonSchemas.parse(definition);
            case AVRO -> AvroSchemas.parse(definition);
            case GRAPHQL -> GraphQlSchemas.parse(definition);
        };
    }
}
