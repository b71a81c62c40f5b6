package io.junction.bench.compare;

import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.StationOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Junction: {@code junction.jar server} in a child JVM, driven by the Java client. */
final class JunctionTarget implements Target {

    /** Messages the broker may send ahead of the handler; -Djunction.prefetch=N to try others. */
    static final int PREFETCH = Integer.getInteger("junction.prefetch", 1000);
    /** The stations' group ordering: the default (key), or -Djunction.ordering=partition|none. */
    static final String ORDERING = System.getProperty("junction.ordering", "");
    /** {@code -Djunction.flushInterval=DUR}: the server's {@code --flush-interval} in the no-fsync runs. */
    static final String FLUSH_INTERVAL = System.getProperty("junction.flushInterval", "");

    private final Path jar;
    private ChildProcess process;
    private JunctionClient client;
    private final List<AutoCloseable> open = new ArrayList<>();

    JunctionTarget(Path jar) {
        this.jar = jar;
    }

    @Override
    public String name() {
        return "Junction";
    }

    @Override
    public String version() {
        return "0.1.0-SNAPSHOT";
    }

    @Override
    public void start(Path dataDir, boolean fsync) throws Exception {
        int port = ChildProcess.freePort();
        int http = ChildProcess.freePort();
        List<String> command = new ArrayList<>(List.of(ChildProcess.java(), "-Xms1g", "-Xmx1g", "-jar",
                jar.toString(), "server", "--data", dataDir.resolve("data").toString(), "--port",
                Integer.toString(port), "--http-port", Integer.toString(http), "--durability",
                fsync ? "fsync" : "interval"));
        if (!fsync && !FLUSH_INTERVAL.isEmpty()) {
            command.addAll(List.of("--flush-interval", FLUSH_INTERVAL));
        }
        process = ChildProcess.start(command, dataDir.resolve("junction.log"));
        process.awaitPort(port, Duration.ofSeconds(60));
        client = JunctionClient.builder().server("127.0.0.1:" + port).build();
    }

    @Override
    public ProcessHandle process() {
        return process.handle();
    }

    @Override
    public void createStream(String name, int partitions) {
        StationOptions.Builder options = StationOptions.builder().partitions(partitions);
        for (io.junction.client.Ordering o : io.junction.client.Ordering.values()) {
            if (o.wireName().equals(ORDERING)) {
                options.ordering(o);
            }
        }
        client.createStation(name, options.build());
    }

    @Override
    public Producer producer(String stream) {
        io.junction.client.Producer producer = client.producer(stream).build();
        open.add(producer);
        return new Producer() {
            @Override
            public CompletableFuture<?> send(byte[] key, byte[] value) {
                Message.Builder m = Message.builder().value(value);
                return producer.send(key == null ? m.build() : m.key(key).build());
            }

            @Override
            public void close() {
                producer.close();
            }
        };
    }

    @Override
    public AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage) {
        io.junction.client.Consumer consumer = client.consumer(stream, group).prefetch(PREFETCH).handler(m -> {
            onMessage.accept(m.value());
            m.ack();
        }).build().start();
        open.add(consumer);
        return consumer;
    }

    @Override
    public String durabilityNote(boolean fsync) {
        return fsync ? "`--durability fsync` (group commit)" : "`--durability interval` (fsync every 1 s)";
    }

    @Override
    public String queueNote() {
        return "consumer group, each message acked on its own (as in every workload)";
    }

    @Override
    public void close() {
        ChildProcess.closeAll(open);
        if (client != null) {
            client.close();
        }
        if (process != null) {
            process.close();
        }
    }
}
