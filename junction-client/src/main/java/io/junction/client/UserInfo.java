package io.junction.client;

import java.time.Instant;
import java.util.List;

/** A user of a tenant; never its password. {@code hasPassword} false: it acts only through tokens. */
public record UserInfo(String tenant, String name, String role, List<String> stations, List<String> denyStations,
        Instant created, boolean hasPassword) {

    public UserInfo {
        stations = List.copyOf(stations);
        denyStations = List.copyOf(denyStations);
    }
}
