package io.junction.broker;

import io.junction.schema.Compatibility;
import io.junction.schema.SchemaType;
import java.util.List;

/**
 * A schema of the registry: its type, compatibility mode, and versions (1..n, oldest first: the definitions, and
 * for Protobuf the message type of each, else ""); the stations it is attached to.
 */
public record SchemaInfo(String tenant, String name, SchemaType type, Compatibility compatibility,
        List<String> versions, List<String> messageTypes, long createdAtMs, List<String> stations) {

    public SchemaInfo {
        versions = List.copyOf(versions);
        messageTypes = List.copyOf(messageTypes);
        stations = List.copyOf(stations);
    }

    public int latestVersion() {
        return versions.size();
    }
}
