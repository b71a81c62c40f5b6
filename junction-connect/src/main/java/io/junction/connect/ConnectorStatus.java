package io.junction.connect;

import java.util.List;
import java.util.Map;

/**
 * A connector's state as {@code connector info} shows it.
 *
 * @param state      running, paused, failed (retrying) or stopped
 * @param lastError  the last failure's message (null when none since the last success)
 * @param position   where the connector is, in its own terms (a PostgreSQL LSN; a group's offsets), or ""
 * @param lag        how far behind it is, in {@code lagUnit}; -1 when unknown
 * @param lagUnit    what {@code lag} counts ("bytes of WAL", "messages")
 * @param counts     counters since the broker started, by name ("changes", "delivered", "dead_lettered", ...)
 * @param warnings   what an operator should look at (a replication slot retaining much WAL), empty when none
 */
public record ConnectorStatus(State state, String lastError, String position, long lag, String lagUnit,
        Map<String, Long> counts, List<String> warnings) {

    public enum State { STARTING, RUNNING, PAUSED, FAILED, STOPPED }

    public ConnectorStatus {
        counts = Map.copyOf(counts);
        warnings = List.copyOf(warnings);
        position = position == null ? "" : position;
        lagUnit = lagUnit == null ? "" : lagUnit;
    }

    public static ConnectorStatus of(State state) {
        return new ConnectorStatus(state, null, "", -1, "", Map.of(), List.of());
    }
}
