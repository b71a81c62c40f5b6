package io.junction.connect.postgres;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.junction.broker.Broker;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StationConfig;
import io.junction.connect.Connector;
import io.junction.connect.ConnectorContext;
import io.junction.connect.ConnectorStatus;
import io.junction.connect.ConnectorStatus.State;

/**
 * One postgres CDC connector: reads its tables' changes from a logical replication slot ({@code pgoutput}, protocol
 * 1) and produces one message per row change to its station. See docs/connectors.md, "postgres", for the contract.
 *
 * <p><b>Order of a transaction.</b> Its changes are buffered from Begin to Commit; committed transactions that
 * arrive back to back are produced together (at most {@value #CHUNK} messages per produce call, a transaction that
 * fits one call in one, in order), and once durable the last one's commit LSN is written to the state file
 * {@value #POSITION_FILE} (under load at most every {@value #POSITION_EVERY_MS} ms, at once when idle or stopping);
 * only then is its end LSN confirmed to PostgreSQL. A crash anywhere in between replays
 * the transactions: their msg-ids ({@code pg:<commit LSN>:<index>}) make the replay store nothing inside the
 * station's dedup window, and transactions whose commit LSN is at or below the stored position are skipped beyond
 * it.
 *
 * <p><b>State files.</b> {@value #POSITION_FILE} ({@code "<commit LSN> <end LSN>"}, decimal), {@value
 * #SNAPSHOT_FILE} (present once the initial snapshot is stored), {@value #SLOT_FILE} (written before the
 * connector creates its slot: a slot it created may be dropped and created again when a snapshot was cut short),
 * {@value #PUBLICATION_FILE} (written before it creates its publication: release drops only such a one).
 *
 * <p><b>Threads.</b> One worker thread per connector does everything that touches PostgreSQL or the broker
 * (connect, snapshot, stream, poll the slot's lag); it retries any failure with backoff (1 s doubling to 30 s,
 * back to 1 s once it streamed) and shows it in {@link #status()} meanwhile. {@link #stop()} closes the
 * connections from the caller's thread, which ends whatever the worker was blocked in, and joins it.
 * {@link #status()} reads volatile fields only.
 */
final class PostgresConnector implements Connector {

    private static final System.Logger LOG = System.getLogger(PostgresConnector.class.getName());

    /** State files (in the connector's state directory, written crash-safely by the context). */
    static final String POSITION_FILE = "position";
    static final String SNAPSHOT_FILE = "snapshot";
    static final String SLOT_FILE = "slot-created";
    static final String PUBLICATION_FILE = "publication-created";

    static final int CHUNK = 500;
    static final long CHUNK_BYTES = 4L << 20;
    static final long MIN_BACKOFF_MS = 1000;
    static final long MAX_BACKOFF_MS = 30_000;
    static final long LAG_POLL_MS = 2000;
    static final long PRODUCE_TIMEOUT_S = 60;
    static final long POSITION_EVERY_MS = 100;

    private final ConnectorContext ctx;
    private final PostgresConfig config;
    private final Broker broker;
    private final Object sleeper = new Object();
    private final TableSchemas schemas;

    private volatile boolean stopping;
    private volatile Thread worker;
    private volatile Connection sql;
    private volatile Connection replication;

    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile long position; // commit LSN of the last transaction all of whose messages are durable
    private volatile long lag = -1;
    private volatile List<String> warnings = List.of();
    private volatile String slotWarning;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong snapshotRows = new AtomicLong();
    private final CommitLag commitLag = new CommitLag();

    // worker-thread state
    private final Map<String, Envelopes.Table> tables = new HashMap<>(); // by schema.table, columns from the catalog
    private final Map<Integer, Envelopes.Table> relations = new HashMap<>(); // by relid, columns from the stream
    private long lastLagPoll;
    private boolean streamed; // this attempt got as far as streaming

    PostgresConnector(ConnectorContext ctx, PostgresConfig config) {
        this.ctx = ctx;
        this.config = config;
        this.broker = ctx.broker();
        this.schemas = new TableSchemas(broker, ctx.tenant(), ctx.name(), config.station(),
                config.tables().size() == 1);
    }

    @Override
    public synchronized void start() {
        if (worker != null) {
            return;
        }
        state = State.STARTING;
        Thread t = new Thread(this::run, "connector-postgres-" + ctx.tenant() + "-" + ctx.name());
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    @Override
    public void stop() {
        stopping = true;
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
        closeQuietly(replication);
        closeQuietly(sql);
        Thread t = worker;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(PRODUCE_TIMEOUT_S + 10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = State.STOPPED;
    }

    @Override
    public ConnectorStatus status() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("changes", changes.get());
        counts.put("transactions", transactions.get());
        counts.put("snapshot_rows", snapshotRows.get());
        commitLag.addTo(counts);
        List<String> w = new ArrayList<>(warnings);
        if (slotWarning != null) {
            w.add(slotWarning);
        }
        long p = position;
        return new ConnectorStatus(state, lastError, p == 0 ? "" : LogSequenceNumber.valueOf(p).asString(), lag,
                "bytes of WAL", counts, w);
    }

    @Override
    public void release() throws Exception {
        try (Connection c = connect(false)) {
            dropSlot(c);
            if (ctx.readState(PUBLICATION_FILE).isPresent()) {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP PUBLICATION IF EXISTS " + config.publication());
                }
            }
        }
    }

    /** Drops the slot, waiting (up to 10 s) for a walsender that still holds it to end. */
    private void dropSlot(Connection c) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                st.setString(1, config.slot());
                st.execute();
                return;
            } catch (SQLException e) {
                if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) { // 55006: slot is active
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    // ----- the worker ---------------------------------------------------------------------------------------------

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        while (!stopping) {
            streamed = false;
            try {
                stream();
            } catch (Exception | AssertionError e) {
                if (stopping) {
                    break;
                }
                state = State.FAILED;
                lastError = describe(e);
                LOG.log(System.Logger.Level.WARNING, "connector " + ctx.tenant() + "/" + ctx.name() + " failed ("
                        + "retrying in " + backoff + " ms): " + lastError);
            } finally {
                closeQuietly(replication);
                closeQuietly(sql);
            }
            if (stopping) {
                break;
            }
            if (streamed) { // it got as far as streaming: a new run of failures starts with a short wait
                backoff = MIN_BACKOFF_MS;
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
        state = State.STOPPED;
    }

    private void sleep(long ms) {
        long deadline = System.currentTimeMillis() + ms;
        synchronized (sleeper) {
            for (long left = ms; left > 0 && !stopping; left = deadline - System.currentTimeMillis()) {
                try {
                    sleeper.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }

    private Connection connect(boolean forReplication) throws SQLException {
        Properties p = new Properties();
        PGProperty.USER.set(p, config.user());
        PGProperty.PASSWORD.set(p, ctx.secret(PostgresConfig.PASSWORD).orElse(""));
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        PGProperty.APPLICATION_NAME.set(p, "junction-" + ctx.name());
        if (forReplication) {
            PGProperty.REPLICATION.set(p, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
            PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        } else {
            PGProperty.SOCKET_TIMEOUT.set(p, 120);
        }
        Connection c = new org.postgresql.Driver().connect(config.url(), p);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + config.url());
        }
        return c;
    }

    /** One attempt: connect, check, set up, snapshot if due, then stream until a failure or stop. */
    private void stream() throws Exception {
        state = State.STARTING; // the last error stays shown until streaming starts
        try {
            sql = connect(false);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to " + config.url() + " as " + config.user() + ": "
                    + e.getMessage(), e);
        }
        if (stopping) {
            return;
        }
        checkWalLevel();
        loadTables();
        ensurePublication();
        position = readPosition()[0];
        boolean snapshotDone = ctx.readState(SNAPSHOT_FILE).isPresent();
        boolean slotExists = slotExists();
        replication = connect(true);
        if (slotExists && !snapshotDone && config.snapshot() && ctx.readState(SLOT_FILE).isPresent()) {
            // the broker stopped mid-snapshot: start it again from scratch with a fresh slot (msg-ids make the
            // rows already produced harmless)
            dropSlot(sql);
            slotExists = false;
        }
        if (!slotExists) {
            if (snapshotDone) {
                slotWarning = "replication slot " + config.slot() + " was missing and was created again: changes "
                        + "committed while it was missing were not captured";
            }
            ctx.writeState(SLOT_FILE, config.slot().getBytes(StandardCharsets.UTF_8));
            if (config.snapshot() && !snapshotDone) {
                snapshotWithNewSlot();
            } else {
                createSlot(false);
            }
        } else if (config.snapshot() && !snapshotDone) {
            snapshot(null, "0/0"); // a slot created elsewhere: the snapshot is read now, not at the slot's point
        }
        if (!snapshotDone) {
            ctx.writeState(SNAPSHOT_FILE, "done".getBytes(StandardCharsets.UTF_8));
        }
        if (stopping) {
            return;
        }
        try {
            replicate();
        } catch (SQLException e) {
            throw new SQLException("replication from " + config.url() + " (slot " + config.slot() + "): "
                    + e.getMessage(), e.getSQLState(), e);
        }
    }

    private void checkWalLevel() throws SQLException {
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            String level = rs.getString(1);
            if (!level.equals("logical")) {
                throw new SQLException("PostgreSQL's wal_level is '" + level + "': logical replication needs "
                        + "wal_level = logical (set it in postgresql.conf and restart PostgreSQL)");
            }
        }
    }

    /**
     * Each captured table's columns and key: its primary key (in key order), else its replica identity index, else
     * none ({@code {}}). A table that does not exist is an error.
     */
    private void loadTables() throws SQLException {
        tables.clear();
        for (String name : config.tables()) {
            String[] parts = name.split("\\.", 2);
            LinkedHashMap<String, Integer> columns = new LinkedHashMap<>();
            try (PreparedStatement st = sql.prepareStatement("SELECT a.attname, a.atttypid::int FROM pg_attribute a "
                    + "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
                    + "AND NOT a.attisdropped ORDER BY a.attnum")) {
                st.setString(1, parts[0]);
                st.setString(2, parts[1]);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            if (columns.isEmpty()) {
                throw new SQLException("table " + name + " does not exist in " + config.url()
                        + " (option 'tables')");
            }
            List<String> key = new ArrayList<>();
            try (PreparedStatement st = sql.prepareStatement("SELECT a.attname FROM pg_index i "
                    + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                    + "WHERE i.indexrelid = (SELECT indexrelid FROM pg_index WHERE indrelid = ?::regclass "
                    + "AND (indisprimary OR indisreplident) ORDER BY indisprimary DESC LIMIT 1) "
                    + "ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
                st.setString(1, quote(parts[0]) + "." + quote(parts[1]));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        key.add(rs.getString(1));
                    }
                }
            }
            Envelopes.Table table = new Envelopes.Table(name, columns, key);
            tables.put(name, table);
            schemas.ensure(table);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private String quotedTable(String name) {
        String[] parts = name.split("\\.", 2);
        return quote(parts[0]) + "." + quote(parts[1]);
    }

    private void ensurePublication() throws SQLException, IOException {
        boolean exists;
        try (PreparedStatement st = sql.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            st.setString(1, config.publication());
            try (ResultSet rs = st.executeQuery()) {
                exists = rs.next();
            }
        }
        String tableList = String.join(", ", config.tables().stream().map(this::quotedTable).toList());
        try (Statement st = sql.createStatement()) {
            if (!exists) {
                ctx.writeState(PUBLICATION_FILE, config.publication().getBytes(StandardCharsets.UTF_8));
                st.execute("CREATE PUBLICATION " + config.publication() + " FOR TABLE " + tableList);
            } else if (ctx.readState(PUBLICATION_FILE).isPresent()) {
                st.execute("ALTER PUBLICATION " + config.publication() + " SET TABLE " + tableList);
            }
        }
    }

    private boolean slotExists() throws SQLException {
        try (PreparedStatement st = sql.prepareStatement(
                "SELECT plugin, database, current_database() FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, config.slot());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                if (!rs.getString(3).equals(rs.getString(2))) {
                    throw new SQLException("replication slot " + config.slot() + " belongs to database "
                            + rs.getString(2) + ", not " + rs.getString(3) + ": choose another name (option 'slot')");
                }
                if (!"pgoutput".equals(rs.getString(1))) {
                    throw new SQLException("replication slot " + config.slot() + " exists with plugin "
                            + rs.getString(1) + ", not pgoutput (option 'slot')");
                }
                return true;
            }
        }
    }

    /** Creates the slot; returns its consistent point and exported snapshot's name (null without export). */
    private String[] createSlot(boolean exportSnapshot) throws SQLException {
        try (Statement st = replication.createStatement(); ResultSet rs = st.executeQuery("CREATE_REPLICATION_SLOT "
                + config.slot() + " LOGICAL pgoutput " + (exportSnapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT"))) {
            rs.next();
            return new String[] {rs.getString(2), rs.getString(3)};
        }
    }

    private void snapshotWithNewSlot() throws Exception {
        String[] slot = createSlot(true);
        snapshot(slot[1], slot[0]);
    }

    /**
     * Reads every captured table in one REPEATABLE READ transaction (in the slot's exported snapshot when there is
     * one, so that the stream starts exactly where the snapshot ends) and produces each row as op r.
     */
    private void snapshot(String exportedSnapshot, String lsn) throws Exception {
        sql.setAutoCommit(false);
        sql.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement st = sql.createStatement()) {
            if (exportedSnapshot != null) {
                st.execute("SET TRANSACTION SNAPSHOT '" + exportedSnapshot + "'");
            }
            for (String name : config.tables()) {
                Envelopes.Table table = tables.get(name);
                st.setFetchSize(1000);
                List<OutgoingMessage> chunk = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + quotedTable(name))) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        Map<String, JsonNode> row = new LinkedHashMap<>();
                        for (int i = 1; i <= n; i++) {
                            String column = rs.getMetaData().getColumnName(i);
                            row.put(column, Envelopes.value(table.columns().getOrDefault(column, 0),
                                    rs.getString(i)));
                        }
                        byte[] key = Envelopes.key(table, row);
                        byte[] value = Envelopes.envelope("r", null, row, name, lsn, -1, Long.MIN_VALUE);
                        chunk.add(new OutgoingMessage(key, value, List.of(), 0, snapshotMsgId(name, key, row), null));
                        if (chunk.size() == CHUNK) {
                            produce(chunk);
                            snapshotRows.addAndGet(chunk.size());
                            chunk = new ArrayList<>();
                        }
                    }
                }
                produce(chunk);
                snapshotRows.addAndGet(chunk.size());
            }
            sql.commit();
        } finally {
            if (!sql.isClosed()) {
                sql.setAutoCommit(true);
            }
        }
    }

    /**
     * A snapshot row's msg-id: {@code pg-snap:<slot>:<table>:<key JSON>:<digest of the row>}. A snapshot started
     * again from scratch (the broker died during it) stores nothing again for a row that did not change, and a
     * row that did change since is stored again with its new content: the stream starts at the new snapshot.
     */
    private String snapshotMsgId(String table, byte[] key, Map<String, JsonNode> row) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Envelopes.bytes(
                    Envelopes.JSON.valueToTree(row)));
            return "pg-snap:" + config.slot() + ":" + table + ":" + new String(key, StandardCharsets.UTF_8) + ":"
                    + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Produces in order, {@value #CHUNK} messages or about {@value #CHUNK_BYTES} bytes per call, each durable. */
    private void produce(List<OutgoingMessage> messages) throws Exception {
        int from = 0;
        while (from < messages.size()) {
            int to = from;
            long bytes = 0;
            while (to < messages.size() && to - from < CHUNK && (to == from || bytes < CHUNK_BYTES)) {
                OutgoingMessage m = messages.get(to++);
                bytes += (m.key() == null ? 0 : m.key().length) + (m.value() == null ? 0 : m.value().length);
            }
            List<OutgoingMessage> part = messages.subList(from, to);
            from = to;
            try {
                broker.produce(ctx.tenant(), config.station(), List.copyOf(part)).get(PRODUCE_TIMEOUT_S,
                        TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IOException("station " + config.station() + " did not store a produce within "
                        + PRODUCE_TIMEOUT_S + " s");
            } catch (ExecutionException e) {
                throw new IOException("producing to station " + config.station() + ": " + describe(e), e);
            }
        }
    }

    // ----- streaming ----------------------------------------------------------------------------------------------

    /** The open transaction: its commit LSN, and its messages in order. */
    private static final class Txn {
        final PgOutput.Begin begin;
        final boolean skip;
        final List<OutgoingMessage> messages = new ArrayList<>();
        int changes;
        Boolean compacted; // whether the station compacts, read at the transaction's first delete

        Txn(PgOutput.Begin begin, boolean skip) {
            this.begin = begin;
            this.skip = skip;
        }
    }

    private long[] readPosition() throws IOException {
        return ctx.readState(POSITION_FILE).map(b -> {
            String[] f = new String(b, StandardCharsets.UTF_8).strip().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        }).orElse(new long[] {0, 0});
    }

    /**
     * Streams until stopped or failed. Transactions that arrive back to back are stored together (group commit:
     * one produce, one position write, one confirmation for all of them) once nothing more is waiting or they
     * hold {@value #CHUNK} messages; a Relation message first stores what is pending, so that a new schema version
     * never precedes the messages written before it.
     */
    private void replicate() throws Exception {
        PGConnection pg = replication.unwrap(PGConnection.class);
        long[] stored = readPosition();
        PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical()
                .withSlotName(config.slot())
                .withStartPosition(LogSequenceNumber.valueOf(stored[1]))
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", config.publication())
                .withStatusInterval(5, TimeUnit.SECONDS)
                .start();
        state = State.RUNNING;
        lastError = null;
        streamed = true;
        Pending pending = new Pending(stream, stored[1]);
        Txn txn = null;
        relations.clear();
        try {
            while (!stopping) {
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    pending.flush(true);
                    if (txn == null) {
                        long received = stream.getLastReceiveLSN().asLong();
                        if (received > pending.confirmed) { // nothing of ours before it is unconfirmed: let go
                            pending.confirm(received, false);
                        }
                    }
                    pollLag();
                    sleep(10);
                    continue;
                }
                PgOutput.Message m = PgOutput.decode(buffer);
                switch (m) {
                    case PgOutput.Begin b -> txn = new Txn(b, b.finalLsn() <= position);
                    case PgOutput.Relation r -> {
                        pending.flush(false); // what came before is stored before a new schema version
                        relation(r);
                    }
                    case PgOutput.Commit c -> {
                        if (txn == null) {
                            throw new IllegalStateException("pgoutput: a Commit without a Begin");
                        }
                        if (pending.messages > 0 && pending.messages + txn.messages.size() > CHUNK) {
                            pending.flush(false); // a transaction that fits one produce call gets one
                        }
                        pending.add(txn, c);
                        txn = null;
                        if (pending.messages >= CHUNK) {
                            pending.flush(false);
                        }
                    }
                    case PgOutput.Ignored i -> {
                    }
                    default -> {
                        if (txn == null) {
                            throw new IllegalStateException("pgoutput: a change outside a transaction");
                        }
                        if (!txn.skip) {
                            change(txn, m);
                        }
                    }
                }
            }
        } finally { // stopped or failed: what is durable keeps its position (a stop's contract)
            try {
                pending.writePosition();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "connector " + ctx.tenant() + "/" + ctx.name()
                        + ": cannot write its position (the transactions since are replayed): " + e.getMessage());
            }
        }
    }

    /** Committed transactions not stored yet, and what was confirmed to PostgreSQL. Worker thread only. */
    private final class Pending {
        final PGReplicationStream stream;
        final List<OutgoingMessage> batch = new ArrayList<>();
        final List<Long> commitMicros = new ArrayList<>(); // of each transaction in the batch
        int messages;
        int transactions;
        int changes;
        long commitLsn;
        long endLsn;
        long confirmed;
        boolean unwritten; // transactions are durable whose position is not written yet
        long lastWrite = System.nanoTime();

        Pending(PGReplicationStream stream, long confirmed) {
            this.stream = stream;
            this.confirmed = confirmed;
        }

        void add(Txn txn, PgOutput.Commit c) {
            endLsn = Math.max(endLsn, c.endLsn());
            if (txn.skip) {
                return;
            }
            batch.addAll(txn.messages);
            commitMicros.add(c.commitMicros());
            messages += txn.messages.size();
            changes += txn.changes;
            transactions++;
            commitLsn = c.commitLsn();
        }

        /**
         * Produces the pending messages, then writes the position, then confirms: in that order. While busy
         * ({@code idle} false) the position is written and confirmed at most every {@value #POSITION_EVERY_MS} ms
         * (two fsyncs saved per batch under load; a crash replays a little more, which msg-ids make harmless);
         * when idle, always.
         */
        void flush(boolean idle) throws Exception {
            if (transactions > 0) {
                produce(batch);
                long durableMicros = System.currentTimeMillis() * 1000 - PgOutput.PG_EPOCH_MICROS;
                for (long committed : commitMicros) {
                    commitLag.record((durableMicros - committed) / 1000);
                }
                position = commitLsn;
                unwritten = true;
                PostgresConnector.this.changes.addAndGet(changes);
                PostgresConnector.this.transactions.addAndGet(transactions);
            }
            batch.clear();
            commitMicros.clear();
            messages = 0;
            transactions = 0;
            changes = 0;
            long now = System.nanoTime();
            if (idle || now - lastWrite >= TimeUnit.MILLISECONDS.toNanos(POSITION_EVERY_MS)) {
                writePosition();
                lastWrite = now;
                if (endLsn > confirmed) {
                    confirm(endLsn, true);
                }
            }
        }

        /** Writes the position of what is durable, if it moved since it was last written. */
        void writePosition() throws IOException {
            if (unwritten) {
                ctx.writeState(POSITION_FILE, (commitLsn + " " + endLsn).getBytes(StandardCharsets.UTF_8));
                unwritten = false;
            }
        }

        void confirm(long lsn, boolean now) throws SQLException {
            confirmed = lsn;
            stream.setFlushedLSN(LogSequenceNumber.valueOf(lsn));
            stream.setAppliedLSN(LogSequenceNumber.valueOf(lsn));
            if (now) {
                stream.forceUpdateStatus();
            }
        }
    }

    private void relation(PgOutput.Relation r) {
        String name = r.qualifiedName();
        Envelopes.Table catalog = tables.get(name);
        LinkedHashMap<String, Integer> columns = new LinkedHashMap<>();
        List<String> flagged = new ArrayList<>();
        for (PgOutput.Column c : r.columns()) {
            columns.put(c.name(), c.typeOid());
            if (c.key()) {
                flagged.add(c.name());
            }
        }
        List<String> key = catalog != null && !catalog.key().isEmpty() && columns.keySet().containsAll(catalog.key())
                ? catalog.key() : flagged;
        Envelopes.Table table = new Envelopes.Table(name, columns, key);
        relations.put(r.relid(), table);
        if (tables.containsKey(name)) {
            schemas.ensure(table); // before any message with the new columns is produced
        }
    }

    private Envelopes.Table table(int relid) {
        Envelopes.Table t = relations.get(relid);
        if (t == null) {
            throw new IllegalStateException("pgoutput: a change to relation " + relid + " before its Relation");
        }
        return t;
    }

    private static Map<String, JsonNode> row(Envelopes.Table table, List<PgOutput.Value> values,
            Map<String, JsonNode> fallback, boolean keyOnly) {
        if (values == null) {
            return null;
        }
        Map<String, JsonNode> row = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Integer> c : table.columns().entrySet()) {
            PgOutput.Value v = i < values.size() ? values.get(i) : PgOutput.Value.NULL;
            i++;
            if (keyOnly && !table.key().contains(c.getKey())) {
                continue; // a key-only old tuple: the other columns were not sent
            }
            if (v.kind() == 'u') { // unchanged TOAST value: from the old row when sent, else left out
                if (fallback != null && fallback.containsKey(c.getKey())) {
                    row.put(c.getKey(), fallback.get(c.getKey()));
                }
                continue;
            }
            row.put(c.getKey(), v.kind() == 'n' ? NullNode.getInstance() : Envelopes.value(c.getValue(), v.text()));
        }
        return row;
    }

    /** A change of a captured table becomes messages of {@code txn}; other tables (a reused publication's) not. */
    private void change(Txn txn, PgOutput.Message m) {
        int relid = switch (m) {
            case PgOutput.Insert ins -> ins.relid();
            case PgOutput.Update up -> up.relid();
            case PgOutput.Delete del -> del.relid();
            default -> -1;
        };
        if (relid != -1 && !tables.containsKey(table(relid).name())) {
            return;
        }
        switch (m) {
            case PgOutput.Insert ins -> {
                Envelopes.Table t = table(ins.relid());
                add(txn, t, "c", null, row(t, ins.after(), null, false));
            }
            case PgOutput.Update up -> {
                Envelopes.Table t = table(up.relid());
                Map<String, JsonNode> before = row(t, up.before(), null, up.beforeKind() == 'K');
                Map<String, JsonNode> after = row(t, up.after(), before, false);
                add(txn, t, "u", before, after);
            }
            case PgOutput.Delete del -> {
                Envelopes.Table t = table(del.relid());
                add(txn, t, "d", row(t, del.before(), null, del.beforeKind() == 'K'), null);
            }
            case PgOutput.Truncate tr -> {
                for (int truncated : tr.relids()) {
                    Envelopes.Table t = table(truncated);
                    if (!tables.containsKey(t.name())) {
                        continue;
                    }
                    txn.changes++;
                    txn.messages.add(new OutgoingMessage(null, envelope(txn, "t", null, null, t), List.of(), 0,
                            msgId(txn), null));
                }
            }
            default -> throw new IllegalStateException("pgoutput: unexpected " + m);
        }
    }

    private byte[] envelope(Txn txn, String op, Map<String, JsonNode> before, Map<String, JsonNode> after,
            Envelopes.Table t) {
        return Envelopes.envelope(op, before, after, t.name(), LogSequenceNumber.valueOf(txn.begin.finalLsn())
                .asString(), Integer.toUnsignedLong(txn.begin.xid()), txn.begin.commitMicros());
    }

    private static String msgId(Txn txn) {
        return "pg:" + LogSequenceNumber.valueOf(txn.begin.finalLsn()).asString() + ":" + txn.messages.size();
    }

    private void add(Txn txn, Envelopes.Table t, String op, Map<String, JsonNode> before,
            Map<String, JsonNode> after) {
        byte[] key = Envelopes.key(t, after != null ? after : before);
        txn.changes++;
        txn.messages.add(new OutgoingMessage(key, envelope(txn, op, before, after, t), List.of(), 0, msgId(txn),
                null));
        if (op.equals("d")) {
            if (txn.compacted == null) {
                StationConfig sc = broker.stationInfo(ctx.tenant(), config.station()).config();
                txn.compacted = sc.compaction() != null && sc.compaction().enabled();
            }
            if (txn.compacted) {
                txn.messages.add(new OutgoingMessage(key, null, List.of(), 0, msgId(txn), null));
            }
        }
    }

    private void pollLag() {
        long now = System.currentTimeMillis();
        if (now - lastLagPoll < LAG_POLL_MS) {
            return;
        }
        lastLagPoll = now;
        try (PreparedStatement st = sql.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), "
                + "confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, config.slot());
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    long bytes = rs.getLong(1);
                    lag = bytes;
                    warnings = bytes > config.walWarnBytes() ? List.of("replication slot " + config.slot()
                            + " retains " + bytes + " bytes of WAL (more than wal-warn-bytes, "
                            + config.walWarnBytes() + "): the connector is behind or failing, and PostgreSQL "
                            + "keeps the WAL until it catches up") : List.of();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the slot's lag: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                // closing is best effort: the connection is being given up
            }
        }
    }
}
