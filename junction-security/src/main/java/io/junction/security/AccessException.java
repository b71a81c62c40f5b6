package io.junction.security;

import io.junction.errors.ErrorCode;

/** A refused access call or credential, with its code; its message never holds a secret. */
public final class AccessException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public AccessException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
