package io.junction.schema;

import java.util.List;

/**
 * One parsed schema version: it validates values, and compares itself with another version. Immutable and
 * thread-safe: parse once per version and share it (parsing compiles the validator).
 */
public interface ParsedSchema {

    SchemaType type();

    /** The definition as given. */
    String definition();

    /** For Protobuf, the fully qualified message type values are; else empty. */
    default String messageType() {
        return "";
    }

    /** Null when {@code value} is valid; else the reason, precise enough for the producer to fix the message. */
    String violation(byte[] value);

    /**
     * What keeps this schema, as the reader, from reading every value valid under {@code writer}: one entry per
     * problem, each naming the rule and where ({@code "TYPE_NARROWED at #/properties/age: ..."}); empty when it can
     * read them all. {@code writer} is of the same type.
     */
    List<String> cannotRead(ParsedSchema writer);

    /**
     * The rules on how a version may follow {@code earlier} that are not about reading one with the other (in
     * Protobuf: a field number dropped without reserving it); empty by default. Same format as {@link #cannotRead}.
     */
    default List<String> cannotFollow(ParsedSchema earlier) {
        return List.of();
    }

    /**
     * The value a message written as JSON has under this schema, through the schema's JSON mapping: for JSON
     * Schema the JSON itself; for Protobuf the binary encoding of the message written in Protobuf's JSON mapping;
     * for Avro the Avro binary of the record written in Avro's JSON encoding; for GraphQL
     * (whose values are documents, not JSON) the text as it is.
     *
     * @throws SchemaException when the JSON does not fit the schema's mapping, with the reason
     */
    default byte[] fromJson(String json) {
        return json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The inverse of {@link #fromJson}, for showing a value: null when it cannot be decoded. */
    default String toJson(byte[] value) {
        return new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
