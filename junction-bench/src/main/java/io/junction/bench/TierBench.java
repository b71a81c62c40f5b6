package io.junction.bench;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.Delivery;
import io.junction.broker.DeliverySink;
import io.junction.broker.Durability;
import io.junction.broker.GroupMember;
import io.junction.broker.Ordering;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StartPosition;
import io.junction.broker.StationConfig;
import io.junction.log.FileTrees;
import io.junction.tier.S3ObjectStore;
import io.junction.tier.S3Settings;
import io.junction.tier.TierSettings;
import io.junction.tier.TierStatus;
import io.junction.tier.Tiering;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * {@code junction-bench/run tier}: what tiered storage costs and gives, on this machine, against S3Proxy (a real
 * S3 API over HTTP, filesystem backend on the same disk; started as its own process from
 * {@code junction-bench/target/s3proxy-lib}). Three figures (issue #18, point 7):
 * <ol>
 *   <li>upload MB/s (the tier's own uploads of sealed segments) next to the disk's sequential write + fdatasync;</li>
 *   <li>consume msg/s of a new group reading a partition back from S3 (cache cold) next to the same group reading
 *       the same data from local disk, same run;</li>
 *   <li>produce msg/s with uploads running next to without (tiering off), alternated, several rounds.</li>
 * </ol>
 * The broker runs in this JVM (fsync durability); numbers are for comparing, on one machine, in one run.
 * {@code -Dtierbench.keepLocalBytes=N} keeps N bytes of the produce rounds' station on local disk (default 1: every
 * uploaded segment is removed at once), to tell the uploads' cost from the local deletions'.
 * {@code --control idle-burner} adds a third arm to each produce round: tiering off, with a CPU burner at the
 * kernel's idle priority ({@code chrt --idle 0}: it runs only when no other thread wants the CPU) beside the broker,
 * to tell how much of the cost is this machine's answer to any work on its other core.
 * {@code --manifest-entries N} measures only a partition's manifest of N remote segments (heap, files, a change's
 * time: {@link io.junction.tier.ManifestFootprint}).
 */
public final class TierBench {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final String ACCESS = "bench-access";
    private static final String SECRET = "bench-secret-0123456789";
    private static final String BUCKET = "junction-bench";
    /** Local retention of the produce rounds' station (bytes; 1 = every uploaded segment leaves the disk). */
    private static final long KEEP_LOCAL_BYTES = Long.getLong("tierbench.keepLocalBytes", 1);
    /** The tier's upload worker (io.junction.tier.Tiering). */
    private static final String UPLOAD_THREAD = "junction-tier-upload";

    private TierBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("junction-bench/target/tier-bench");
        Path lib = Path.of("junction-bench/target/s3proxy-lib");
        int messages = 400_000;
        int size = 1024;
        int seconds = 20;
        int rounds = 3;
        String store = "s3proxy";
        int produceSegmentMiB = 4;
        long uploadRate = 0;
        boolean control = false;
        int manifestEntries = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--s3proxy-lib" -> lib = Path.of(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--store" -> store = args[++i];
                case "--produce-segment-mib" -> produceSegmentMiB = Integer.parseInt(args[++i]);
                case "--upload-rate-mb" -> uploadRate = Long.parseLong(args[++i]) * 1_000_000;
                case "--manifest-entries" -> manifestEntries = Integer.parseInt(args[++i]);
                case "--control" -> {
                    if (!args[++i].equals("idle-burner")) {
                        throw new IllegalArgumentException("--control takes idle-burner: " + args[i]);
                    }
                    control = true;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (Files.exists(dir)) {
            FileTrees.deleteTree(dir);
        }
        Files.createDirectories(dir);
        if (manifestEntries > 0) {
            io.junction.tier.ManifestFootprint.run(manifestEntries, dir.resolve("manifest"));
            return;
        }
        System.out.printf(Locale.ROOT, "tier bench: %d messages of %d B, produce rounds of %d s x %d, store %s, "
                + "in %s%n", messages, size, seconds, rounds, store, dir.toAbsolutePath());
        switch (store) {
            case "s3proxy" -> {
                try (S3ProxyProcess s3 = S3ProxyProcess.start(lib, dir.resolve("s3"))) {
                    double disk = DiskProbe.sequentialFdatasyncMBps(dir, 1 << 20, 5);
                    System.out.printf(Locale.ROOT, "disk: sequential 1 MiB writes + fdatasync: %.1f MB/s%n", disk);
                    Store s = new Store("S3Proxy", s3.endpoint, s3.credentials, s3::cpuSeconds, uploadRate);
                    uploadAndReadBack(dir, s, messages, size, disk);
                    produceCost(dir, s, size, seconds, rounds, produceSegmentMiB, control);
                }
            }
            case "discard", "discard-https" -> {
                // Only the produce figure: nothing uploaded to the discard endpoint can be read back.
                try (DiscardS3 sink = store.equals("discard") ? DiscardS3.start() : DiscardS3.startHttps(dir)) {
                    Path credentials = Files.writeString(dir.resolve("aws-credentials"),
                            "[default]\naws_access_key_id = " + ACCESS + "\naws_secret_access_key = " + SECRET + "\n");
                    produceCost(dir, new Store("discard endpoint (" + sink.endpoint().getScheme() + ")",
                            sink.endpoint(), credentials,
                            () -> threadCpuSeconds(DiscardS3.THREAD_PREFIX), uploadRate), size, seconds, rounds,
                            produceSegmentMiB, control);
                }
            }
            default -> throw new IllegalArgumentException("--store must be s3proxy, discard or discard-https: "
                    + store);
        }
    }

    /**
     * Where the broker uploads, the CPU it burns on this machine, and the broker's upload rate limit
     * ({@code --upload-rate-mb}, as the server's {@code --s3-upload-rate}; 0 = unlimited).
     */
    private record Store(String name, URI endpoint, Path credentials, DoubleSupplier cpuSeconds, long uploadRate) {
    }

    /** Figures 1 and 2. */
    private static void uploadAndReadBack(Path dir, Store s3, int messages, int size, double disk)
            throws Exception {
        Path data = dir.resolve("data-upload");
        try (Broker broker = open(data, s3, Duration.ofHours(1), "upload/")) {
            // 16 MiB segments; local retention 1 byte: every uploaded segment leaves the local disk
            StationConfig tiered = station(new StationConfig.Tiering(true, Duration.ofSeconds(1), 1));
            broker.createStation(T, "remote", tiered);
            broker.createStation(T, "local", station(StationConfig.Tiering.OFF));
            fill(broker, "remote", messages, size);
            fill(broker, "local", messages, size);
            Thread.sleep(2100); // past the 1 s dedup window: segments may leave the local disk once uploaded
            long start = System.nanoTime();
            broker.runTiering();
            double secs = (System.nanoTime() - start) / 1e9;
            TierStatus st = broker.tierStatus(T, "remote").get(0);
            double mbps = st.uploadedBytes() / 1e6 / secs;
            System.out.printf(Locale.ROOT, "upload: %d segments, %.1f MB in %.2f s: %.1f MB/s (disk: %.1f MB/s, "
                    + "%.0f %%); local now from offset %d of %d%n", st.uploadedSegments(), st.uploadedBytes() / 1e6,
                    secs, mbps, disk, 100 * mbps / disk, st.localFirstOffset(), messages);
            for (int round = 0; round < 2; round++) {
                double remote = drain(broker, "remote", "reader-" + round, messages);
                double local = drain(broker, "local", "reader-" + round, messages);
                System.out.printf(Locale.ROOT, "consume (new group, key order, each message acked), round %d: "
                        + "from S3 %.0f msg/s, local %.0f msg/s (%.0f %%)%n", round + 1, remote, local,
                        100 * remote / local);
            }
        }
    }

    /** The arms of a produce round. */
    private enum Arm {
        ON("tiering on "), OFF("tiering off"), BURNER("tiering off + idle-priority CPU burner");

        final String label;

        Arm(String label) {
            this.label = label;
        }
    }

    /**
     * Figure 3: produce with uploads running next to without, alternated; with {@code control}, also without
     * uploads but with an idle-priority CPU burner beside the broker.
     */
    private static void produceCost(Path dir, Store s3, int size, int seconds, int rounds, int segmentMiB,
            boolean control) throws Exception {
        long uploadRate = s3.uploadRate();
        System.out.printf(Locale.ROOT, "produce rounds: %d MiB segments, uploaded every 0.5 s, upload rate %s%n",
                segmentMiB, uploadRate == 0 ? "unlimited" : uploadRate / 1_000_000 + " MB/s");
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        List<Double> burner = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            List<Arm> arms = new ArrayList<>(round % 2 == 0 ? List.of(Arm.ON, Arm.OFF) : List.of(Arm.OFF, Arm.ON));
            if (control) {
                arms.add(round % 2 == 0 ? 1 : 2, Arm.BURNER); // the control between the two, or after them
            }
            for (Arm arm : arms) {
                boolean tiering = arm == Arm.ON;
                Path data = dir.resolve("data-produce-" + round + "-" + arm);
                double rate;
                long uploaded;
                double uploadCpu;
                double s3Before = s3.cpuSeconds().getAsDouble();
                double selfBefore = cpuSeconds(ProcessHandle.current());
                Process burn = arm == Arm.BURNER ? idleBurner() : null;
                try (Broker broker = open(data, s3, Duration.ofMillis(500), "produce-" + round + "-" + arm + "/")) {
                    broker.createStation(T, "p", station(tiering
                            ? new StationConfig.Tiering(true, Duration.ofSeconds(1), KEEP_LOCAL_BYTES)
                            : StationConfig.Tiering.OFF)
                            .withSegmentBytes((long) segmentMiB << 20));
                    double uploadBefore = threadCpuSeconds(UPLOAD_THREAD);
                    rate = produceFor(broker, "p", size, seconds);
                    uploadCpu = threadCpuSeconds(UPLOAD_THREAD) - uploadBefore;
                    uploaded = tiering ? broker.tierStatus(T, "p").get(0).uploadedBytes() : 0;
                } finally {
                    if (burn != null) {
                        burn.destroyForcibly().waitFor();
                    }
                }
                double self = cpuSeconds(ProcessHandle.current()) - selfBefore;
                double store = s3.cpuSeconds().getAsDouble() - s3Before;
                FileTrees.deleteTree(data);
                (switch (arm) {
                    case ON -> with;
                    case OFF -> without;
                    case BURNER -> burner;
                }).add(rate);
                System.out.printf(Locale.ROOT, "produce round %d, %s: %.0f msg/s%s; CPU: this JVM %.1f s, "
                        + "%s %.1f s%n", round + 1, arm.label, rate, tiering
                                ? String.format(Locale.ROOT, " (uploaded %.1f MB meanwhile, upload thread %.2f CPU-s"
                                        + " = %.2f ms per MB)", uploaded / 1e6, uploadCpu,
                                        uploaded == 0 ? 0 : 1000 * uploadCpu / (uploaded / 1e6)) : "",
                        self, s3.name(), store);
            }
        }
        double w = with.stream().mapToDouble(d -> d).average().orElse(0);
        double wo = without.stream().mapToDouble(d -> d).average().orElse(0);
        System.out.printf(Locale.ROOT, "produce: with uploads %.0f msg/s, without %.0f msg/s: cost %.1f %% "
                + "(target <= 10 %%)%n", w, wo, 100 * (wo - w) / wo);
        if (control) {
            double b = burner.stream().mapToDouble(d -> d).average().orElse(0);
            System.out.printf(Locale.ROOT, "control: without uploads, with an idle-priority CPU burner %.0f msg/s: "
                    + "cost %.1f %%%n", b, 100 * (wo - b) / wo);
        }
    }

    /**
     * A process spinning on one CPU at the kernel's idle scheduling class: it only takes CPU time no other thread
     * wants, so whatever it costs the broker is not CPU time the broker would have used.
     */
    private static Process idleBurner() throws IOException {
        return new ProcessBuilder("chrt", "--idle", "0", "sh", "-c", "while :; do :; done")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** A broker of its own prefix in the bucket (brokers sharing one would take the other's objects for orphans). */
    private static Broker open(Path data, Store s3, Duration interval, String prefix) throws IOException {
        S3Settings settings = S3Settings.of(s3.endpoint(), BUCKET, null, prefix, s3.credentials());
        TierSettings tier = new TierSettings(settings, s3.uploadRate(), 1L << 30, null, interval);
        Tiering tiering = Tiering.start(tier, S3ObjectStore.open(settings), Clock.systemUTC(), data);
        return Broker.open(new BrokerConfig(data, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), Clock.systemUTC(), 1L << 30, 0), tiering);
    }

    private static StationConfig station(StationConfig.Tiering tiering) {
        return new StationConfig(1, null, 0, 0, Duration.ofSeconds(30), 5, Ordering.KEY, Duration.ofSeconds(1))
                .withSegmentBytes(16L << 20).withTiering(tiering);
    }

    private static void fill(Broker broker, String station, int messages, int size) {
        byte[] value = new byte[size];
        ThreadLocalRandom.current().nextBytes(value);
        for (int i = 0; i < messages; i += 500) {
            List<OutgoingMessage> batch = new ArrayList<>(500);
            for (int j = i; j < Math.min(messages, i + 500); j++) {
                batch.add(OutgoingMessage.of(("k" + j % 1000).getBytes(StandardCharsets.UTF_8), value));
            }
            broker.produce(T, station, batch).join();
        }
    }

    /** Produces batches of 100 from 4 threads for {@code seconds}: msg/s acknowledged. */
    private static double produceFor(Broker broker, String station, int size, int seconds) throws Exception {
        byte[] value = new byte[size];
        ThreadLocalRandom.current().nextBytes(value);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    List<OutgoingMessage> batch = new ArrayList<>(100);
                    for (int j = 0; j < 100; j++) {
                        batch.add(OutgoingMessage.of(("k" + id + "-" + n++ % 1000).getBytes(StandardCharsets.UTF_8),
                                value));
                    }
                    broker.produce(T, station, batch).join();
                    done.addAndGet(batch.size());
                }
            });
            thread.start();
            threads.add(thread);
        }
        long start = System.nanoTime();
        for (Thread t : threads) {
            t.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** A new group reads the whole station, acking every message: msg/s. */
    private static double drain(Broker broker, String station, String group, int messages) throws Exception {
        CountDownLatch all = new CountDownLatch(messages);
        GroupMember[] member = new GroupMember[1];
        List<io.junction.broker.DeliveryRef> pending = new ArrayList<>();
        DeliverySink sink = new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                synchronized (pending) {
                    pending.add(delivery.ref());
                    if (pending.size() >= 100 && member[0] != null) {
                        member[0].ack(List.copyOf(pending));
                        member[0].addCredits(pending.size()); // as a client's transport grants them back
                        pending.clear();
                    }
                }
                all.countDown();
            }

            @Override
            public void closed(BrokerException reason) {
            }
        };
        long start = System.nanoTime();
        member[0] = broker.subscribe(T, station, group, StartPosition.earliest(), "bench", 1000, sink);
        while (!all.await(100, TimeUnit.MILLISECONDS)) {
            synchronized (pending) {
                if (!pending.isEmpty()) {
                    member[0].ack(List.copyOf(pending));
                    member[0].addCredits(pending.size());
                    pending.clear();
                }
            }
            if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
                throw new IllegalStateException(group + " on " + station + ": " + all.getCount()
                        + " left after 10 min");
            }
        }
        double rate = messages / ((System.nanoTime() - start) / 1e9);
        member[0].leave();
        return rate;
    }

    /** CPU seconds of the live threads whose name starts with {@code prefix}. */
    static double threadCpuSeconds(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                long ns = mx.getThreadCpuTime(t.threadId());
                total += ns > 0 ? ns / 1e9 : 0;
            }
        }
        return total;
    }

    static double cpuSeconds(ProcessHandle p) {
        return p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** S3Proxy as a process of its own (filesystem backend), as a user would run it. */
    private static final class S3ProxyProcess implements AutoCloseable {
        final URI endpoint;
        final Path credentials;
        private final Process process;

        private S3ProxyProcess(URI endpoint, Path credentials, Process process) {
            this.endpoint = endpoint;
            this.credentials = credentials;
            this.process = process;
        }

        static S3ProxyProcess start(Path lib, Path dir) throws Exception {
            if (!Files.isDirectory(lib)) {
                throw new IllegalStateException(lib + " is missing: junction-bench/run tier fetches S3Proxy there");
            }
            Path blobs = Files.createDirectories(dir.resolve("blobs"));
            Files.createDirectories(blobs.resolve(BUCKET));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path props = dir.resolve("s3proxy.properties");
            Files.writeString(props, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS,
                    "s3proxy.credential=" + SECRET,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + blobs.toAbsolutePath(),
                    "jclouds.identity=" + ACCESS,
                    "jclouds.credential=" + SECRET) + "\n");
            Path credentials = Files.writeString(dir.resolve("aws-credentials"), "[default]\naws_access_key_id = "
                    + ACCESS + "\naws_secret_access_key = " + SECRET + "\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // What Maven resolved for S3Proxy but the benchmark has too (slf4j, ...) comes from the benchmark jar.
            String self = Path.of(TierBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", lib.toAbsolutePath() + "/*:" + self,
                    "org.gaul.s3proxy.Main", "--properties", props.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    new java.net.Socket("127.0.0.1", port).close();
                    break;
                } catch (IOException notYet) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        p.destroyForcibly();
                        throw new IllegalStateException("S3Proxy did not start; see " + dir.resolve("s3proxy.log"));
                    }
                    Thread.sleep(100);
                }
            }
            return new S3ProxyProcess(endpoint, credentials, p);
        }

        double cpuSeconds() {
            return TierBench.cpuSeconds(process.toHandle());
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }
}
