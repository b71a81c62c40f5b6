package io.junction.tier;

import io.junction.log.LogException;

/**
 * A segment could not be read back from the object store: unreachable, missing, or refused by its digest or its
 * authenticated encryption (a tampered object is never served). Retriable unless the object is damaged.
 */
public final class RemoteReadException extends LogException {

    private static final long serialVersionUID = 1L;

    RemoteReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
