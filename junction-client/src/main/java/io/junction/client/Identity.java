package io.junction.client;

import java.time.Instant;
import java.util.List;

/**
 * Who the broker takes the client for ({@link JunctionClient#whoAmI()}).
 *
 * @param role         {@code root}, {@code admin}, {@code producer}, {@code consumer} or {@code viewer}
 * @param stations     allow patterns; empty: every station of the tenant
 * @param denyStations deny patterns, which beat the allow patterns
 * @param via          {@code loopback}, {@code password}, {@code session} or {@code token:NAME}
 * @param expiresAt    when the session or token ends; null: never
 */
public record Identity(String tenant, String user, String role, List<String> stations, List<String> denyStations,
        String via, Instant expiresAt) {

    public Identity {
        stations = List.copyOf(stations);
        denyStations = List.copyOf(denyStations);
    }
}
