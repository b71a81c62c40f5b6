package io.junction.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A connector the broker runs (docs/connectors.md): its configuration (never its secrets' values, only their names)
 * and live status.
 *
 * @param state     "starting", "running", "paused", "failed" (the connector retries) or "stopped"
 * @param lastError the last failure since the last success; "" when none
 * @param position  where it is, in its own terms (a PostgreSQL LSN; a group's offsets)
 * @param lag       how far behind, in {@code lagUnit}; -1 when unknown
 */
public record ConnectorInfo(String tenant, String name, String type, String station, Map<String, String> options,
        List<String> secrets, boolean paused, Instant created, String state, String lastError, String position,
        long lag, String lagUnit, Map<String, Long> counts, List<String> warnings) {

    public ConnectorInfo {
        options = Map.copyOf(options);
        secrets = List.copyOf(secrets);
        counts = Map.copyOf(counts);
        warnings = List.copyOf(warnings);
    }

    static ConnectorInfo of(io.junction.api.v1.ConnectorInfo c) {
        return new ConnectorInfo(c.getTenant(), c.getName(), c.getType(), c.getStation(), c.getOptionsMap(),
                c.getSecretsList(), c.getPaused(), Instant.ofEpochMilli(c.getCreatedMs()), c.getState(),
                c.getLastError(), c.getPosition(), c.getLag(), c.getLagUnit(), c.getCountsMap(), c.getWarningsList());
    }
}
