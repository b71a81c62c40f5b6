package io.junction.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link CompactionCrashTest}: produces values {@code KEY:N} (N increasing per run, starting at
 * the number given) to a compacted station with 4 KiB segments, while another thread compacts it over and over,
 * unthrottled. Prints {@code ACK KEY N} once a value is acknowledged. Until the parent kills it.
 */
public final class CompactionCrashChild {

    static final int KEYS = 40;

    private CompactionCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long first = Long.parseLong(args[1]);
        Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), Clock.systemUTC(), 1L << 30, 0));
        if (broker.listStations(Broker.DEFAULT_TENANT).isEmpty()) {
            broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30),
                    5, Ordering.KEY, Duration.ofSeconds(1)).withSegmentBytes(4096)
                    .withCompaction(StationConfig.Compaction.on(Duration.ZERO)));
        }
        Thread compactor = new Thread(() -> {
            while (true) {
                broker.runCompaction(Broker.DEFAULT_TENANT, "s");
            }
        }, "compaction-loop");
        compactor.setDaemon(true);
        compactor.start();
        System.out.println("READY");
        System.out.flush();
        for (long n = first; ; n += 10) {
            List<OutgoingMessage> request = new ArrayList<>();
            for (long i = n; i < n + 10; i++) {
                String key = "k" + (i % KEYS);
                request.add(OutgoingMessage.of(key.getBytes(StandardCharsets.UTF_8),
                        (key + ":" + i + ":" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8)));
            }
            broker.produce(Broker.DEFAULT_TENANT, "s", request).join();
            StringBuilder acks = new StringBuilder();
            for (long i = n; i < n + 10; i++) {
                acks.append("ACK k").append(i % KEYS).append(' ').append(i).append('\n');
            }
            System.out.print(acks);
            System.out.flush();
        }
    }
}
