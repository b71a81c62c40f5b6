package io.junction.bench.compare;

import io.junction.bench.DiskProbe;
import io.junction.log.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code junction-bench/run compare}: the same workloads against Junction, Apache Kafka (consumer groups, and share
 * groups for the queue workload), NATS JetStream and RabbitMQ streams on this machine, in two durability settings,
 * next to the machine's physical limits; prints one Markdown report with every figure also as a ratio to Junction's.
 */
public final class CompareMain {

    private final Path base;
    private final Duration warmup;
    private final Duration measure;
    private final List<Workload> workloads;
    private final List<String> brokers;
    private final List<Boolean> durabilities;
    private final Path junctionJar;
    private final String kafkaClasspath;
    private final String natsServer;
    private final String rabbitMqServer;
    /** durability → workload id → broker → result (null: not run). */
    private final Map<Boolean, Map<String, Map<String, Runner.Result>>> results = new LinkedHashMap<>();
    private final Map<String, String> versions = new LinkedHashMap<>();
    private final Map<String, Long> idleRss = new LinkedHashMap<>();
    private final Map<String, Double> coldStartMs = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    private CompareMain(Map<String, String> o) {
        this.base = Path.of(o.getOrDefault("dir", "bench-data")).toAbsolutePath();
        this.warmup = Duration.ofSeconds(Long.parseLong(o.getOrDefault("warmup", "5")));
        this.measure = Duration.ofSeconds(Long.parseLong(o.getOrDefault("seconds", "15")));
        this.workloads = Stream.of(o.getOrDefault("workloads", "a,b,c,d,e").split(",")).map(Workload::of).toList();
        this.brokers = List.of(o.getOrDefault("brokers", "junction,kafka,kafka-share,nats,rabbitmq").split(","));
        String d = o.getOrDefault("durability", "both");
        this.durabilities = d.equals("both") ? List.of(true, false) : List.of(d.equals("fsync"));
        this.junctionJar = Path.of(o.getOrDefault("junction-jar", "junction-cli/target/junction.jar"));
        this.kafkaClasspath = o.getOrDefault("kafka-classpath", "");
        this.natsServer = o.getOrDefault("nats-server", "nats-server");
        this.rabbitMqServer = o.getOrDefault("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: compare [--seconds N] [--warmup N] [--workloads a,b,c,d,e] "
                        + "[--brokers junction,kafka,kafka-share,nats,rabbitmq] [--durability both|fsync|nofsync] "
                        + "[--dir DIR] [--out FILE]");
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        CompareMain main = new CompareMain(options);
        String report = main.run();
        System.out.println(report);
        if (options.containsKey("out")) {
            Files.writeString(Path.of(options.get("out")), report);
        }
    }

    private Target target(String name) {
        return switch (name) {
            case "junction" -> new JunctionTarget(junctionJar);
            case "kafka" -> new KafkaTarget(kafkaClasspath, false);
            case "kafka-share" -> new KafkaTarget(kafkaClasspath, true);
            case "nats" -> new NatsTarget(natsServer);
            case "rabbitmq" -> new RabbitMqTarget(rabbitMqServer);
            default -> throw new IllegalArgumentException("unknown broker '" + name + "': junction, kafka, "
                    + "kafka-share, nats or rabbitmq");
        };
    }

    private String run() throws Exception {
        Files.createDirectories(base);
        double diskMBps = DiskProbe.sequentialFdatasyncMBps(base, 16 << 20, 3);
        double fsyncsPerSec = DiskProbe.fdatasyncsPerSecond(base, 1024, 2);
        double loopbackMBps = loopbackMBps(Duration.ofSeconds(3));
        log("limits: disk %.0f MB/s with fdatasync per 16 MiB, %.0f fdatasync/s, loopback TCP %.0f MB/s", diskMBps,
                fsyncsPerSec, loopbackMBps);

        for (String broker : brokers) {
            coldStart(broker);
        }
        for (boolean fsync : durabilities) {
            Map<String, Map<String, Runner.Result>> byWorkload = new LinkedHashMap<>();
            results.put(fsync, byWorkload);
            for (Workload w : workloads) {
                Map<String, Runner.Result> byBroker = new LinkedHashMap<>();
                byWorkload.put(w.id(), byBroker);
                Workload actual = w;
                if (w.rate() < 0) {
                    Runner.Result a = byWorkload.getOrDefault("a", Map.of()).get("junction");
                    actual = w.withRate(a == null ? 10_000 : Math.max(1, (long) (a.producedPerSec() / 2)));
                    notes.add(String.format(Locale.ROOT, "(c) under %s: %,d msg/s", label(fsync), actual.rate()));
                }
                for (String broker : brokers) {
                    byBroker.put(broker, runOne(broker, actual, fsync));
                }
            }
        }
        return report(diskMBps, fsyncsPerSec, loopbackMBps);
    }

    private Runner.Result runOne(String broker, Workload w, boolean fsync) throws Exception {
        Path dir = freshDir(broker + "-" + w.id() + "-" + (fsync ? "fsync" : "nofsync"));
        try (Target target = target(broker)) {
            String skip = target.skipReason(w);
            if (skip != null) {
                log("%s, (%s), %s: skipped (%s)", broker, w.id(), label(fsync), skip);
                return null;
            }
            try {
                target.start(dir, fsync);
            } catch (UnsupportedOperationException e) {
                log("%s, (%s), %s: skipped (%s)", broker, w.id(), label(fsync), e.getMessage());
                return null;
            }
            versions.putIfAbsent(target.name(), target.version());
            Runner.Result r = Runner.run(target, w, warmup, measure);
            log("%s (%s) %s: %,.0f msg/s produced, %,.0f consumed, %.1f MB/s, ack p50 %.2f ms, e2e p50 %.2f p99 %.2f "
                    + "ms, rss %d MiB, errors %d", target.name(), w.id(), label(fsync), r.producedPerSec(),
                    r.consumedPerSec(), r.mbPerSec(), ms(r.ack(), 50), ms(r.e2e(), 50), ms(r.e2e(), 99),
                    r.peakRssBytes() >> 20, r.errors());
            return r;
        } finally {
            FileTrees.deleteTree(dir);
        }
    }

    /** Start to first acknowledged produce (incl. creating the stream), and resident memory when idle. */
    private void coldStart(String broker) throws Exception {
        Path dir = freshDir(broker + "-cold");
        try (Target target = target(broker)) {
            long start = System.nanoTime();
            target.start(dir, false);
            target.createStream("cold", 1);
            try (Target.Producer producer = target.producer("cold")) {
                producer.send(null, new byte[100]).get(60, TimeUnit.SECONDS);
            }
            double ms = (System.nanoTime() - start) / 1e6;
            coldStartMs.put(target.name(), ms);
            versions.putIfAbsent(target.name(), target.version());
            Thread.sleep(3000);
            idleRss.put(target.name(), ChildProcess.residentBytes(target.process()));
            log("%s: first acknowledged produce %.0f ms after start; idle RSS %d MiB", target.name(), ms,
                    idleRss.get(target.name()) >> 20);
        } finally {
            FileTrees.deleteTree(dir);
        }
    }

    // ----- the report ----------------------------------------------------------------------------------------------

    private String report(double diskMBps, double fsyncsPerSec, double loopbackMBps) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Run on %s: %d cores, %d GiB, %s; Java %s; %s. Each run: %d s warm-up, "
                + "%d s measured, a fresh broker and data directory.%n%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), totalMemoryGiB(), System.getProperty("os.name"),
                System.getProperty("java.version"), versions, warmup.toSeconds(), measure.toSeconds()));
        out.append(String.format(Locale.ROOT, "Physical limits: sequential write + fdatasync every 16 MiB %.0f MB/s; "
                + "%,.0f fdatasyncs/s after a 1 KiB append; loopback TCP %.0f MB/s.%n%n", diskMBps, fsyncsPerSec,
                loopbackMBps));
        for (Map.Entry<Boolean, Map<String, Map<String, Runner.Result>>> d : results.entrySet()) {
            boolean fsync = d.getKey();
            out.append("### ").append(fsync ? "fsync before ack" : "no fsync before ack").append("\n\n");
            for (String broker : brokers) {
                out.append("- ").append(target(broker).name()).append(": ")
                        .append(target(broker).durabilityNote(fsync)).append('\n');
            }
            out.append('\n');
            for (Map.Entry<String, Map<String, Runner.Result>> w : d.getValue().entrySet()) {
                Workload workload = Workload.of(w.getKey());
                out.append("**(").append(workload.id()).append(") ").append(workload.title()).append("**");
                if (workload.ackEach()) {
                    String sep = " — ";
                    for (String broker : brokers) {
                        if (!broker.equals("junction")) {
                            out.append(sep).append(target(broker).name()).append(": ")
                                    .append(target(broker).queueNote());
                            sep = "; ";
                        }
                    }
                }
                out.append("\n\n");
                table(out, w.getValue(), workload, fsync, diskMBps, loopbackMBps);
            }
        }
        out.append("### Footprint and start\n\n| | ");
        versions.keySet().forEach(n -> out.append(n).append(" | "));
        out.append("\n|---|");
        versions.keySet().forEach(n -> out.append("---:|"));
        out.append("\n| resident memory, idle | ");
        versions.keySet().forEach(n -> out.append(mib(idleRss.get(n))).append(" | "));
        out.append("\n| resident memory, peak under (b), no fsync | ");
        Map<String, Runner.Result> b = results.getOrDefault(false, Map.of()).getOrDefault("b", Map.of());
        for (String broker : brokers) {
            Runner.Result r = b.get(broker);
            out.append(r == null ? "—" : mib(r.peakRssBytes())).append(" | ");
        }
        out.append("\n| start to first acknowledged produce | ");
        versions.keySet().forEach(n -> out.append(coldStartMs.containsKey(n)
                ? String.format(Locale.ROOT, "%.0f ms", coldStartMs.get(n)) : "—").append(" | "));
        out.append("\n\n");
        notes.forEach(n -> out.append("- ").append(n).append('\n'));
        return out.toString();
    }

    private void table(StringBuilder out, Map<String, Runner.Result> byBroker, Workload w, boolean fsync,
            double diskMBps, double loopbackMBps) {
        out.append("| | ");
        for (String broker : brokers) {
            out.append(target(broker).name()).append(" | ");
        }
        out.append("\n|---|");
        brokers.forEach(x -> out.append("---:|"));
        out.append('\n');
        Runner.Result junction = byBroker.get("junction");
        row(out, "produced msg/s (acked)", byBroker, junction, r -> r.producedPerSec(), "%,.0f");
        row(out, "MB/s (payload)", byBroker, junction, r -> r.mbPerSec(), "%.1f");
        row(out, "consumed msg/s", byBroker, junction, r -> r.consumedPerSec(), "%,.0f");
        row(out, "produce ack p50 ms", byBroker, junction, r -> ms(r.ack(), 50), "%.2f");
        row(out, "produce ack p99 ms", byBroker, junction, r -> ms(r.ack(), 99), "%.2f");
        row(out, "end to end p50 ms", byBroker, junction, r -> ms(r.e2e(), 50), "%.2f");
        row(out, "end to end p99 ms", byBroker, junction, r -> ms(r.e2e(), 99), "%.2f");
        row(out, "end to end p99.9 ms", byBroker, junction, r -> ms(r.e2e(), 99.9), "%.2f");
        row(out, "end to end max ms", byBroker, junction, r -> r.e2e().getMaxValue() / 1000.0, "%.1f");
        if (junction != null) {
            double bound = fsync ? Math.min(diskMBps, loopbackMBps) : loopbackMBps;
            out.append(String.format(Locale.ROOT, "%nJunction's MB/s is %.2f of the binding limit (%s, %.0f MB/s).%n",
                    junction.mbPerSec() / bound, fsync && diskMBps < loopbackMBps ? "the disk with fdatasync"
                            : "loopback TCP", bound));
        }
        out.append('\n');
    }

    private void row(StringBuilder out, String metric, Map<String, Runner.Result> byBroker, Runner.Result junction,
            java.util.function.ToDoubleFunction<Runner.Result> f, String format) {
        out.append("| ").append(metric).append(" | ");
        for (String broker : brokers) {
            Runner.Result r = byBroker.get(broker);
            if (r == null) {
                out.append("— | ");
                continue;
            }
            double v = f.applyAsDouble(r);
            out.append(String.format(Locale.ROOT, format, v));
            if (!broker.equals("junction") && junction != null && f.applyAsDouble(junction) > 0) {
                out.append(String.format(Locale.ROOT, " (%.2f×)", v / f.applyAsDouble(junction)));
            }
            out.append(" | ");
        }
        out.append('\n');
    }

    // ----- helpers ---------------------------------------------------------------------------------------------

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static String mib(Long bytes) {
        return bytes == null || bytes < 0 ? "—" : (bytes >> 20) + " MiB";
    }

    private static String label(boolean fsync) {
        return fsync ? "fsync" : "no fsync";
    }

    private static long totalMemoryGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    private Path freshDir(String name) throws IOException {
        Path dir = base.resolve(name);
        FileTrees.deleteTree(dir);
        Files.createDirectories(dir);
        return dir;
    }

    private static void log(String format, Object... args) {
        System.err.println("compare: " + String.format(Locale.ROOT, format, args));
    }

    /** Bytes per second one TCP connection on loopback carries, in MB/s. */
    static double loopbackMBps(Duration duration) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long[] received = new long[1];
            Thread reader = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buffer = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        received[0] += n;
                    }
                } catch (IOException e) {
                    // the writer closed
                }
            });
            reader.start();
            long start = System.nanoTime();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    OutputStream out = s.getOutputStream()) {
                byte[] chunk = new byte[1 << 20];
                while (System.nanoTime() - start < duration.toNanos()) {
                    out.write(chunk);
                }
            }
            reader.join();
            return received[0] / ((System.nanoTime() - start) / 1e9) / 1e6;
        }
    }
}
