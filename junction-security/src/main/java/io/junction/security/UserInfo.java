package io.junction.security;

/** A user as listings show it: never its password hash. {@code readValues}: granted message values. */
public record UserInfo(String tenant, String name, Role role, StationRules stations, long createdMs,
        boolean hasPassword, boolean readValues) {
}
