package io.junction.client;

import java.time.Instant;
import java.util.List;

/**
 * A schema of the broker's registry.
 *
 * @param type {@code protobuf}, {@code json}, {@code avro} or {@code graphql}
 * @param compatibility {@code NONE}, {@code BACKWARD}, {@code FORWARD}, {@code FULL}, or one of those with
 *     {@code _TRANSITIVE}
 * @param versions the definitions, version 1 first
 * @param messageTypes per version, for Protobuf the fully qualified message type; else ""
 * @param stations the stations it is attached to
 */
public record SchemaInfo(String name, String type, String compatibility, List<String> versions,
        List<String> messageTypes, Instant createdAt, List<String> stations) {

    public SchemaInfo {
        versions = List.copyOf(versions);
        messageTypes = List.copyOf(messageTypes);
        stations = List.copyOf(stations);
    }

    public int latestVersion() {
        return versions.size();
    }
}
