package io.junction.client;

import java.util.Objects;

/** A call to the broker failed; {@link #code()} says why, {@link #retriable()} whether trying again may help. */
public class JunctionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retriable;

    public JunctionException(ErrorCode code, String message) {
        this(code, message, code.retriable(), null);
    }

    public JunctionException(ErrorCode code, String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.retriable = retriable;
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retriable() {
        return retriable;
    }

    /** {@code CODE: message}, the form the CLI prints. */
    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
