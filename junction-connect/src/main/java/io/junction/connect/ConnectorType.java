package io.junction.connect;

import java.util.Map;
import java.util.Set;

/**
 * A kind of connector ({@code --type postgres}, {@code --type http-sink}): which options it takes, how it checks
 * them, and how it builds a running {@link Connector}. Options are strings by name (the CLI's {@code --name value});
 * secrets are given apart, stored sealed and never shown.
 */
public interface ConnectorType {

    /** The type's name, as {@code --type} takes it. */
    String name();

    /** Every option it takes, by name, with a one-line description (for errors and {@code --help}). */
    Map<String, String> options();

    /** The names of the secrets it takes (e.g. "password"), with a one-line description each. */
    Map<String, String> secrets();

    /**
     * Checks a configuration before anything is stored or started: unknown or missing options, malformed values,
     * a station that does not exist. Does not connect anywhere: a server that cannot be reached is a failure
     * {@code connector info} shows, not a refusal.
     *
     * @throws io.junction.broker.BrokerException INVALID_CONFIG naming the option, UNKNOWN_STATION
     */
    void validate(ConnectorContext context);

    /** Builds the connector; it starts on {@link Connector#start()}. */
    Connector create(ConnectorContext context);

    /** Option names a configuration may not omit. */
    default Set<String> required() {
        return Set.of();
    }
}
