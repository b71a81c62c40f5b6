package io.junction.bench.compare;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NATS JetStream: Debian's {@code nats-server}, file storage, driven by the official Java client (jnats).
 * junction-bench/run fetches Debian 13's package (2.10+) without installing it: from 2.10 on, {@code sync_interval:
 * always} makes the server fsync before each acknowledgement. When that fetch fails it falls back to Debian 12's
 * 2.9, which has no {@code sync_interval}: it cannot fsync before each acknowledgement, so the "fsync before ack"
 * runs skip it.
 */
final class NatsTarget implements Target {

    /** Unacknowledged async publishes per producer (jnats has no bound of its own). */
    static final int MAX_OUTSTANDING = 8192;
    /**
     * The same bound with {@code sync_interval: always}. A stream queues at most 10,000 incoming messages in 2.10
     * and drops what comes past that unanswered (the publish times out); with each write waiting for the disk
     * that queue fills, and 4 producers with 8192 each lost most of their publishes, with 2048 each none.
     */
    static final int MAX_OUTSTANDING_FSYNC = 2048;
    /** {@code nats-server --version} of each server path asked about (the harness makes many targets). */
    private static final Map<String, String> VERSIONS = new ConcurrentHashMap<>();

    private final String server;
    private ChildProcess process;
    private boolean fsync;
    private Connection connection;
    private final List<AutoCloseable> open = new ArrayList<>();

    NatsTarget(String server) {
        this.server = server;
    }

    @Override
    public String name() {
        return "NATS JetStream";
    }

    @Override
    public String version() {
        return connection == null ? "nats-server" : connection.getServerInfo().getVersion();
    }

    /** True when this nats-server can fsync before each acknowledgement ({@code sync_interval: always}, 2.10+). */
    boolean canFsync() {
        Matcher m = Pattern.compile("v(\\d+)\\.(\\d+)\\.").matcher(serverVersion());
        return m.find() && Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) >= 2010;
    }

    /** What {@code nats-server --version} prints (e.g. {@code nats-server: v2.10.27}). */
    private String serverVersion() {
        return VERSIONS.computeIfAbsent(server, s -> {
            try {
                Process p = new ProcessBuilder(s, "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                p.waitFor();
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public void start(Path dataDir, boolean fsync) throws Exception {
        if (fsync && !canFsync()) {
            throw new UnsupportedOperationException(serverVersion() + " cannot fsync before each ack");
        }
        this.fsync = fsync;
        int port = ChildProcess.freePort();
        Path config = dataDir.resolve("nats.conf");
        Files.createDirectories(dataDir);
        Files.writeString(config, "listen: 127.0.0.1:" + port + "\njetstream {\n  store_dir: \""
                + dataDir.resolve("js") + "\"\n  max_file_store: 64G\n" + (fsync ? "  sync_interval: always\n" : "")
                + "}\n");
        process = ChildProcess.start(List.of(server, "-c", config.toString()), dataDir.resolve("nats.log"));
        process.awaitPort(port, Duration.ofSeconds(30));
        connection = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port)
                .maxMessagesInOutgoingQueue(1_000_000).build());
    }

    @Override
    public ProcessHandle process() {
        return process.handle();
    }

    @Override
    public void createStream(String name, int partitions) throws Exception {
        JetStreamManagement jsm = connection.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(name).storageType(StorageType.File)
                .build());
    }

    @Override
    public Producer producer(String stream) throws Exception {
        JetStream js = connection.jetStream();
        int limit = fsync ? MAX_OUTSTANDING_FSYNC : MAX_OUTSTANDING;
        Semaphore outstanding = new Semaphore(limit);
        return new Producer() {
            @Override
            public CompletableFuture<?> send(byte[] key, byte[] value) {
                outstanding.acquireUninterruptibly();
                return js.publishAsync(stream, value).whenComplete((ack, e) -> outstanding.release());
            }

            @Override
            public void close() {
                outstanding.acquireUninterruptibly(limit); // wait for every ack
            }
        };
    }

    @Override
    public AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage)
            throws Exception {
        JetStreamManagement jsm = connection.jetStreamManagement();
        jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(group)
                .ackPolicy(ackEach ? AckPolicy.Explicit : AckPolicy.None).deliverPolicy(DeliverPolicy.All)
                .maxAckPending(ackEach ? 20_000 : -1).build());
        ConsumerContext context = connection.getStreamContext(stream).getConsumerContext(group);
        MessageConsumer consumer = context.consume(m -> {
            onMessage.accept(m.getData());
            if (ackEach) {
                m.ack();
            }
        });
        AutoCloseable stop = consumer::stop;
        open.add(stop);
        return stop;
    }

    @Override
    public String durabilityNote(boolean fsync) {
        if (!fsync) {
            return "defaults (fsync every 2 min)";
        }
        return canFsync() ? "`sync_interval: always` (an fsync after each write)"
                : "not possible with " + serverVersion() + " (no sync_interval): skipped";
    }

    @Override
    public String queueNote() {
        return "durable pull consumer shared by the 4, explicit ack of each message";
    }

    @Override
    public void close() {
        ChildProcess.closeAll(open);
        if (connection != null) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (process != null) {
            process.close();
        }
    }
}
