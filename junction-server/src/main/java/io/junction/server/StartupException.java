package io.junction.server;

/**
 * The server could not start because of its surroundings (data directory, ports), not because of a bug. The
 * message is one sentence meant for the operator; the cause, if any, is the underlying I/O error.
 */
public final class StartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StartupException(String message) {
        super(message);
    }

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
