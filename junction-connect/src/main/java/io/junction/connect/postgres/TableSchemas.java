package io.junction.connect.postgres;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.broker.SchemaInfo;
import io.junction.errors.ErrorCode;
import io.junction.schema.Compatibility;
import io.junction.schema.SchemaType;

/**
 * The JSON Schemas of a connector's envelopes in the tenant's registry, one per table, named
 * {@code <connector>.<schema>.<table>}: registered at start, given a new version when a table gains a column (or a
 * column's JSON type changes), attached to the station when it captures one table and has no schema. A column is
 * never removed from a schema (a dropped column stays, optional), so versions only grow.
 *
 * <p>Not thread-safe: the connector's worker thread uses it.
 */
final class TableSchemas {

    private final Broker broker;
    private final String tenant;
    private final String connector;
    private final String station;
    private final boolean attach;
    /** By table: the columns of its latest registered version, name → the column's JSON Schema. */
    private final Map<String, LinkedHashMap<String, JsonNode>> registered = new HashMap<>();

    TableSchemas(Broker broker, String tenant, String connector, String station, boolean attach) {
        this.broker = broker;
        this.tenant = tenant;
        this.connector = connector;
        this.station = station;
        this.attach = attach;
    }

    static String schemaName(String connector, String table) {
        return (connector + "." + table).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]", "_");
    }

    /** Makes the table's schema hold every column of {@code table}, adding a version when it did not. */
    void ensure(Envelopes.Table table) {
        String name = schemaName(connector, table.name());
        LinkedHashMap<String, JsonNode> known = registered.get(table.name());
        if (known == null) {
            known = latest(name);
        }
        LinkedHashMap<String, JsonNode> merged = new LinkedHashMap<>(known == null ? Map.of() : known);
        boolean changed = known == null;
        for (Map.Entry<String, Integer> c : table.columns().entrySet()) {
            JsonNode column = Envelopes.columnSchema(c.getValue());
            if (!column.equals(merged.put(c.getKey(), column))) {
                changed = true;
            }
        }
        if (changed) {
            String definition = Envelopes.schema(table.name(), merged);
            if (known == null) {
                broker.createSchema(tenant, name, SchemaType.JSON, definition, Compatibility.BACKWARD);
            } else {
                broker.addSchemaVersion(tenant, name, definition);
            }
        }
        registered.put(table.name(), merged);
        if (attach && broker.stationInfo(tenant, station).config().schema() == null) {
            broker.attachSchema(tenant, station, name, 0, false);
        }
    }

    /** The columns of the schema's latest version, or null when there is no such schema. */
    private LinkedHashMap<String, JsonNode> latest(String name) {
        SchemaInfo info;
        try {
            info = broker.schemaInfo(tenant, name);
        } catch (BrokerException e) {
            if (e.code() == ErrorCode.UNKNOWN_SCHEMA) {
                return null;
            }
            throw e;
        }
        try {
            JsonNode props = Envelopes.JSON.readTree(info.versions().get(info.versions().size() - 1))
                    .path("properties").path("after").path("properties");
            LinkedHashMap<String, JsonNode> columns = new LinkedHashMap<>();
            props.properties().forEach(f -> columns.put(f.getKey(), f.getValue()));
            return columns;
        } catch (IOException e) {
            throw new IllegalStateException("schema " + name + " is not JSON: " + e.getMessage(), e);
        }
    }
}
