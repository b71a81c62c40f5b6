package io.junction.broker;

import io.junction.errors.ErrorCode;
import java.util.Map;

/** A request the broker refused or could not carry out, with its stable {@link ErrorCode}. */
public final class BrokerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    /** For a refused produce request: message index → why that message was refused (empty otherwise). */
    private final transient Map<Integer, String> rejected;

    public BrokerException(ErrorCode code, String message) {
        super(message);
        this.code = code;
        this.rejected = Map.of();
    }

    public BrokerException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.rejected = Map.of();
    }

    /** A produce request refused because of some of its messages: {@code rejected} says which and why. */
    public BrokerException(ErrorCode code, String message, Map<Integer, String> rejected) {
        super(message);
        this.code = code;
        this.rejected = Map.copyOf(rejected);
    }

    public ErrorCode code() {
        return code;
    }

    /** Message index → why it was refused, for a produce request refused because of those messages; else empty. */
    public Map<Integer, String> rejected() {
        return rejected;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
