package io.junction.connect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.StoredMessage;
import io.junction.testing.ChildJvm;
import io.junction.testing.PostgresServer;

/**
 * kill -9 of the broker running a postgres connector, 20 times ({@code -Dpgcrash.rounds=N}) at random moments (the
 * first likely during the initial snapshot, others while connecting, setting up or catching up) while a writer
 * commits transactions of inserts, updates and deletes in PostgreSQL; then one last run drains the slot. Every
 * committed change is on the station exactly once, in commit order per key, and every row that existed before is
 * read once by the snapshot. The seed is printed; {@code -Dpgcrash.seed=N} replays the choices (not the timing).
 */
class PostgresCrashTest {

    static final int ROUNDS = Integer.getInteger("pgcrash.rounds", 20);
    static final int ROWS = 2000;

    @TempDir
    Path dir;

    @Test
    void everyCommittedChangeIsStoredOnceAcrossKills() throws Exception {
        long seed = Long.getLong("pgcrash.seed", System.nanoTime());
        System.out.println("PostgresCrashTest seed: " + seed + " (replay: -Dpgcrash.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        try (PostgresServer pg = PostgresServer.create()) {
            PgTests.createDatabase(pg, "crash");
            PgTests.sql(pg, "crash", "CREATE TABLE t (id int PRIMARY KEY, v bigint NOT NULL)",
                    "INSERT INTO t SELECT g, 0 FROM generate_series(1, " + ROWS + ") g");
            Map<Integer, List<String>> expected = new TreeMap<>(); // key → its changes, committed, in order
            for (int id = 1; id <= ROWS; id++) {
                expected.computeIfAbsent(id, k -> new ArrayList<>()).add("r:0");
            }
            CountDownLatch streaming = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong commits = new AtomicLong();
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    streaming.await();
                    write(pg, new SplittableRandom(random.nextLong()), expected, stop, commits);
                } catch (Throwable e) {
                    writerFailure.set(e);
                }
            }, "pg-writer");
            writer.start();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch running = new CountDownLatch(1);
                ChildJvm child = ChildJvm.start(PostgresConnectorChild.class, line -> {
                    if (line.equals("RUNNING")) {
                        running.countDown();
                    }
                }, dir.toString(), pg.jdbcUrl("crash"));
                long t0 = System.nanoTime();
                assertThat(child.awaitReady()).as("round " + round + ": the child started").isTrue();
                long t1 = System.nanoTime();
                if (round == 0) {
                    Thread.sleep(random.nextInt(1500)); // most likely in the snapshot
                } else if (random.nextInt(3) == 0 && streaming.getCount() == 0) {
                    Thread.sleep(random.nextInt(1000)); // anywhere: connecting, setting up, catching up
                } else {
                    running.await(30, TimeUnit.SECONDS);
                    streaming.countDown();
                    long target = commits.get() + 1 + random.nextInt(20);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (commits.get() < target && System.nanoTime() < deadline && writerFailure.get() == null) {
                        Thread.sleep(1);
                    }
                }
                System.out.println("round " + round + ": ready after " + (t1 - t0) / 1_000_000 + " ms, killed after "
                        + (System.nanoTime() - t1) / 1_000_000 + " ms");
                child.kill();
            }
            stop.set(true);
            writer.join();
            assertThat(writerFailure.get()).isNull();
            long drainStart = System.nanoTime();
            PgTests.sql(pg, "crash", "INSERT INTO t VALUES (-1, -1)");
            CountDownLatch done = new CountDownLatch(1);
            ChildJvm last = ChildJvm.start(PostgresConnectorChild.class, line -> {
                if (line.equals("DONE")) {
                    done.countDown();
                }
            }, dir.toString(), pg.jdbcUrl("crash"), "drain");
            assertThat(last.awaitReady()).isTrue();
            assertThat(done.await(60, TimeUnit.SECONDS)).as("the last run drained the slot").isTrue();
            last.kill();
            System.out.println("PostgresCrashTest: " + commits.get() + " transactions in " + ROUNDS + " kills; the "
                    + "last run drained in " + (System.nanoTime() - drainStart) / 1_000_000 + " ms");
            check(expected);
        }
    }

    /** Transactions of 1 to 5 random changes, each with a unique v, recorded in {@code expected} once committed. */
    private static void write(PostgresServer pg, SplittableRandom random, Map<Integer, List<String>> expected,
            AtomicBoolean stop, AtomicLong commits) throws Exception {
        List<Integer> live = new ArrayList<>(expected.keySet());
        int nextId = ROWS + 1;
        long nextV = 1;
        try (Connection c = PgTests.connect(pg, "crash"); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            while (!stop.get()) {
                Map<Integer, List<String>> txn = new HashMap<>();
                List<Integer> deleted = new ArrayList<>();
                List<Integer> inserted = new ArrayList<>();
                for (int n = 1 + random.nextInt(5); n > 0; n--) {
                    int op = random.nextInt(10);
                    long v = nextV++;
                    if (op < 4 || live.size() < 10) {
                        int id = nextId++;
                        st.execute("INSERT INTO t VALUES (" + id + ", " + v + ")");
                        txn.computeIfAbsent(id, k -> new ArrayList<>()).add("c:" + v);
                        inserted.add(id);
                    } else {
                        int id = live.get(random.nextInt(live.size()));
                        if (deleted.contains(id)) {
                            continue;
                        }
                        if (op < 8) {
                            st.execute("UPDATE t SET v = " + v + " WHERE id = " + id);
                            txn.computeIfAbsent(id, k -> new ArrayList<>()).add("u:" + v);
                        } else {
                            st.execute("DELETE FROM t WHERE id = " + id);
                            txn.computeIfAbsent(id, k -> new ArrayList<>()).add("d");
                            deleted.add(id);
                        }
                    }
                }
                c.commit();
                synchronized (expected) {
                    txn.forEach((id, changes) -> expected.computeIfAbsent(id, k -> new ArrayList<>()).addAll(changes));
                }
                live.addAll(inserted);
                live.removeAll(deleted);
                commits.incrementAndGet();
                Thread.sleep(4);
            }
        }
    }

    private void check(Map<Integer, List<String>> expected) {
        try (Broker broker = Broker.open(BrokerConfig.defaults(dir.resolve("broker")))) {
            List<StoredMessage> messages = PgTests.messages(broker, "t");
            Map<Integer, List<String>> stored = new TreeMap<>();
            String lastLsn = null;
            for (StoredMessage m : messages) {
                assertThat(m.tombstone()).isFalse();
                JsonNode e = PgTests.json(m.value());
                String op = e.path("op").asText();
                int id = PgTests.json(m.key()).path("id").asInt();
                if (id == -1) {
                    continue;
                }
                JsonNode row = op.equals("d") ? e.path("before") : e.path("after");
                stored.computeIfAbsent(id, k -> new ArrayList<>()).add(op.equals("d") ? "d" : op + ":"
                        + row.path("v").asLong());
                if (!op.equals("r")) {
                    String lsn = e.path("source").path("lsn").asText();
                    if (lastLsn != null) {
                        assertThat(lsnValue(lsn)).as("commit order at offset " + m.offset())
                                .isGreaterThanOrEqualTo(lsnValue(lastLsn));
                    }
                    lastLsn = lsn;
                }
            }
            synchronized (expected) {
                for (Map.Entry<Integer, List<String>> k : expected.entrySet()) {
                    assertThat(stored.get(k.getKey())).as("the changes of key " + k.getKey()).isEqualTo(k.getValue());
                }
                assertThat(stored.keySet()).isEqualTo(expected.keySet());
            }
        }
    }

    private static long lsnValue(String lsn) {
        String[] f = lsn.split("/");
        return (Long.parseLong(f[0], 16) << 32) | Long.parseLong(f[1], 16);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
