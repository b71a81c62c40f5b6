package io.junction.connect.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.junction.broker.BrokerException;
import io.junction.connect.ConnectorContext;
import io.junction.errors.ErrorCode;

/**
 * A postgres connector's options, checked once: every option's name, default and meaning are here. A bad value is
 * refused with INVALID_CONFIG naming the option. Immutable.
 *
 * @param tables the captured tables, each {@code schema.table} (a bare name is in {@code public})
 */
record PostgresConfig(String url, String user, List<String> tables, String station, boolean snapshot, String slot,
        String publication, long walWarnBytes) {

    static final String URL = "url";
    static final String USER = "user";
    static final String TABLES = "tables";
    static final String STATION = "station";
    static final String SNAPSHOT = "snapshot";
    static final String SLOT = "slot";
    static final String PUBLICATION = "publication";
    static final String WAL_WARN_BYTES = "wal-warn-bytes";
    static final String PASSWORD = "password";

    static final long DEFAULT_WAL_WARN_BYTES = 1L << 30;

    static final Map<String, String> OPTIONS;

    static {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(URL, "the database: jdbc:postgresql://HOST:PORT/DB");
        o.put(USER, "a PostgreSQL role with the REPLICATION attribute that may read the tables");
        o.put(TABLES, "the tables to capture, comma-separated: schema.table (e.g. public.employees)");
        o.put(STATION, "the station every change is produced to");
        o.put(SNAPSHOT, "initial (default: the tables' existing rows first, as op r) or never");
        o.put(SLOT, "the logical replication slot (default: junction_<tenant>_<name>, sanitized)");
        o.put(PUBLICATION, "the publication (default: junction_<tenant>_<name>, sanitized); created if missing");
        o.put(WAL_WARN_BYTES, "warn when the slot retains more WAL than this (default 1073741824, 1 GiB)");
        OPTIONS = java.util.Collections.unmodifiableMap(o);
    }

    static final Set<String> REQUIRED = Set.of(URL, USER, TABLES, STATION);

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");

    /** Parses and checks the context's options (nothing is contacted). */
    static PostgresConfig of(ConnectorContext ctx) {
        for (String name : ctx.options().keySet()) {
            if (!OPTIONS.containsKey(name)) {
                throw invalid(name, "unknown option '" + name + "' for type postgres: use " + String.join(", ",
                        OPTIONS.keySet()));
            }
        }
        for (String name : REQUIRED) {
            if (ctx.option(name, "").isBlank()) {
                throw invalid(name, "option '" + name + "' is required: " + OPTIONS.get(name));
            }
        }
        String url = ctx.option(URL, "");
        if (!url.startsWith("jdbc:postgresql://")) {
            throw invalid(URL, "option 'url' must be jdbc:postgresql://HOST:PORT/DB, was '" + url + "'");
        }
        List<String> tables = new ArrayList<>();
        for (String t : ctx.option(TABLES, "").split(",")) {
            String table = t.strip();
            if (!TABLE.matcher(table).matches()) {
                throw invalid(TABLES, "option 'tables': '" + table + "' is not schema.table (plain identifiers)");
            }
            String qualified = table.contains(".") ? table : "public." + table;
            if (!tables.contains(qualified)) {
                tables.add(qualified);
            }
        }
        String snapshotMode = ctx.option(SNAPSHOT, "initial");
        if (!snapshotMode.equals("initial") && !snapshotMode.equals("never")) {
            throw invalid(SNAPSHOT, "option 'snapshot' is initial or never, was '" + snapshotMode + "'");
        }
        String derived = sanitize("junction_" + ctx.tenant() + "_" + ctx.name());
        String slot = identifier(ctx, SLOT, derived);
        String publication = identifier(ctx, PUBLICATION, derived);
        long warn;
        try {
            warn = Long.parseLong(ctx.option(WAL_WARN_BYTES, Long.toString(DEFAULT_WAL_WARN_BYTES)));
        } catch (NumberFormatException e) {
            warn = -1;
        }
        if (warn <= 0) {
            throw invalid(WAL_WARN_BYTES, "option 'wal-warn-bytes' is a number of bytes above 0, was '"
                    + ctx.option(WAL_WARN_BYTES, "") + "'");
        }
        return new PostgresConfig(url, ctx.option(USER, ""), List.copyOf(tables), ctx.option(STATION, ""),
                snapshotMode.equals("initial"), slot, publication, warn);
    }

    private static String identifier(ConnectorContext ctx, String option, String fallback) {
        String value = ctx.option(option, fallback);
        if (!IDENTIFIER.matcher(value).matches()) {
            throw invalid(option, "option '" + option + "' is 1 to 63 of [a-z0-9_], was '" + value + "'");
        }
        return value;
    }

    /** Lower case, every character outside [a-z0-9_] replaced by '_', at most 63 characters (PostgreSQL's limit). */
    static String sanitize(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    private static BrokerException invalid(String option, String message) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, message);
    }
}
