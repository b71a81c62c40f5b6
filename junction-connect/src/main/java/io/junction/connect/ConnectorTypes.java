package io.junction.connect;

import java.util.List;

import io.junction.connect.postgres.PostgresConnectorType;

/** The connector types this broker runs. */
public final class ConnectorTypes {

    private ConnectorTypes() {
    }

    /** Every type, as {@link Connectors#open} takes them. */
    public static List<ConnectorType> all() {
        return List.of(new PostgresConnectorType(), new io.junction.connect.http.HttpSinkType());
    }
}
