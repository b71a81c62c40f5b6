package io.junction.connect.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.junction.broker.Broker;
import io.junction.broker.BrowseResult;
import io.junction.broker.StartPosition;
import io.junction.broker.StoredMessage;
import io.junction.testing.PostgresServer;

/** Helpers of the postgres connector's tests: SQL as the superuser, a station's messages, waiting with deadlines. */
final class PgTests {

    static final ObjectMapper JSON = new ObjectMapper();

    private PgTests() {
    }

    static Connection connect(PostgresServer pg, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.SUPERUSER);
        p.setProperty("password", PostgresServer.PASSWORD);
        return DriverManager.getConnection(pg.jdbcUrl(database), p);
    }

    /** Runs each statement in autocommit mode. */
    static void sql(PostgresServer pg, String database, String... statements) throws SQLException {
        try (Connection c = connect(pg, database); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** The first column of the rows of a query, one line each. */
    static String query(PostgresServer pg, String database, String query) throws SQLException {
        try (Connection c = connect(pg, database); Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(query)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return String.join("\n", rows);
        }
    }

    static void createDatabase(PostgresServer pg, String database) throws SQLException {
        sql(pg, PostgresServer.DATABASE, "CREATE DATABASE " + database);
    }

    /** Every message of partition 0 of the station, in offset order. */
    static List<StoredMessage> messages(Broker broker, String station) {
        List<StoredMessage> all = new ArrayList<>();
        long from = 0;
        while (true) {
            BrowseResult page = broker.browse(Broker.DEFAULT_TENANT, station, 0, new StartPosition.AtOffset(from),
                    1000, null);
            all.addAll(page.messages());
            from = page.nextOffset();
            if (page.endReached()) {
                return all;
            }
        }
    }

    static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Polls {@code condition} every 20 ms until it holds; fails after {@code seconds} with {@code what}. */
    static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        await(what, seconds, condition, () -> "");
    }

    static void await(String what, long seconds, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what + " " + state.get());
            }
            Thread.sleep(20);
        }
    }
}
