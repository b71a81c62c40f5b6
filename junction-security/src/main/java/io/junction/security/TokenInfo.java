package io.junction.security;

/** An API token as listings show it: never its secret nor the secret's hash. {@code expiresMs} 0: never. */
public record TokenInfo(String tenant, String name, Role role, StationRules stations, String createdBy,
        long createdMs, long expiresMs) {
}
