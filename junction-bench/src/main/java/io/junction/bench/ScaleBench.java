package io.junction.bench;

import io.junction.bench.compare.ChildProcess;
import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Producer;
import io.junction.client.StartPosition;
import io.junction.client.StationOptions;
import io.junction.log.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code junction-bench/run scale}: many small stations on one broker (issue #14, point 4). For each count of
 * stations asked for, on a fresh data directory: creates that many stations (one partition each) with two groups
 * each through gRPC, then measures the broker process — live threads, open file descriptors, resident memory —
 * and its CPU while idle; kills it with SIGKILL, restarts it and times the way to the first acknowledged produce;
 * then produces, consumes and acks on stations picked at random (each message must come back). Prints one line
 * per count and a summary table.
 */
public final class ScaleBench {

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> counts = List.of(100, 1_000, 10_000);
        Path dir = Path.of("target", "scale-bench");
        Path jar = Path.of("junction-cli", "target", "junction.jar");
        int idleSeconds = 30;
        int sample = 100;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stations" -> counts = java.util.Arrays.stream(args[++i].split(",")).map(String::trim)
                        .map(Integer::parseInt).toList();
                case "--dir" -> dir = Path.of(args[++i]);
                case "--junction-jar" -> jar = Path.of(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--sample" -> sample = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: junction-bench/run scale [--stations 100,1000,10000] [--dir DIR] "
                            + "[--idle-seconds N] [--sample N] [--junction-jar JAR]");
                    System.exit(2);
                }
            }
        }
        List<String> rows = new ArrayList<>();
        for (int stations : counts) {
            rows.add(run(stations, dir.resolve("stations-" + stations), jar, idleSeconds, sample));
        }
        System.out.println();
        System.out.println("| stations × 2 groups | create (s) | threads | fds | RSS idle (MiB) | idle CPU (% of a core) "
                + "| restart → first ack (s) | threads after restart | RSS peak (MiB) | sample |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static String run(int stations, Path dir, Path jar, int idleSeconds, int sample) throws Exception {
        FileTrees.deleteTree(dir);
        Files.createDirectories(dir);
        int port = ChildProcess.freePort();
        List<String> command = List.of(ChildProcess.java(), "-Xms256m", "-Xmx1g", "-jar", jar.toString(), "server",
                "--data", dir.resolve("data").toString(), "--port", Integer.toString(port), "--http-port", "0");
        String server = "127.0.0.1:" + port;
        ChildProcess broker = ChildProcess.start(command, dir.resolve("junction.log"));
        double createSeconds;
        long threads;
        long fds;
        long rssIdle;
        double idleCpu;
        try {
            broker.awaitPort(port, Duration.ofMinutes(2));
            long start = System.nanoTime();
            create(server, stations);
            createSeconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(5_000); // settle: the last fsyncs and the shared pools' first idle minute begin
            long ticks = cpuTicks(broker.handle());
            Thread.sleep(idleSeconds * 1000L);
            idleCpu = 100.0 * (cpuTicks(broker.handle()) - ticks) / (CLOCK_TICKS * idleSeconds);
            threads = status(broker.handle(), "Threads:");
            System.err.println("scale: " + stations + " stations, the broker's threads by name: "
                    + threadNames(broker.handle()));
            fds = openFiles(broker.handle());
            rssIdle = ChildProcess.residentBytes(broker.handle());
        } finally {
            broker.handle().destroyForcibly(); // SIGKILL
            broker.handle().onExit().get(1, TimeUnit.MINUTES);
        }

        long restartAt = System.nanoTime();
        broker = ChildProcess.start(command, dir.resolve("junction-restart.log"));
        try {
            double restartSeconds;
            try (JunctionClient client = JunctionClient.builder().server(server).callTimeout(Duration.ofSeconds(5))
                    .build()) {
                broker.awaitPort(port, Duration.ofMinutes(5));
                while (true) {
                    try (Producer p = client.producer("s" + (stations - 1)).build()) {
                        p.send(Message.of("after the restart")).get(5, TimeUnit.SECONDS);
                        break;
                    } catch (Exception notYet) {
                        Thread.sleep(20);
                    }
                }
                restartSeconds = (System.nanoTime() - restartAt) / 1e9;
                long threadsAfter = status(broker.handle(), "Threads:");
                String work = work(client, stations, sample);
                long peak = status(broker.handle(), "VmHWM:") / 1024;
                String row = String.format("| %,d | %.1f | %d | %d | %d | %.1f | %.1f | %d | %d | %s |", stations,
                        createSeconds, threads, fds, rssIdle >> 20, idleCpu, restartSeconds, threadsAfter, peak, work);
                System.out.println(row);
                return row;
            }
        } finally {
            broker.close();
        }
    }

    /** Creates the stations and their two groups each, from a few threads. */
    private static void create(String server, int stations) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger done = new AtomicInteger();
        try (JunctionClient client = JunctionClient.builder().server(server).callTimeout(Duration.ofSeconds(60))
                .build()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < stations; i++) {
                String name = "s" + i;
                all.add(pool.submit(() -> {
                    client.createStation(name, StationOptions.builder().partitions(1).build());
                    client.createGroup(name, "g1", StartPosition.earliest());
                    client.createGroup(name, "g2", StartPosition.earliest());
                    int n = done.incrementAndGet();
                    if (n % 1000 == 0) {
                        System.err.println("scale: " + n + " stations created");
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Produce, consume and ack 10 messages on each of {@code sample} stations picked at random; all must come. */
    @SuppressWarnings("try") // the consumer is opened in try-with-resources only to be closed
    private static String work(JunctionClient client, int stations, int sample) throws Exception {
        Random random = new Random(42);
        long start = System.nanoTime();
        int messages = 0;
        for (int i = 0; i < Math.min(sample, stations); i++) {
            String station = "s" + random.nextInt(stations);
            try (Producer p = client.producer(station).build()) {
                List<java.util.concurrent.CompletableFuture<?>> sent = new ArrayList<>();
                for (int m = 0; m < 10; m++) {
                    sent.add(p.send(Message.of("m" + m)));
                }
                for (var f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            Set<String> got = ConcurrentHashMap.newKeySet();
            try (Consumer c = client.consumer(station, "g1").handler(m -> {
                got.add(m.valueAsString());
                m.ack();
            }).build().start()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (got.size() < 10 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
            if (got.size() < 10) {
                throw new IllegalStateException(station + ": only " + got.size() + " of 10 messages came back");
            }
            messages += 10;
        }
        return String.format("%d messages on %d stations in %.1f s, all acked", messages, Math.min(sample, stations),
                (System.nanoTime() - start) / 1e9);
    }

    /** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on Linux). */
    static final int CLOCK_TICKS = 100;

    static long cpuTicks(ProcessHandle process) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    private static long status(ProcessHandle process, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** The broker's threads counted by name with the digits taken out (jcmd of this JDK), most first. */
    private static String threadNames(ProcessHandle process) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
            for (String line : new String(jcmd.getInputStream().readAllBytes()).split("\n")) {
                if (line.startsWith("\"")) {
                    counts.merge(line.substring(1, line.indexOf('"', 1)).replaceAll("[0-9]+", "N"), 1, Integer::sum);
                }
            }
            jcmd.waitFor();
            return counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(8)
                    .map(e -> e.getValue() + " " + e.getKey()).toList().toString();
        } catch (IOException | InterruptedException e) {
            return "(jcmd: " + e + ")";
        }
    }

    private static long openFiles(ProcessHandle process) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }
}
