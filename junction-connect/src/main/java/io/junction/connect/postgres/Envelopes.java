package io.junction.connect.postgres;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON the connector writes: a change's key ({@code {"id":42}}, the primary key's columns in key order), its
 * envelope ({@code {"op","before","after","source"}}), and the JSON Schema of a table's envelopes. Column values
 * are PostgreSQL's text forms mapped by type:
 *
 * <ul>
 *   <li>boolean → true/false; smallint, integer, bigint, oid → a JSON integer;</li>
 *   <li>real, double precision → a JSON number ("NaN", "Infinity", "-Infinity" as strings);</li>
 *   <li>numeric → a string ({@code "12.50"}): exact, whatever its precision;</li>
 *   <li>json, jsonb → the JSON value itself;</li>
 *   <li>everything else (text, varchar, timestamps, uuid, bytea as {@code \x...}, arrays...) → PostgreSQL's text
 *   form as a string.</li>
 * </ul>
 *
 * Stateless; thread-safe.
 */
final class Envelopes {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static final int BOOL = 16;
    static final int INT8 = 20;
    static final int INT2 = 21;
    static final int INT4 = 23;
    static final int OID = 26;
    static final int JSON_OID = 114;
    static final int FLOAT4 = 700;
    static final int FLOAT8 = 701;
    static final int NUMERIC = 1700;
    static final int JSONB = 3802;

    private Envelopes() {
    }

    /** A captured table: its columns in table order (name → type oid) and its key's columns in key order. */
    record Table(String name, LinkedHashMap<String, Integer> columns, List<String> key) {
    }

    /** One column's value as JSON, from its text form ({@code text} null: SQL NULL). */
    static JsonNode value(int typeOid, String text) {
        if (text == null) {
            return NODES.nullNode();
        }
        switch (typeOid) {
            case BOOL:
                return NODES.booleanNode(text.equals("t") || text.equals("true"));
            case INT2, INT4, INT8, OID:
                return NODES.numberNode(Long.parseLong(text));
            case FLOAT4, FLOAT8:
                if (text.equals("NaN") || text.contains("Infinity")) {
                    return NODES.textNode(text);
                }
                return NODES.numberNode(Double.parseDouble(text));
            case JSON_OID, JSONB:
                try {
                    return JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    return NODES.textNode(text);
                }
            default:
                return NODES.textNode(text);
        }
    }

    /** The key: the key columns of {@code row} (name → JSON value) in key order, as JSON bytes. */
    static byte[] key(Table table, Map<String, JsonNode> row) {
        ObjectNode key = NODES.objectNode();
        for (String c : table.key()) {
            key.set(c, row.getOrDefault(c, NODES.nullNode()));
        }
        return bytes(key);
    }

    static String keyText(Table table, Map<String, JsonNode> row) {
        return new String(key(table, row), StandardCharsets.UTF_8);
    }

    /**
     * An envelope. {@code txid} below 0 and {@code commitMicros} {@link Long#MIN_VALUE} are left out (snapshot
     * reads carry no transaction).
     */
    static byte[] envelope(String op, Map<String, JsonNode> before, Map<String, JsonNode> after, String table,
            String lsn, long txid, long commitMicros) {
        ObjectNode e = NODES.objectNode();
        e.put("op", op);
        e.set("before", row(before));
        e.set("after", row(after));
        ObjectNode source = e.putObject("source");
        source.put("table", table);
        source.put("lsn", lsn);
        if (txid >= 0) {
            source.put("txid", txid);
        }
        if (commitMicros != Long.MIN_VALUE) {
            long unixMicros = commitMicros + PgOutput.PG_EPOCH_MICROS;
            source.put("commit_ts", Instant.ofEpochSecond(Math.floorDiv(unixMicros, 1_000_000L),
                    Math.floorMod(unixMicros, 1_000_000L) * 1000L).toString());
        }
        if (op.equals("r")) {
            source.put("snapshot", true);
        }
        return bytes(e);
    }

    private static JsonNode row(Map<String, JsonNode> row) {
        if (row == null) {
            return NODES.nullNode();
        }
        ObjectNode o = NODES.objectNode();
        row.forEach(o::set);
        return o;
    }

    /**
     * The JSON Schema of a table's envelopes, its rows having {@code columns} (name → the column's JSON Schema, see
     * {@link #columnSchema}). Open models: a column added later is a compatible change.
     */
    static String schema(String tableName, Map<String, JsonNode> columns) {
        ObjectNode s = NODES.objectNode();
        s.put("title", tableName + " change (Junction postgres connector)");
        s.put("type", "object");
        ArrayNode required = s.putArray("required");
        required.add("op");
        required.add("source");
        ObjectNode props = s.putObject("properties");
        ArrayNode ops = props.putObject("op").putArray("enum");
        for (String op : List.of("c", "u", "d", "r", "t")) {
            ops.add(op);
        }
        ObjectNode row = NODES.objectNode();
        row.putArray("type").add("object").add("null");
        ObjectNode rowColumns = row.putObject("properties");
        columns.forEach(rowColumns::set);
        props.set("before", row);
        props.set("after", row.deepCopy());
        ObjectNode source = props.putObject("source");
        source.put("type", "object");
        source.putArray("required").add("table").add("lsn");
        ObjectNode sourceProps = source.putObject("properties");
        sourceProps.putObject("table").put("type", "string");
        sourceProps.putObject("lsn").put("type", "string");
        sourceProps.putObject("txid").put("type", "integer");
        sourceProps.putObject("commit_ts").put("type", "string");
        sourceProps.putObject("snapshot").put("type", "boolean");
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON Schema of a column of type {@code oid}'s values, always nullable. */
    static ObjectNode columnSchema(int oid) {
        ObjectNode c = NODES.objectNode();
        List<String> types = new ArrayList<>();
        switch (oid) {
            case BOOL -> types.add("boolean");
            case INT2, INT4, INT8, OID -> types.add("integer");
            case FLOAT4, FLOAT8 -> {
                types.add("number");
                types.add("string");
            }
            case JSON_OID, JSONB -> {
                return c; // any JSON value
            }
            default -> types.add("string");
        }
        types.add("null");
        ArrayNode t = c.putArray("type");
        types.forEach(t::add);
        return c;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
