package io.junction.bench;

import io.junction.bench.compare.ChildProcess;
import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Ordering;
import io.junction.client.Producer;
import io.junction.client.StationOptions;
import io.junction.log.FileTrees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consume path alone: a station is filled first, then a group drains it, each message acked on its own; the
 * figures are the drain's msg/s and the CPU time it cost the broker and this harness (the client) per message.
 * Producing meanwhile would mix the produce path's costs in (that is what {@code compare} measures); this one
 * isolates the group, the delivery and the client's consumer. One broker for all rounds; the first round is the
 * JIT's warm-up and is left out of the median.
 */
public final class DrainBench {

    private DrainBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target", "drain-bench");
        Path jar = Path.of("junction-cli", "target", "junction.jar");
        int messages = 300_000;
        int partitions = 16;
        int keys = 1000;
        int consumers = 4;
        int prefetch = 1000;
        int size = 1024;
        int rounds = 4;
        String ordering = "key";
        String auth = "loopback";
        Path jfr = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--junction-jar" -> jar = Path.of(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--consumers" -> consumers = Integer.parseInt(args[++i]);
                case "--prefetch" -> prefetch = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--ordering" -> ordering = args[++i];
                case "--auth" -> auth = args[++i];
                case "--broker-jfr" -> jfr = Path.of(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("usage: junction-bench/run drain [--messages N] [--partitions N] [--keys N (0: keyless)] "
                            + "[--consumers N] [--prefetch N] [--size BYTES] [--rounds N] [--ordering key|partition|"
                            + "none] [--auth loopback|token|both] [--broker-jfr FILE (a JFR profile of the broker)] [--dir DIR] "
                            + "[--junction-jar JAR]");
                    System.exit(2);
                }
            }
        }
        FileTrees.deleteTree(dir);
        Files.createDirectories(dir);
        int port = ChildProcess.freePort();
        List<String> command = new ArrayList<>(List.of(ChildProcess.java(), "-Xms1g", "-Xmx1g"));
        if (jfr != null) {
            command.add("-XX:StartFlightRecording=settings=profile,filename=" + jfr);
        }
        command.addAll(List.of("-jar", jar.toString(), "server", "--data", dir.resolve("data").toString(), "--port",
                Integer.toString(port), "--http-port", "0", "--durability", "fsync"));
        // --auth token: the server requires authentication and every call carries an admin API token (what
        // authentication costs the consume path); loopback: no credentials, the default; both: one server in the
        // default mode, rounds alternating between a client without credentials (the loopback root) and one with
        // an admin API token (a call that carries a token is checked exactly as in --auth required), so both are
        // measured in the same broker process, JIT and disk state.
        String rootPassword = "drain root password " + System.nanoTime();
        if (auth.equals("token")) {
            Path passwordFile = Files.writeString(dir.resolve("root-password"), rootPassword + "\n");
            command.addAll(List.of("--auth", "required", "--root-password-file", passwordFile.toString()));
        } else if (!auth.equals("loopback") && !auth.equals("both")) {
            System.err.println("--auth is loopback, token or both, not " + auth);
            System.exit(2);
        }
        ChildProcess broker = ChildProcess.start(command, dir.resolve("junction.log"));
        List<double[]> results = new ArrayList<>();
        broker.awaitPort(port, Duration.ofMinutes(2));
        JunctionClient.Builder clientBuilder = JunctionClient.builder().server("127.0.0.1:" + port);
        JunctionClient.Builder tokenBuilder = JunctionClient.builder().server("127.0.0.1:" + port);
        if (!auth.equals("loopback")) {
            JunctionClient.Builder rootBuilder = JunctionClient.builder().server("127.0.0.1:" + port);
            if (auth.equals("token")) {
                rootBuilder.credentials("root", rootPassword);
            }
            try (JunctionClient root = rootBuilder.build()) {
                String secret = root.createToken("drain", "admin", List.of(), List.of(), null).secret();
                tokenBuilder.token(secret);
                if (auth.equals("token")) {
                    clientBuilder.token(secret);
                }
            }
        }
        boolean alternate = auth.equals("both");
        int warmUp = alternate ? 2 : 1;
        List<double[]> tokenResults = new ArrayList<>();
        try (JunctionClient client = clientBuilder.build(); JunctionClient tokenClient = tokenBuilder.build()) {
            System.out.printf("drain: authentication %s%n", auth.equals("token")
                    ? "required, every call with an admin API token" : alternate ? "rounds alternating: none "
                    + "(loopback) in odd rounds, an admin API token in even rounds (same broker)"
                    : "none (loopback)");
            System.out.printf("drain: %d messages of %d bytes, %d keys, %d partitions, %s ordering; %d consumers, "
                    + "prefetch %d, each message acked; broker %s with --durability fsync%n", messages, size, keys,
                    partitions, ordering, consumers, prefetch, jar);
            for (int round = 1; round <= rounds; round++) {
                String station = "drain-" + round;
                StationOptions.Builder options = StationOptions.builder().partitions(partitions);
                for (Ordering o : Ordering.values()) {
                    if (o.wireName().equals(ordering)) {
                        options.ordering(o);
                    }
                }
                client.createStation(station, options.build());
                fill(client, station, messages, keys, size);
                boolean withToken = alternate && round % 2 == 0;
                double[] r = drain(withToken ? tokenClient : client, station, messages, consumers, prefetch,
                        broker.handle());
                if (round > warmUp) {
                    (withToken ? tokenResults : results).add(r);
                }
                System.out.printf("drain: round %d%s%s: %,.0f msg/s; CPU per message: broker %.1f µs, client %.1f "
                        + "µs%n", round, alternate ? (withToken ? " (token)" : " (loopback)") : "",
                        round <= warmUp ? " (warm-up)" : "", r[0], r[1], r[2]);
            }
        } finally {
            broker.close();
        }
        if (!results.isEmpty()) {
            System.out.printf("drain: median of rounds %d-%d%s: %,.0f msg/s; CPU per message: broker %.1f µs, client "
                    + "%.1f µs%n", warmUp + 1, rounds, alternate ? " without credentials" : "", median(results, 0),
                    median(results, 1), median(results, 2));
        }
        if (!tokenResults.isEmpty()) {
            System.out.printf("drain: median of rounds %d-%d with a token: %,.0f msg/s; CPU per message: broker %.1f "
                    + "µs, client %.1f µs%n", warmUp + 1, rounds, median(tokenResults, 0), median(tokenResults, 1),
                    median(tokenResults, 2));
            System.out.printf("drain: with a token / without: %.3f× msg/s, %.3f× broker CPU per message%n",
                    median(tokenResults, 0) / median(results, 0), median(tokenResults, 1) / median(results, 1));
            // Each token round against the loopback round just before it: drift over the run cancels out.
            List<double[]> pairs = new ArrayList<>();
            for (int i = 0; i < Math.min(results.size(), tokenResults.size()); i++) {
                pairs.add(new double[] {tokenResults.get(i)[0] / results.get(i)[0],
                        tokenResults.get(i)[1] / results.get(i)[1]});
            }
            System.out.printf("drain: median over %d adjacent pairs (token round / loopback round before it): %.3f× "
                    + "msg/s, %.3f× broker CPU per message%n", pairs.size(), median(pairs, 0), median(pairs, 1));
        }
    }

    private static void fill(JunctionClient client, String station, int messages, int keys, int size)
            throws Exception {
        byte[] value = new byte[size];
        new SplittableRandom(42).nextBytes(value);
        try (Producer producer = client.producer(station).build()) {
            ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
            for (int i = 0; i < messages; i++) {
                Message.Builder message = Message.builder().value(value);
                if (keys > 0) { // 0: keyless messages
                    message.key(("k" + (i % keys)).getBytes(StandardCharsets.UTF_8));
                }
                inFlight.add(producer.send(message.build()));
                if (inFlight.size() > 20_000) {
                    inFlight.poll().get(1, TimeUnit.MINUTES);
                }
            }
            for (CompletableFuture<?> f : inFlight) {
                f.get(1, TimeUnit.MINUTES);
            }
        }
    }

    /** {msg/s, broker µs per message, client µs per message}. */
    private static double[] drain(JunctionClient client, String station, int messages, int consumers, int prefetch,
            ProcessHandle broker) throws Exception {
        AtomicLong handled = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long brokerTicks = ScaleBench.cpuTicks(broker);
        long clientTicks = ScaleBench.cpuTicks(ProcessHandle.current());
        long start = System.nanoTime();
        List<io.junction.client.Consumer> open = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            open.add(client.consumer(station, "drain").prefetch(prefetch).handler(m -> {
                m.ack();
                if (handled.incrementAndGet() == messages) {
                    done.countDown();
                }
            }).build().start());
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("drained " + handled.get() + " of " + messages + " in 10 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double brokerMicros = (ScaleBench.cpuTicks(broker) - brokerTicks) * 1e6 / ScaleBench.CLOCK_TICKS / messages;
        double clientMicros = (ScaleBench.cpuTicks(ProcessHandle.current()) - clientTicks) * 1e6
                / ScaleBench.CLOCK_TICKS / messages;
        for (io.junction.client.Consumer c : open) {
            c.close();
        }
        return new double[] {messages / seconds, brokerMicros, clientMicros};
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
