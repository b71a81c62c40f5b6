package io.junction.connect.postgres;

import static io.junction.connect.postgres.PgTests.await;
import static io.junction.connect.postgres.PgTests.json;
import static io.junction.connect.postgres.PgTests.messages;
import static io.junction.connect.postgres.PgTests.sql;
import static io.junction.connect.postgres.PgTests.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.SchemaInfo;
import io.junction.broker.StationConfig;
import io.junction.broker.StoredMessage;
import io.junction.connect.Connector;
import io.junction.connect.ConnectorStatus;
import io.junction.testing.PostgresServer;

/**
 * The postgres connector against a real PostgreSQL (Debian's, started by {@link PostgresServer}; one server for the
 * class, a database per test): every kind of change, transactions, schemas, the snapshot, failures and release.
 */
class PostgresConnectorTest {

    static PostgresServer pg;

    @TempDir
    Path dir;

    Broker broker;
    String db;
    final List<Connector> running = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.create();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void open(TestInfo test) throws Exception {
        broker = Broker.open(BrokerConfig.defaults(dir.resolve("broker")));
        db = test.getTestMethod().orElseThrow().getName().toLowerCase();
        PgTests.createDatabase(pg, db);
    }

    @AfterEach
    void close() throws Exception {
        for (Connector c : running) {
            c.stop();
            try {
                c.release(); // slots are the cluster's: another test's connector may take the same name
            } catch (java.sql.SQLException e) {
                // a connector that never connected (a wrong password) has nothing to release
            }
        }
        broker.close();
    }

    private Map<String, String> options(String tables, String station) {
        Map<String, String> o = new HashMap<>();
        o.put("url", pg.jdbcUrl(db));
        o.put("user", PostgresServer.SUPERUSER);
        o.put("tables", tables);
        o.put("station", station);
        return o;
    }

    private TestConnectorContext context(String name, Map<String, String> options) {
        return new TestConnectorContext(broker, Broker.DEFAULT_TENANT, name, options,
                Map.of("password", PostgresServer.PASSWORD), dir.resolve("state-" + name));
    }

    private Connector start(TestConnectorContext ctx) {
        PostgresConnectorType type = new PostgresConnectorType();
        type.validate(ctx);
        Connector c = type.create(ctx);
        running.add(c);
        c.start();
        return c;
    }

    private static void awaitRunning(Connector c) throws InterruptedException {
        await("the connector runs", 30, () -> c.status().state() == ConnectorStatus.State.RUNNING,
                () -> c.status().toString());
    }

    private void awaitMessages(String station, int n, Connector c) throws InterruptedException {
        await(n + " messages on " + station, 30, () -> messages(broker, station).size() >= n,
                () -> c.status() + " " + messages(broker, station).size());
    }

    @Test
    void capturesInsertsUpdatesAndDeletesWithTombstonesOnACompactedStation() throws Exception {
        sql(pg, db, "CREATE TABLE employees (id int PRIMARY KEY, name text, salary numeric(10,2), active boolean, "
                + "data jsonb, score double precision, big bigint)");
        broker.createStation(Broker.DEFAULT_TENANT, "emp",
                StationConfig.defaults().withCompaction(StationConfig.Compaction.on(Duration.ofHours(1))));
        Map<String, String> o = options("public.employees", "emp");
        o.put("snapshot", "never");
        Connector c = start(context("emp", o));
        awaitRunning(c);
        sql(pg, db, "INSERT INTO employees VALUES (42, 'Ada', 1234.50, true, '{\"a\":[1,2]}', 1.5, 9007199254740993)",
                "UPDATE employees SET name = 'Ada L', active = false WHERE id = 42",
                "DELETE FROM employees WHERE id = 42");
        awaitMessages("emp", 4, c);
        List<StoredMessage> m = messages(broker, "emp");
        assertThat(m).hasSize(4);
        assertThat(m).allSatisfy(s -> assertThat(text(s.key())).isEqualTo("{\"id\":42}"));

        JsonNode insert = json(m.get(0).value());
        assertThat(insert.path("op").asText()).isEqualTo("c");
        assertThat(insert.path("before").isNull()).isTrue();
        assertThat(insert.path("after").toString()).isEqualTo("{\"id\":42,\"name\":\"Ada\",\"salary\":\"1234.50\","
                + "\"active\":true,\"data\":{\"a\":[1,2]},\"score\":1.5,\"big\":9007199254740993}");
        assertThat(insert.path("source").path("table").asText()).isEqualTo("public.employees");
        assertThat(insert.path("source").path("lsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(insert.path("source").path("txid").asLong()).isPositive();
        assertThat(insert.path("source").path("commit_ts").asText()).endsWith("Z");

        JsonNode update = json(m.get(1).value());
        assertThat(update.path("op").asText()).isEqualTo("u");
        assertThat(update.path("after").path("name").asText()).isEqualTo("Ada L");
        assertThat(update.path("after").path("active").asBoolean()).isFalse();

        JsonNode delete = json(m.get(2).value());
        assertThat(delete.path("op").asText()).isEqualTo("d");
        assertThat(delete.path("after").isNull()).isTrue();
        assertThat(delete.path("before").toString()).isEqualTo("{\"id\":42}");
        assertThat(m.get(3).tombstone()).as("a tombstone follows the delete on a compacted station").isTrue();

        await("the three transactions counted", 10, () -> c.status().counts().get("transactions") == 3L);
        ConnectorStatus s = c.status();
        assertThat(s.counts()).containsEntry("changes", 3L).containsEntry("transactions", 3L);
        assertThat(s.counts().get("lag_ms_p50")).isBetween(0L, 30_000L);
        assertThat(s.counts().get("lag_ms_max")).isGreaterThanOrEqualTo(s.counts().get("lag_ms_p99"));
        assertThat(s.position()).isEqualTo(json(m.get(2).value()).path("source").path("lsn").asText());
        assertThat(s.lastError()).isNull();
        await("the lag is known", 10, () -> c.status().lag() >= 0);
    }

    private Connector startNever(String table, String station) throws Exception {
        broker.createStation(Broker.DEFAULT_TENANT, station, StationConfig.defaults());
        Map<String, String> o = options(table, station);
        o.put("snapshot", "never");
        Connector c = start(context(station, o));
        awaitRunning(c);
        return c;
    }

    private static List<JsonNode> values(List<StoredMessage> messages) {
        return messages.stream().filter(m -> !m.tombstone()).map(m -> json(m.value())).toList();
    }

    @Test
    void truncateIsOneKeylessEnvelopeWithOpT() throws Exception {
        sql(pg, db, "CREATE TABLE items (id int PRIMARY KEY, v text)");
        Connector c = startNever("public.items", "items");
        sql(pg, db, "INSERT INTO items VALUES (1, 'a'), (2, 'b')", "TRUNCATE items",
                "INSERT INTO items VALUES (3, 'c')");
        awaitMessages("items", 4, c);
        List<StoredMessage> m = messages(broker, "items");
        assertThat(m).hasSize(4);
        JsonNode t = json(m.get(2).value());
        assertThat(m.get(2).key()).isNull();
        assertThat(t.path("op").asText()).isEqualTo("t");
        assertThat(t.path("before").isNull()).isTrue();
        assertThat(t.path("after").isNull()).isTrue();
        assertThat(t.path("source").path("table").asText()).isEqualTo("public.items");
        assertThat(json(m.get(3).value()).path("after").path("id").asInt()).isEqualTo(3);
    }

    @Test
    void aMultiRowTransactionIsStoredWholeAndInCommitOrder() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Connector c = startNever("public.t", "t");
        try (Connection a = PgTests.connect(pg, db); Connection b = PgTests.connect(pg, db)) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            try (Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                for (int i = 0; i < 50; i++) {
                    sa.execute("INSERT INTO t VALUES (" + i + ", 1)"); // a began first ...
                    sb.execute("INSERT INTO t VALUES (" + (1000 + i) + ", 2)");
                }
                sa.execute("UPDATE t SET v = 10 WHERE id < 10");
                sa.execute("DELETE FROM t WHERE id >= 40");
                b.commit(); // ... but b commits first
                a.commit();
                a.rollback();
                sa.execute("INSERT INTO t VALUES (5000, 3)");
                a.rollback(); // a rolled-back transaction produces nothing
            }
        }
        awaitMessages("t", 120, c);
        List<JsonNode> v = values(messages(broker, "t"));
        assertThat(v).hasSize(120);
        for (int i = 0; i < 50; i++) {
            assertThat(v.get(i).path("after").path("id").asInt()).isEqualTo(1000 + i);
        }
        String lsnB = v.get(0).path("source").path("lsn").asText();
        String lsnA = v.get(50).path("source").path("lsn").asText();
        assertThat(v.subList(0, 50)).allSatisfy(e -> assertThat(e.path("source").path("lsn").asText())
                .isEqualTo(lsnB));
        assertThat(v.subList(50, 120)).allSatisfy(e -> assertThat(e.path("source").path("lsn").asText())
                .isEqualTo(lsnA));
        assertThat(v.get(50).path("after").path("id").asInt()).isZero();
        assertThat(v.get(100).path("op").asText()).isEqualTo("u");
        assertThat(v.get(110).path("op").asText()).isEqualTo("d");
        assertThat(v.get(119).path("before").path("id").asInt()).isEqualTo(49);
        await("both transactions counted", 10, () -> c.status().counts().get("transactions") == 2L);
        assertThat(c.status().counts()).containsEntry("changes", 120L);
    }

    @Test
    void aColumnAddedWhileRunningGetsANewSchemaVersionBeforeItsMessages() throws Exception {
        sql(pg, db, "CREATE TABLE people (id int PRIMARY KEY, name text, bio text)");
        Connector c = startNever("public.people", "people");
        SchemaInfo first = broker.schemaInfo(Broker.DEFAULT_TENANT, "people.public.people");
        assertThat(first.latestVersion()).isEqualTo(1);
        assertThat(first.stations()).containsExactly("people");
        String big = "x".repeat(100_000); // TOASTed: not sent again by an update that does not change it
        sql(pg, db, "ALTER TABLE people ALTER COLUMN bio SET STORAGE EXTERNAL",
                "INSERT INTO people VALUES (1, 'Ada', '" + big + "')",
                "ALTER TABLE people ADD COLUMN age int",
                "INSERT INTO people VALUES (2, 'Grace', 'short', 85)",
                "UPDATE people SET name = 'Ada L', age = 36 WHERE id = 1");
        awaitMessages("people", 3, c);
        List<StoredMessage> m = messages(broker, "people");
        assertThat(broker.schemaInfo(Broker.DEFAULT_TENANT, "people.public.people").latestVersion()).isEqualTo(2);
        assertThat(m.get(0).schemaVersion()).isEqualTo(1);
        assertThat(m.get(1).schemaName()).isEqualTo("people.public.people");
        assertThat(m.get(1).schemaVersion()).isEqualTo(2);
        assertThat(json(m.get(1).value()).path("after").path("age").asInt()).isEqualTo(85);
        JsonNode update = json(m.get(2).value()).path("after");
        assertThat(update.path("age").asInt()).isEqualTo(36);
        assertThat(update.has("bio")).as("an unchanged TOAST column is left out, not null").isFalse();
        assertThat(json(m.get(0).value()).path("after").path("bio").asText()).isEqualTo(big);
    }

    @Test
    void releaseDropsTheSlotAndThePublicationItCreated() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        Connector c = startNever("public.t", "t");
        assertThat(pg.psql("SELECT slot_name FROM pg_replication_slots WHERE database = '" + db + "'"))
                .isEqualTo("junction_default_t");
        assertThat(PgTests.query(pg, db, "SELECT pubname FROM pg_publication")).isEqualTo("junction_default_t");
        c.stop();
        c.release();
        assertThat(pg.psql("SELECT count(*) FROM pg_replication_slots WHERE database = '" + db + "'"))
                .isEqualTo("0");
        assertThat(PgTests.query(pg, db, "SELECT count(*) FROM pg_publication")).isEqualTo("0");
    }

    @Test
    void aDroppedConnectionIsRetriedWithoutLossOrDuplicates() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        Connector c = startNever("public.t", "t");
        sql(pg, db, "INSERT INTO t VALUES (1)");
        awaitMessages("t", 1, c);
        pg.psql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = "
                + "'junction_default_t'");
        sql(pg, db, "INSERT INTO t VALUES (2)");
        await("the connector fails", 10, () -> c.status().state() == ConnectorStatus.State.FAILED
                || messages(broker, "t").size() == 2);
        sql(pg, db, "INSERT INTO t VALUES (3)");
        awaitMessages("t", 3, c);
        awaitRunning(c);
        List<JsonNode> v = values(messages(broker, "t"));
        assertThat(v.stream().map(e -> e.path("after").path("id").asInt()).toList()).containsExactly(1, 2, 3);
    }

    @Test
    void aWrongPasswordFailsWithAClearErrorAndIsRetried() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        TestConnectorContext ctx = new TestConnectorContext(broker, Broker.DEFAULT_TENANT, "t", options("t", "t"),
                Map.of("password", "wrong"), dir.resolve("state"));
        Connector c = start(ctx);
        await("a failure", 20, () -> c.status().state() == ConnectorStatus.State.FAILED);
        assertThat(c.status().lastError()).contains("password authentication failed");
        long start = System.nanoTime();
        c.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stop in backoff").isLessThan(Duration.ofSeconds(2));
        assertThat(c.status().state()).isEqualTo(ConnectorStatus.State.STOPPED);
    }

    @Test
    void aMissingTableFailsWithAClearError() throws Exception {
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        Connector c = start(context("t", options("public.nope", "t")));
        await("a failure", 20, () -> c.status().state() == ConnectorStatus.State.FAILED);
        assertThat(c.status().lastError()).contains("table public.nope does not exist");
    }

    @Test
    void walLevelReplicaFailsWithAClearError() throws Exception {
        try (PostgresServer replica = PostgresServer.create("wal_level=replica")) {
            broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
            Map<String, String> o = options("public.t", "t");
            o.put("url", replica.jdbcUrl());
            Connector c = start(context("t", o));
            await("a failure", 20, () -> c.status().state() == ConnectorStatus.State.FAILED);
            assertThat(c.status().lastError()).contains("wal_level is 'replica'").contains("wal_level = logical");
            c.stop();
            running.remove(c);
        }
    }

    /** A writer that runs transactions on its own thread until stopped, reconnecting whenever PostgreSQL fails. */
    private final class Writer implements AutoCloseable {
        final Thread thread;
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
        volatile Throwable failure;

        Writer(java.util.function.IntFunction<List<String>> transaction) {
            thread = new Thread(() -> {
                int i = 0;
                Connection conn = null;
                while (!stop.get()) {
                    try {
                        if (conn == null) {
                            conn = PgTests.connect(pg, db);
                            conn.setAutoCommit(false);
                        }
                        try (Statement st = conn.createStatement()) {
                            for (String sql : transaction.apply(i)) {
                                st.execute(sql);
                            }
                        }
                        conn.commit();
                        committed.incrementAndGet();
                        i++;
                        Thread.sleep(1); // a steady load, not a flood: the machine is shared

                    } catch (java.sql.SQLException e) {
                        try {
                            if (conn != null) {
                                conn.close();
                            }
                        } catch (java.sql.SQLException ignored) {
                            // reconnecting anyway
                        }
                        conn = null;
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    } catch (RuntimeException e) {
                        failure = e;
                        return;
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    if (conn != null) {
                        conn.close();
                    }
                } catch (java.sql.SQLException ignored) {
                    // done
                }
            }, "writer");
            thread.start();
        }

        void awaitCommits(long more) throws InterruptedException {
            long target = committed.get() + more;
            await(more + " more commits", 60, () -> committed.get() >= target || failure != null);
            assertThat(failure).isNull();
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(failure).isNull();
        }
    }

    @Test
    void theSnapshotIsConsistentWithTheChangesMadeDuringIt() throws Exception {
        long seed = Long.getLong("pgsnapshot.seed", System.nanoTime());
        System.out.println("theSnapshotIsConsistentWithTheChangesMadeDuringIt seed: " + seed + " (replay: "
                + "-Dpgsnapshot.seed=" + seed + ", timing still varies)");
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int rows = 5000;
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO t SELECT g, 0 FROM generate_series(1, " + rows + ") g");
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        Connector c;
        try (Writer w = new Writer(i -> List.of("UPDATE t SET v = v + 1 WHERE id = " + (1 + random.nextInt(rows)),
                "UPDATE t SET v = v + 1 WHERE id = " + (1 + random.nextInt(rows))))) {
            w.awaitCommits(20);
            c = start(context("t", options("public.t", "t")));
            awaitRunning(c);
            w.awaitCommits(50);
        }
        long[] total = {0};
        String last = PgTests.query(pg, db, "SELECT sum(v) FROM t");
        total[0] = Long.parseLong(last);
        Map<Integer, Integer> state = new HashMap<>();
        await("every change on the station", 30, () -> {
            state.clear();
            for (StoredMessage m : messages(broker, "t")) {
                JsonNode e = json(m.value());
                int id = e.path("after").path("id").asInt();
                int v = e.path("after").path("v").asInt();
                Integer before = state.put(id, v);
                if (e.path("op").asText().equals("r")) {
                    assertThat(before).as("a second snapshot read of " + id).isNull();
                } else {
                    assertThat(before).as("an update of " + id + " without the row before it").isNotNull();
                    assertThat(v).as("the update of " + id + " follows the value before it").isEqualTo(before + 1);
                }
            }
            return state.values().stream().mapToLong(Integer::longValue).sum() == total[0];
        }, () -> c.status().toString());
        assertThat(state).hasSize(rows);
        assertThat(c.status().counts().get("snapshot_rows")).isEqualTo(rows);
        assertThat(c.status().counts().get("changes")).isPositive();
    }

    @Test
    void postgresRestartedAndKilledUnderLoadLosesAndDuplicatesNothing() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        Connector c = startNever("public.t", "t");
        try (Writer w = new Writer(i -> List.of("INSERT INTO t VALUES (" + (3 * i) + "), (" + (3 * i + 1) + "), ("
                + (3 * i + 2) + ") ON CONFLICT DO NOTHING"))) {
            for (int round = 0; round < 2; round++) {
                w.awaitCommits(30);
                if (round == 0) {
                    pg.restart();
                } else {
                    pg.kill(); // kill -9 of the postmaster and every backend
                    pg.start();
                }
                w.awaitCommits(30);
                awaitRunning(c);
            }
        }
        List<Integer> expected = java.util.Arrays.stream(PgTests.query(pg, db, "SELECT id FROM t ORDER BY id")
                .split("\n")).map(Integer::parseInt).toList();
        awaitMessages("t", expected.size(), c);
        List<Integer> ids = values(messages(broker, "t")).stream().map(e -> e.path("after").path("id").asInt())
                .toList();
        assertThat(ids).as("every committed row once, in commit order").isEqualTo(expected);
    }

    @Test
    void runsUnderTheConnectorsManagerAndItsDeletionDropsTheSlot() throws Exception {
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        java.nio.file.Files.createDirectories(dir.resolve("connectors"));
        try (io.junction.connect.Connectors connectors = io.junction.connect.Connectors.open(broker,
                dir.resolve("connectors"), null, io.junction.connect.ConnectorTypes.all(), 10)) {
            connectors.create("", "cdc", "postgres", options("public.t", "t"),
                    Map.of("password", PostgresServer.PASSWORD));
            await("the connector runs", 30, () -> connectors.info("", "cdc").status().state()
                    == ConnectorStatus.State.RUNNING, () -> connectors.info("", "cdc").status().toString());
            sql(pg, db, "INSERT INTO t VALUES (7)");
            await("the insert on the station", 30, () -> messages(broker, "t").size() == 1);
            assertThat(connectors.delete("", "cdc")).isEmpty();
        }
        assertThat(pg.psql("SELECT count(*) FROM pg_replication_slots WHERE database = '" + db + "'"))
                .isEqualTo("0");
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        PostgresConnectorType type = new PostgresConnectorType();
        Map<String, String> o = options("public.t", "t");
        o.put("snapshot", "sometimes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> type.validate(context("t", o)))
                .hasMessageContaining("option 'snapshot'");
        Map<String, String> url = options("public.t", "t");
        url.put("url", "postgres://x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> type.validate(context("t", url)))
                .hasMessageContaining("option 'url'");
        Map<String, String> station = options("public.t", "nope");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> type.validate(context("t", station)))
                .hasMessageContaining("nope");
        Map<String, String> slot = options("public.t", "t");
        slot.put("slot", "Bad-Name");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> type.validate(context("t", slot)))
                .hasMessageContaining("option 'slot'");
        assertThat(PostgresConfig.of(context("My-Conn.1", options("employees", "t"))).slot())
                .isEqualTo("junction_default_my_conn_1");
    }

    @Test
    void tablesSharingAStationEachGetASchemaAndNoneIsAttached() throws Exception {
        sql(pg, db, "CREATE TABLE a (id int PRIMARY KEY)", "CREATE TABLE b (k text PRIMARY KEY, n int)");
        Connector c = startNever("public.a,public.b", "ab");
        sql(pg, db, "INSERT INTO a VALUES (1)", "INSERT INTO b VALUES ('x', 2)");
        awaitMessages("ab", 2, c);
        List<StoredMessage> m = messages(broker, "ab");
        assertThat(text(m.get(0).key())).isEqualTo("{\"id\":1}");
        assertThat(text(m.get(1).key())).isEqualTo("{\"k\":\"x\"}");
        assertThat(json(m.get(1).value()).path("source").path("table").asText()).isEqualTo("public.b");
        assertThat(broker.schemaInfo(Broker.DEFAULT_TENANT, "ab.public.a").stations()).isEmpty();
        assertThat(broker.schemaInfo(Broker.DEFAULT_TENANT, "ab.public.b").latestVersion()).isEqualTo(1);
        assertThat(broker.stationInfo(Broker.DEFAULT_TENANT, "ab").config().schema()).isNull();
    }

    @Test
    void aReusedPublicationsOtherTablesAreNotCapturedAndRetainedWalIsWarnedAbout() throws Exception {
        sql(pg, db, "CREATE TABLE a (id int PRIMARY KEY)", "CREATE TABLE other (id int PRIMARY KEY)",
                "CREATE PUBLICATION shared FOR TABLE a, other");
        broker.createStation(Broker.DEFAULT_TENANT, "a", StationConfig.defaults());
        Map<String, String> o = options("public.a", "a");
        o.put("publication", "shared");
        o.put("snapshot", "never");
        o.put("wal-warn-bytes", "1");
        Connector c = start(context("a", o));
        awaitRunning(c);
        try (Writer w = new Writer(i -> List.of("INSERT INTO other VALUES (" + i + ")"))) {
            w.awaitCommits(10);
            sql(pg, db, "INSERT INTO a VALUES (1)", "TRUNCATE other");
            await("a warning about retained WAL", 20, () -> !c.status().warnings().isEmpty(),
                    () -> c.status().toString());
        }
        assertThat(c.status().warnings().get(0)).contains("retains").contains("wal-warn-bytes");
        awaitMessages("a", 1, c);
        assertThat(messages(broker, "a")).hasSize(1);
        c.stop();
        c.release();
        running.remove(c);
        assertThat(PgTests.query(pg, db, "SELECT count(*) FROM pg_publication")).as("not created by it: kept")
                .isEqualTo("1");
    }

    @Test
    void stopMidSnapshotIsPromptAndTheSnapshotStartsAgainStoringEachRowOnce() throws Exception {
        int rows = 30_000;
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, " + rows + ") g");
        broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        TestConnectorContext ctx = context("t", options("public.t", "t"));
        Connector first = start(ctx);
        await("the snapshot under way", 30, () -> first.status().counts().get("snapshot_rows") > 0);
        long start = System.nanoTime();
        first.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        long partial = messages(broker, "t").size();
        System.out.println("stopped mid-snapshot after " + partial + " of " + rows + " rows");
        running.remove(first);
        sql(pg, db, "UPDATE t SET v = 'changed' WHERE id = 1");
        Connector second = start(ctx);
        await("the snapshot done", 60, () -> second.status().counts().get("snapshot_rows") == rows,
                () -> second.status().toString());
        awaitRunning(second);
        List<JsonNode> v = values(messages(broker, "t"));
        long distinct = v.stream().map(e -> e.path("after").path("id").asInt()).distinct().count();
        assertThat(distinct).isEqualTo(rows);
        long rowOne = v.stream().filter(e -> e.path("after").path("id").asInt() == 1).count();
        assertThat(v.size()).as("each unchanged row stored once").isEqualTo(rows + (rowOne - 1));
        assertThat(v.stream().filter(e -> e.path("after").path("id").asInt() == 1)
                .reduce((a, b) -> b).orElseThrow().path("after").path("v").asText()).isEqualTo("changed");
        assertThat(broker.schemaInfo(Broker.DEFAULT_TENANT, "t.public.t").latestVersion())
                .as("a restart adds no schema version").isEqualTo(1);
    }
}
