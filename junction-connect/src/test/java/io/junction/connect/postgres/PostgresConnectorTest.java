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
    void close() {
        running.forEach(Connector::stop);
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

        ConnectorStatus s = c.status();
        assertThat(s.counts()).containsEntry("changes", 3L).containsEntry("transactions", 3L);
        assertThat(s.position()).isEqualTo(json(m.get(2).value()).path("source").path("lsn").asText());
        assertThat(s.lastError()).isNull();
        await("the lag is known", 10, () -> c.status().lag() >= 0);
    }
}
