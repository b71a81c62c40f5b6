package io.junction.schema;

/**
 * A definition that does not parse (with the parser's reason), a version that breaks its schema's compatibility
 * (with what breaks), or another refusal of this module. Nothing is changed by the call that throws it.
 */
public class SchemaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SchemaException(String message) {
        super(message);
    }

    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
