package io.junction.tier;

import java.io.IOException;
import java.io.Serial;

/**
 * A sealed object failed authentication: altered, truncated, reordered, sealed for another context, under an
 * unknown key, or not a sealed object at all. No plaintext of it was returned.
 */
public class TamperedObjectException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    public TamperedObjectException(String message) {
        super(message);
    }

    public TamperedObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
