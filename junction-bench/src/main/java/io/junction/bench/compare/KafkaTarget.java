package io.junction.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Apache Kafka 4.x, single node in KRaft mode (broker and controller in one process), started from the jars
 * Maven Central serves ({@code target/kafka-lib}), driven by the official Java client.
 *
 * <p>With {@code shareGroups} (broker name {@code kafka-share}) its consumers form a share group (KIP-932, generally
 * available since Kafka 4.2): the queue that Kafka offers, where the group's consumers take records from every
 * partition and acknowledge each one. Only the queue workload runs then; the others are Kafka's plain consumer
 * groups, measured under {@code kafka}.
 */
final class KafkaTarget implements Target {

    private final String classpath;
    private final boolean shareGroups;
    private ChildProcess process;
    private String bootstrap;
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Partitions of each topic created, for waiting until a share group covers them all. */
    private final Map<String, Integer> partitions = new HashMap<>();

    KafkaTarget(String classpath, boolean shareGroups) {
        this.classpath = classpath;
        this.shareGroups = shareGroups;
    }

    @Override
    public String name() {
        return shareGroups ? "Kafka share groups" : "Kafka";
    }

    @Override
    public String skipReason(Workload w) {
        return shareGroups && !w.ackEach() ? "share groups are for the queue workload (d) only" : null;
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
        if (shareGroups) {
            // Share groups are on by default since 4.2 (share.version=1 when formatted). A member learns its
            // assignment from a heartbeat, 5 s apart by default: 1 s lets the 4 members settle within the warm-up.
            p.setProperty("group.share.min.heartbeat.interval.ms", "1000");
            p.setProperty("group.share.heartbeat.interval.ms", "1000");
        }
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
        this.partitions.put(name, partitions);
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
    public AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage)
            throws Exception {
        if (shareGroups) {
            return shareConsumer(stream, group, onMessage);
        }
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

    /**
     * A member of share group {@code group} that accepts each record on its own (explicit acknowledgement mode) and
     * commits the acknowledgements after each poll. The group starts at the topic's first record (the group config
     * {@code share.auto.offset.reset=earliest}: the default, latest, would miss what the producers sent before the
     * group's first fetch). Returns once the group's state covers every partition of
     * {@code stream}: on a fresh broker that takes seconds (the share-group state topic is created, then each
     * partition's state), which would otherwise fall into the measured window.
     */
    private AutoCloseable shareConsumer(String stream, String group, Consumer<byte[]> onMessage) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                            AlterConfigOp.OpType.SET)))).all().get();
        }
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.setProperty(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        AtomicBoolean running = new AtomicBoolean(true);
        Thread poller = new Thread(() -> {
            try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(p,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(stream));
                while (running.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        onMessage.accept(r.value());
                        consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    if (!records.isEmpty()) {
                        consumer.commitAsync();
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    System.err.println("kafka share consumer failed: " + e);
                }
            }
        }, "kafka-share-consumer-" + group);
        poller.start();
        AutoCloseable stop = () -> {
            running.set(false);
            poller.join(10_000);
        };
        open.add(stop);
        awaitShareGroup(stream, group, Duration.ofSeconds(60));
        return stop;
    }

    private void awaitShareGroup(String stream, String group, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (true) {
                long covered = admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec()))
                        .partitionsToOffsetInfo(group).get().keySet().stream()
                        .filter(tp -> tp.topic().equals(stream)).count();
                if (covered == partitions.get(stream)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("share group " + group + " covers " + covered + " of " + stream + "'s "
                            + partitions.get(stream) + " partitions after " + timeout);
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public String durabilityNote(boolean fsync) {
        return fsync ? "`log.flush.interval.messages=1` (flush.messages=1)" : "defaults (no fsync before ack)";
    }

    @Override
    public String queueNote() {
        return shareGroups ? "share group, explicit acknowledgement: each record accepted, then commitAsync after "
                + "each poll" : "plain consumer group (no per-message ack; offsets committed after each poll)";
    }

    @Override
    public void close() {
        ChildProcess.closeAll(open);
        if (process != null) {
            process.close();
        }
    }
}
