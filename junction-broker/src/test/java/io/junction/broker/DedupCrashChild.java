package io.junction.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of {@link DedupCrashTest}: produces requests of 1–20 messages with msg-ids {@code PREFIX-n} to a
 * three-partition station (fsync, 64 KiB segments, so rolls happen) from four threads, with up to 64 requests in
 * flight. Prints {@code SENT id} before a request goes to the broker and {@code STORED id partition offset} once it
 * was acknowledged. Until the parent kills it.
 */
public final class DedupCrashChild {

    private DedupCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String prefix = args[1];
        Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), Clock.systemUTC(), 64 * 1024));
        if (broker.listStations(Broker.DEFAULT_TENANT).isEmpty()) {
            broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(3, null, 0, 0, Duration.ofSeconds(30),
                    5, Ordering.KEY, Duration.ofMinutes(10)));
        }
        System.out.println("READY");
        System.out.flush();
        Semaphore inFlight = new Semaphore(64);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            new Thread(() -> {
                Random random = new Random();
                for (int n = 0; ; ) {
                    List<OutgoingMessage> request = new ArrayList<>();
                    StringBuilder sent = new StringBuilder();
                    for (int i = random.nextInt(20); i >= 0; i--, n++) {
                        String id = prefix + "-" + thread + "-" + n;
                        request.add(new OutgoingMessage(("k" + random.nextInt(50)).getBytes(StandardCharsets.UTF_8),
                                new byte[random.nextInt(300)], List.of(), 0, id, null));
                        sent.append("SENT ").append(id).append('\n');
                    }
                    inFlight.acquireUninterruptibly();
                    synchronized (System.out) {
                        System.out.print(sent);
                        System.out.flush();
                    }
                    broker.produce(Broker.DEFAULT_TENANT, "s", request).whenComplete((receipts, error) -> {
                        inFlight.release();
                        if (error == null) {
                            StringBuilder stored = new StringBuilder();
                            for (int i = 0; i < receipts.size(); i++) {
                                stored.append("STORED ").append(request.get(i).msgId()).append(' ')
                                        .append(receipts.get(i).partition()).append(' ')
                                        .append(receipts.get(i).offset()).append('\n');
                            }
                            synchronized (System.out) {
                                System.out.print(stored);
                                System.out.flush();
                            }
                        }
                    });
                }
            }, "producer-" + t).start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
