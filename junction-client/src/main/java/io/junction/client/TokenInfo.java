package io.junction.client;

import java.time.Instant;
import java.util.List;

/** An API token of a tenant; never its secret. {@code expiresAt} null: never. */
public record TokenInfo(String tenant, String name, String role, List<String> stations, List<String> denyStations,
        String createdBy, Instant created, Instant expiresAt) {

    public TokenInfo {
        stations = List.copyOf(stations);
        denyStations = List.copyOf(denyStations);
    }
}
