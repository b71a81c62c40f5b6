package io.junction.broker;

import io.junction.tier.S3ObjectStore;
import io.junction.tier.S3Settings;
import io.junction.tier.TierSettings;
import io.junction.tier.Tiering;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link TieredCrashTest}: a broker with tiering on an S3 endpoint the parent runs, one station
 * ({@value #STATION}: 2 partitions, 1 KiB segments, 2 KiB kept locally, a 1 s dedup window, a retention of
 * {@value #RETENTION_MESSAGES} messages per partition) whose tier worker uploads and trims every
 * {@value #TIER_INTERVAL_MS} ms on its own, while another thread runs the station's retention (remote deletions)
 * every {@value #RETENTION_EVERY_MS} ms, and the main thread produces keyed messages, printing
 * {@code ACK PARTITION OFFSET KEY VALUE} for each one acknowledged. Until the parent kills it.
 *
 * <p>Arguments: data dir, S3 endpoint, credentials file, bucket, prefix, upload rate in bytes/s (0 = unlimited),
 * the number of the first message.
 */
public final class TieredCrashChild {

    static final String STATION = "s";
    static final int PARTITIONS = 2;
    static final int KEYS = 23;
    static final long RETENTION_MESSAGES = 200;
    static final long TIER_INTERVAL_MS = 100;
    static final long RETENTION_EVERY_MS = 150;

    private TieredCrashChild() {
    }

    /** The station every run of the child and the parent's verifier open. */
    static StationConfig station() {
        return new StationConfig(PARTITIONS, null, 0, RETENTION_MESSAGES, Duration.ofSeconds(30), 5, Ordering.KEY,
                Duration.ofSeconds(1)).withSegmentBytes(1024)
                .withTiering(new StationConfig.Tiering(true, null, 2048));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        S3Settings s3 = S3Settings.of(URI.create(args[1]), args[3], S3Settings.DEFAULT_REGION, args[4],
                Path.of(args[2])).withRequestTimeout(Duration.ofSeconds(10));
        long uploadRate = Long.parseLong(args[5]);
        long first = Long.parseLong(args[6]);
        S3ObjectStore store = S3ObjectStore.open(s3);
        Tiering tiering = Tiering.start(new TierSettings(s3, uploadRate, 64L << 20, null,
                Duration.ofMillis(TIER_INTERVAL_MS)), store, Clock.systemUTC(), dir);
        Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), Clock.systemUTC(), 1L << 30, 0), tiering);
        if (broker.listStations(Broker.DEFAULT_TENANT).isEmpty()) {
            broker.createStation(Broker.DEFAULT_TENANT, STATION, station());
        }
        Thread retention = new Thread(() -> {
            while (true) {
                broker.runRetention(Broker.DEFAULT_TENANT, STATION);
                try {
                    Thread.sleep(RETENTION_EVERY_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "retention-loop");
        retention.setDaemon(true);
        retention.start();
        System.out.println("READY");
        System.out.flush();
        for (long n = first; ; n += 5) {
            List<OutgoingMessage> request = new ArrayList<>();
            for (long i = n; i < n + 5; i++) {
                request.add(OutgoingMessage.of(bytes("k" + i % KEYS), bytes("v" + i + "-" + "x".repeat(40))));
            }
            List<Receipt> receipts = broker.produce(Broker.DEFAULT_TENANT, STATION, request).join();
            StringBuilder acks = new StringBuilder();
            for (int m = 0; m < request.size(); m++) {
                Receipt r = receipts.get(m);
                acks.append("ACK ").append(r.partition()).append(' ').append(r.offset()).append(' ')
                        .append(text(request.get(m).key())).append(' ').append(text(request.get(m).value()))
                        .append('\n');
            }
            System.out.print(acks);
            System.out.flush();
            Thread.sleep(8);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
