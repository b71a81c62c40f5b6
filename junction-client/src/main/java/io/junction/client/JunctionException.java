package io.junction.client;

import java.util.Objects;

import io.junction.errors.ErrorCode;

/**
 * A call to the broker failed; {@link #code()} says why, {@link #retriable()} whether trying again may help. The code
 * is Junction's one error enum, {@link ErrorCode io.junction.errors.ErrorCode} (module junction-errors, which the
 * client brings along): the broker's codes, plus the client's own {@code UNAVAILABLE} and {@code UNKNOWN}.
 */
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
