package io.junction.bench.compare;

import com.rabbitmq.stream.Environment;
import com.rabbitmq.stream.OffsetSpecification;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * RabbitMQ streams: Debian's {@code rabbitmq-server} (installed by junction-bench/run when missing) with the
 * {@code rabbitmq_stream} plugin, its own node, ports, data and cookie under the run's directory, on loopback,
 * driven by the official stream Java client ({@code com.rabbitmq:stream-client}).
 *
 * <p>Debian 12 ships RabbitMQ 3.10: no super streams (3.11+), so a stream of N partitions is N streams, the
 * producer picks one by the key's hash, and the group's consumers split them between them (statically: single
 * active consumer also came with 3.11). Streams have no per-message acknowledgement; in the queue workload each
 * consumer stores its offset after each message, the stream's way of recording progress. Streams confirm a
 * write once it is in the page cache of a quorum of replicas and never fsync before confirming (they rely on
 * replication), so the "fsync before ack" runs skip RabbitMQ.
 */
final class RabbitMqTarget implements Target {

    /** Unconfirmed messages per producer, over its streams (the client's default is 10 000 per stream). */
    static final int MAX_UNCONFIRMED = 8192;
    /** The harness's consumer groups have at most this many members; member i reads streams i, i + 4, ... */
    private static final int GROUP_SIZE = 4;

    private final String server;
    private ChildProcess process;
    private Path home;
    private Environment environment;
    private final Map<String, Integer> partitions = new HashMap<>();
    /** Per stream, the next consumer's index in its group (for the static split of partitions). */
    private final Map<String, AtomicInteger> consumersJoined = new HashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Whether this node started the Erlang port mapper (then it stops it too; never one that was running). */
    private boolean startedEpmd;

    RabbitMqTarget(String server) {
        this.server = server;
    }

    @Override
    public String name() {
        return "RabbitMQ streams";
    }

    @Override
    public String version() {
        // Debian's layout: /usr/lib/rabbitmq/lib/rabbitmq_server-VERSION
        try (var dirs = Files.list(Path.of("/usr/lib/rabbitmq/lib"))) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.startsWith("rabbitmq_server-"))
                    .map(n -> n.substring("rabbitmq_server-".length())).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void start(Path dataDir, boolean fsync) throws Exception {
        if (fsync) {
            throw new UnsupportedOperationException("RabbitMQ streams never fsync before confirming");
        }
        home = dataDir.toAbsolutePath();
        Files.createDirectories(home);
        int amqpPort = ChildProcess.freePort();
        int streamPort = ChildProcess.freePort();
        int distPort = ChildProcess.freePort();
        Files.writeString(home.resolve("enabled_plugins"), "[rabbitmq_stream].\n");
        Files.writeString(home.resolve("rabbitmq.conf"), "listeners.tcp.1 = 127.0.0.1:" + amqpPort + "\n"
                + "stream.listeners.tcp.1 = 127.0.0.1:" + streamPort + "\n"
                + "stream.advertised_host = 127.0.0.1\nstream.advertised_port = " + streamPort + "\n");
        String node = "bench" + distPort + "@localhost";
        startedEpmd = !listening(4369);
        process = ChildProcess.start(List.of("env", "HOME=" + home, "RABBITMQ_NODENAME=" + node,
                "RABBITMQ_MNESIA_BASE=" + home.resolve("mnesia"), "RABBITMQ_LOG_BASE=" + home.resolve("log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE=" + home.resolve("enabled_plugins"),
                "RABBITMQ_CONFIG_FILE=" + home.resolve("rabbitmq.conf"), "RABBITMQ_DIST_PORT=" + distPort,
                "ERL_EPMD_ADDRESS=127.0.0.1", server), home.resolve("rabbitmq.log"));
        process.awaitPort(streamPort, Duration.ofSeconds(90));
        // One connection per harness producer (its streams' producers) and per consumer, as the other clients
        // have; the client's default puts up to 256 of either on one connection.
        environment = Environment.builder().host("127.0.0.1").port(streamPort).maxProducersByConnection(16)
                .maxConsumersByConnection(GROUP_SIZE).maxTrackingConsumersByConnection(GROUP_SIZE).build();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public ProcessHandle process() {
        // The script runs the Erlang VM as a child: its resident memory is the broker's.
        return process.handle().descendants().filter(p -> p.info().command().orElse("").endsWith("beam.smp"))
                .findFirst().orElse(process.handle());
    }

    private List<String> streams(String stream) {
        int n = partitions.getOrDefault(stream, 1);
        List<String> names = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            names.add(n == 1 ? stream : stream + "-" + p);
        }
        return names;
    }

    @Override
    public void createStream(String name, int partitionCount) {
        partitions.put(name, partitionCount);
        consumersJoined.put(name, new AtomicInteger());
        for (String s : streams(name)) {
            environment.streamCreator().stream(s).create();
        }
    }

    @Override
    public Producer producer(String stream) {
        List<com.rabbitmq.stream.Producer> producers = new ArrayList<>();
        List<String> names = streams(stream);
        for (String s : names) {
            producers.add(environment.producerBuilder().stream(s).maxUnconfirmedMessages(
                    Math.max(256, MAX_UNCONFIRMED / names.size())).build());
        }
        AtomicInteger roundRobin = new AtomicInteger();
        return new Producer() {
            @Override
            public CompletableFuture<?> send(byte[] key, byte[] value) {
                int p = key == null ? Math.floorMod(roundRobin.getAndIncrement(), producers.size())
                        : Math.floorMod(Arrays.hashCode(key), producers.size());
                com.rabbitmq.stream.Producer producer = producers.get(p);
                CompletableFuture<Void> done = new CompletableFuture<>();
                // Blocks while MAX_UNCONFIRMED are outstanding: the client's own bound.
                producer.send(producer.messageBuilder().addData(value).build(), status -> {
                    if (status.isConfirmed()) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(new IllegalStateException("not confirmed: " + status.getCode()));
                    }
                });
                return done;
            }

            @Override
            public void close() {
                producers.forEach(com.rabbitmq.stream.Producer::close); // waits for pending confirms
            }
        };
    }

    @Override
    public AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage) {
        List<String> all = streams(stream);
        int member = consumersJoined.get(stream).getAndIncrement() % GROUP_SIZE;
        List<com.rabbitmq.stream.Consumer> consumers = new ArrayList<>();
        for (int p = member; p < all.size(); p += GROUP_SIZE) { // one stream: members after the first stay idle
            var builder = environment.consumerBuilder().stream(all.get(p)).offset(OffsetSpecification.first())
                    .messageHandler((context, message) -> {
                        onMessage.accept(message.getBodyAsBinary());
                        if (ackEach) {
                            context.storeOffset();
                        }
                    });
            if (ackEach) {
                builder = builder.name(group).manualTrackingStrategy().builder();
            }
            consumers.add(builder.build());
        }
        AutoCloseable stop = () -> consumers.forEach(com.rabbitmq.stream.Consumer::close);
        open.add(stop);
        return stop;
    }

    @Override
    public String durabilityNote(boolean fsync) {
        return fsync ? "not possible: streams confirm once a write is in the page cache (they rely on replication), "
                + "never after an fsync; skipped" : "defaults (streams never fsync before confirming)";
    }

    @Override
    public String queueNote() {
        return "streams have no per-message ack: each of the 4 consumers reads its share of the 16 streams and "
                + "stores its offset after every message";
    }

    @Override
    public void close() {
        ChildProcess.closeAll(open);
        if (environment != null) {
            environment.close();
        }
        if (process != null) {
            ProcessHandle beam = process();
            process.close();
            beam.destroy(); // the VM, if the script did not take it down
            beam.onExit().orTimeout(30, TimeUnit.SECONDS).handle((p, e) -> null).join();
            if (!startedEpmd) {
                return;
            }
            try { // the Erlang port mapper the node started (on loopback), so that nothing is left running
                new ProcessBuilder("epmd", "-kill").redirectErrorStream(true).redirectOutput(
                        home.resolve("epmd.log").toFile()).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // no epmd on the PATH: nothing to stop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
