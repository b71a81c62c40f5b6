package io.junction.client;

import java.time.Instant;
import java.util.List;

/**
 * A schema of the broker's registry.
 *
 * @param type {@code json}, {@code avro} or {@code graphql}
 * @param compatibility {@code NONE}, {@code BACKWARD}, {@code FORWARD}, {@code FULL}, or one of those with
 *     {@code _TRANSITIVE}
 * @param versions the definitions, version 1 first
 * @param stations the stations it is attached to
 */
public record SchemaInfo(String name, String type, String compatibility, List<String> versions, Instant createdAt,
        List<String> stations) {

    public SchemaInfo {
        versions = List.copyOf(versions);
        stations = List.copyOf(stations);
    }

    public int latestVersion() {
        return versions.size();
    }
}
