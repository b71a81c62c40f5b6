package io.junction.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests, run from Debian's binaries ({@code /usr/lib/postgresql/<version>/bin},
 * the newest there is; the package {@code postgresql}, whose own cluster is not used). Its cluster lives in a temp
 * directory owned by the {@code postgres} user (tests run as root, and {@code initdb} and {@code postgres} refuse
 * root: both run through {@code runuser -u postgres}); it listens on 127.0.0.1 on a free port and on a Unix socket
 * in the same directory. Logical replication is on ({@code wal_level=logical}) unless the settings given say
 * otherwise. The superuser {@value #SUPERUSER} logs in over TCP with {@value #PASSWORD} (scram-sha-256).
 *
 * <p>{@link #stop} is a fast shutdown, {@link #kill} SIGKILLs the postmaster and every process it started;
 * {@link #start} starts it again on the same port. {@link #close} stops it and deletes its directory (as does a
 * shutdown hook, when the test JVM ends without closing it).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    public static final String PASSWORD = "junction-pg-test";
    public static final String DATABASE = "postgres";

    private static final long START_TIMEOUT_MS = 60_000;

    private final Path dir;
    private final Path data;
    private final Path bin;
    private final int port;
    private final List<String> settings;
    private volatile Process process;
    private final Thread shutdownHook = new Thread(this::killQuietly, "postgres-server-cleanup");

    private PostgresServer(Path dir, Path bin, int port, List<String> settings) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.bin = bin;
        this.port = port;
        this.settings = settings;
    }

    /** Whether Debian's PostgreSQL binaries are installed (tests may skip themselves when not). */
    public static boolean available() {
        return binaries().isPresent();
    }

    /**
     * Creates a cluster and starts it. {@code settings} are extra {@code name=value} server settings (e.g.
     * {@code wal_level=replica}), given after the defaults so they win.
     */
    public static PostgresServer create(String... settings) throws IOException, InterruptedException {
        Path bin = binaries().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL under /usr/lib/postgresql/*/bin: apt-get install postgresql"));
        Path dir = Files.createTempDirectory("junction-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> all = new ArrayList<>(List.of("wal_level=logical", "max_replication_slots=10",
                "max_wal_senders=10", "listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=on",
                "shared_buffers=16MB", "max_connections=40", "wal_sender_timeout=10s"));
        all.addAll(List.of(settings));
        PostgresServer server = new PostgresServer(dir, bin, freePort(), all);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook); // a test JVM that ends without close() leaks none
        try {
            server.initdb();
            server.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparingInt(b -> versionOf(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void initdb() throws IOException, InterruptedException {
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n", StandardCharsets.UTF_8);
        run("chown", "-R", "postgres:postgres", dir.toString());
        run("runuser", "-u", "postgres", "--", bin.resolve("initdb").toString(), "-D", data.toString(),
                "-U", SUPERUSER, "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync");
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    /** Starts the server (again) on its port; returns once it accepts connections. */
    public void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--",
                bin.resolve("postgres").toString(), "-D", data.toString(), "-p", Integer.toString(port),
                "-k", dir.toString()));
        for (String s : settings) {
            command.add("-c");
            command.add(s);
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile()).start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (!accepting()) {
            if (!process.isAlive()) {
                throw new IOException("postgres exited with " + process.exitValue() + ": " + log());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("postgres did not accept connections within a minute: " + log());
            }
            Thread.sleep(50);
        }
    }

    private boolean accepting() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-q").start();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** The server's log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A fast shutdown (open sessions are ended); returns once the server is gone. */
    public void stop() throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        run("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m",
                "fast", "-w", "-t", "60", "stop");
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** SIGKILL to the postmaster and every process below it; returns once they are all gone. */
    public void kill() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.toHandle().descendants().toList());
        all.add(process.toHandle());
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : all) {
            h.onExit().orTimeout(60, TimeUnit.SECONDS).join();
        }
    }

    /** {@link #stop} then {@link #start}. */
    public void restart() throws IOException, InterruptedException {
        stop();
        start();
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** Runs SQL as the superuser through {@code psql} over the Unix socket; returns its output (unaligned). */
    public String psql(String sql) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("runuser", "-u", "postgres", "--", bin.resolve("psql").toString(), "-h",
                dir.toString(), "-p", Integer.toString(port), "-d", DATABASE, "-v", "ON_ERROR_STOP=1", "-A", "-t",
                "-c", sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("psql failed: " + out);
        }
        return out.strip();
    }

    private void killQuietly() {
        try {
            kill();
            deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            // the JVM is ending: best effort
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs
        }
        try {
            if (process != null && process.isAlive()) {
                kill(); // quicker than a shutdown, and the cluster is thrown away
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
