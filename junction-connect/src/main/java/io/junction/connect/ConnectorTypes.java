package io.junction.connect;

import java.util.List;

/** The connector types this broker runs. */
public final class ConnectorTypes {

    private ConnectorTypes() {
    }

    /** Every type, as {@link Connectors#open} takes them. */
    public static List<ConnectorType> all() {
        return List.of();
    }
}
