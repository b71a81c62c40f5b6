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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * NATS JetStream: Debian's {@code nats-server} (installed by junction-bench/run when missing), file storage,
 * driven by the official Java client (jnats). Debian 12 ships nats-server 2.9, which has no {@code sync_interval}:
 * it cannot fsync before each acknowledgement, so the "fsync before ack" runs skip it.
 */
final class NatsTarget implements Target {

    /** Unacknowledged async publishes per producer (jnats has no bound of its own). */
    static final int MAX_OUTSTANDING = 8192;

    private final String server;
    private ChildProcess process;
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
        return false;
    }

    @Override
    public void start(Path dataDir, boolean fsync) throws Exception {
        if (fsync && !canFsync()) {
            throw new UnsupportedOperationException("nats-server 2.9 cannot fsync before each ack");
        }
        int port = ChildProcess.freePort();
        Path config = dataDir.resolve("nats.conf");
        Files.createDirectories(dataDir);
        Files.writeString(config, "listen: 127.0.0.1:" + port + "\njetstream {\n  store_dir: \""
                + dataDir.resolve("js") + "\"\n  max_file_store: 64G\n}\n");
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
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        return new Producer() {
            @Override
            public CompletableFuture<?> send(byte[] key, byte[] value) {
                outstanding.acquireUninterruptibly();
                return js.publishAsync(stream, value).whenComplete((ack, e) -> outstanding.release());
            }

            @Override
            public void close() {
                outstanding.acquireUninterruptibly(MAX_OUTSTANDING); // wait for every ack
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
        return fsync ? "not possible with nats-server 2.9 (no sync_interval): skipped"
                : "defaults (fsync every 2 min)";
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
