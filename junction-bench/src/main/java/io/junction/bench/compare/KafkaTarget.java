package io.junction.bench.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Apache Kafka 4.x, single node in KRaft mode (broker and controller in one process), started from the jars
 * Maven Central serves ({@code target/kafka-lib}), driven by the official Java client.
 */
final class KafkaTarget implements Target {

    private final String classpath;
    private ChildProcess process;
    private String bootstrap;
    private final List<AutoCloseable> open = new ArrayList<>();

    KafkaTarget(String classpath) {
        this.classpath = classpath;
    }

    @Override
    public String name() {
        return "Kafka";
    }

    @Override
    public String version() {
        return org.apache.kafka.common.utils.AppInfoParser.getVersion();
    }

    @Override
    public void start(Path dataDir, boolean fsync) throws Exception {
        int port = ChildProcess.freePort();
        int controller = ChildProcess.freePort();
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controller);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("logs").toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        if (fsync) {
            p.setProperty("log.flush.interval.messages", "1"); // the topic-level flush.messages=1
        }
        Path config = dataDir.resolve("server.properties");
        Files.createDirectories(dataDir);
        try (var out = Files.newBufferedWriter(config)) {
            p.store(out, "Junction's side-by-side benchmark");
        }
        String java = ChildProcess.java();
        try (ChildProcess format = ChildProcess.start(List.of(java, "-cp", classpath, "kafka.tools.StorageTool",
                "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()),
                dataDir.resolve("kafka-format.log"))) {
            format.awaitSuccess(Duration.ofSeconds(60));
        }
        process = ChildProcess.start(List.of(java, "-Xms1g", "-Xmx1g", "-cp", classpath, "kafka.Kafka",
                config.toString()), dataDir.resolve("kafka.log"));
        process.awaitPort(port, Duration.ofSeconds(90));
        bootstrap = "127.0.0.1:" + port;
    }

    @Override
    public ProcessHandle process() {
        return process.handle();
    }

    @Override
    public void createStream(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    @Override
    public Producer producer(String stream) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer());
        open.add(producer);
        return new Producer() {
            @Override
            public CompletableFuture<?> send(byte[] key, byte[] value) {
                CompletableFuture<Object> done = new CompletableFuture<>();
                producer.send(new ProducerRecord<>(stream, key, value), (meta, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(meta);
                    }
                });
                return done;
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(5));
            }
        };
    }

    @Override
    public AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Boolean.toString(!ackEach));
        AtomicBoolean running = new AtomicBoolean(true);
        Thread poller = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(stream));
                while (running.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        onMessage.accept(r.value());
                    }
                    if (ackEach && !records.isEmpty()) {
                        consumer.commitAsync();
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    System.err.println("kafka consumer failed: " + e);
                }
            }
        }, "kafka-consumer-" + group);
        poller.start();
        AutoCloseable stop = () -> {
            running.set(false);
            poller.join(10_000);
        };
        open.add(stop);
        return stop;
    }

    @Override
    public String durabilityNote(boolean fsync) {
        return fsync ? "`log.flush.interval.messages=1` (flush.messages=1)" : "defaults (no fsync before ack)";
    }

    @Override
    public String queueNote() {
        return "plain consumer group (no per-message ack; offsets committed after each poll); share groups not used";
    }

    @Override
    public void close() {
        ChildProcess.closeAll(open);
        if (process != null) {
            process.close();
        }
    }
}
