package io.junction.security;

/**
 * An API token as listings show it: never its secret nor the secret's hash. {@code expiresMs} 0: never;
 * {@code readValues}: granted message values.
 */
public record TokenInfo(String tenant, String name, Role role, StationRules stations, String createdBy,
        long createdMs, long expiresMs, boolean readValues) {
}
