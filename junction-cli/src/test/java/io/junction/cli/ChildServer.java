package io.junction.cli;

import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code junction server} in a child JVM, for tests that kill the broker with SIGKILL: started on a data
 * directory and a port, killed, started again. Not thread-safe.
 */
final class ChildServer implements AutoCloseable {

    private final Path dataDir;
    private final int port;
    private final ProcessBuilder.Redirect output;
    private final int httpPort;
    private List<String> jvmOptions = List.of();
    private List<String> serverOptions = List.of();
    private Process process;

    ChildServer(Path dataDir) throws Exception {
        this(dataDir, ProcessBuilder.Redirect.DISCARD);
    }

    /** A server whose output (its log) goes to {@code output}, e.g. appended to a file across restarts. */
    ChildServer(Path dataDir, ProcessBuilder.Redirect output) throws Exception {
        this.dataDir = dataDir;
        this.port = freePort();
        this.httpPort = freePort();
        this.output = output;
    }

    /** JVM options (e.g. {@code -Xmx1g}) and {@code junction server} options for the next start. */
    ChildServer options(List<String> jvm, List<String> server) {
        this.jvmOptions = List.copyOf(jvm);
        this.serverOptions = List.copyOf(server);
        return this;
    }

    int httpPort() {
        return httpPort;
    }

    /** The running server's process. */
    Process process() {
        return process;
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    ChildServer start() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--data", dataDir.toString(), "--port", Integer.toString(port), "--http-port",
                Integer.toString(httpPort)));
        command.addAll(serverOptions);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
        return this;
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** A client once the server answers (a child JVM takes a moment to start). */
    JunctionClient connect() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JunctionClient client = JunctionClient.builder().server(address()).callTimeout(Duration.ofSeconds(5))
                    .build();
            try {
                client.stations();
                return client;
            } catch (JunctionException e) {
                client.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Waits until the server answers again. */
    void awaitUp() throws InterruptedException {
        connect().close();
    }

    static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
