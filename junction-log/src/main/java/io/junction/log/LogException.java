package io.junction.log;

/** Base of the log's exceptions; unchecked because callers mostly cannot recover except by reporting. */
public class LogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }
}
