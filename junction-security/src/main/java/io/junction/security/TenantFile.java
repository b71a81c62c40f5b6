package io.junction.security;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What one tenant's {@code access.json} holds: its users (password hashes only), API tokens and sessions (the
 * SHA-256 of each secret only). Immutable: a change writes a new file and replaces the object.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record TenantFile(int version, List<User> users, List<Token> tokens, List<Session> sessions) {

    static final int VERSION = 1;
    static final TenantFile EMPTY = new TenantFile(VERSION, List.of(), List.of(), List.of());

    TenantFile {
        users = users == null ? List.of() : List.copyOf(users);
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record User(String name, String role, List<String> stations, List<String> deny, String password,
            long createdMs, Boolean readValues) {
        /** Whether it was granted the values of messages its role alone would not show (a viewer's). */
        boolean valuesGranted() {
            return Boolean.TRUE.equals(readValues);
        }

        @JsonIgnore
        StationRules rules() {
            return new StationRules(stations, deny);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Token(String id, String name, String role, List<String> stations, List<String> deny, String createdBy,
            long createdMs, long expiresMs, String sha256, Boolean readValues) {
        boolean valuesGranted() {
            return Boolean.TRUE.equals(readValues);
        }

        @JsonIgnore
        StationRules rules() {
            return new StationRules(stations, deny);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Session(String id, String user, long createdMs, long expiresMs, String sha256) {
    }

    @JsonIgnore
    Map<String, User> usersByName() {
        return users.stream().collect(Collectors.toMap(User::name, Function.identity()));
    }

    User user(String name) {
        for (User u : users) {
            if (u.name().equals(name)) {
                return u;
            }
        }
        return null;
    }

    Token tokenNamed(String name) {
        for (Token t : tokens) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    TenantFile withUsers(List<User> users) {
        return new TenantFile(VERSION, users, tokens, sessions);
    }

    TenantFile withTokens(List<Token> tokens) {
        return new TenantFile(VERSION, users, tokens, sessions);
    }

    TenantFile withSessions(List<Session> sessions) {
        return new TenantFile(VERSION, users, tokens, sessions);
    }
}
