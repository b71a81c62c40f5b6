package io.junction.tier;

import java.io.IOException;
import java.io.Serial;

/** Any failure talking to the store other than "absent": the message says which operation, key and why. */
public class ObjectStoreException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Public so that other {@link ObjectStore} implementations (and test fakes) can fail the same way. */
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
