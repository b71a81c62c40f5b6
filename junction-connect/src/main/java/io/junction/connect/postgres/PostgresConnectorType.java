package io.junction.connect.postgres;

import java.util.Map;
import java.util.Set;

import io.junction.connect.Connector;
import io.junction.connect.ConnectorContext;
import io.junction.connect.ConnectorType;

/**
 * {@code --type postgres}: change data capture from PostgreSQL by logical replication ({@code pgoutput}), one
 * message per row change on a station. See docs/connectors.md, "postgres". Stateless; thread-safe.
 */
public final class PostgresConnectorType implements ConnectorType {

    public static final String NAME = "postgres";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> options() {
        return PostgresConfig.OPTIONS;
    }

    @Override
    public Map<String, String> secrets() {
        return Map.of(PostgresConfig.PASSWORD, "the password of the PostgreSQL user");
    }

    @Override
    public Set<String> required() {
        return PostgresConfig.REQUIRED;
    }

    @Override
    public void validate(ConnectorContext context) {
        PostgresConfig config = PostgresConfig.of(context);
        context.broker().stationInfo(context.tenant(), config.station()); // UNKNOWN_STATION
    }

    @Override
    public Connector create(ConnectorContext context) {
        return new PostgresConnector(context, PostgresConfig.of(context));
    }
}
