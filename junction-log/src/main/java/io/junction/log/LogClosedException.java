package io.junction.log;

/** The log was closed, or failed (an fsync or write error) and must be reopened to run recovery. */
public final class LogClosedException extends LogException {

    private static final long serialVersionUID = 1L;

    public LogClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
