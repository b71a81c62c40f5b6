package io.junction.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The typed helpers' Jackson side, in a class of its own so that the client loads Jackson (an optional
 * dependency) only when a JSON helper is used.
 */
final class TypedValues {

    /** Shared: an ObjectMapper is thread-safe once configured. */
    static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    private TypedValues() {
    }

    static byte[] toJson(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    static <T> T fromJson(byte[] value, Class<T> type) {
        try {
            return MAPPER.readValue(value, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("the value is not JSON of " + type.getName() + ": " + e.getMessage(),
                    e);
        }
    }
}
