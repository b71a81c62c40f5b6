package io.junction.connect;

import java.util.Map;
import java.util.Set;

/**
 * A connector as {@code connector info} and {@code connector list} show it: its configuration without secret
 * values (only their names), whether it is paused, and its live status.
 */
public record ConnectorInfo(String tenant, String name, String type, Map<String, String> options,
        Set<String> secretNames, boolean paused, long createdMs, ConnectorStatus status) {

    public ConnectorInfo {
        options = Map.copyOf(options);
        secretNames = Set.copyOf(secretNames);
    }
}
