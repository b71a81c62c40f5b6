package io.junction.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The child JVM of {@link DedupClockCrashTest}: opens the broker on {@code args[0]}, creates station {@code s} (one
 * partition, dedup window 10 minutes), and stores two messages dated {@code args[1]} ms away from its clock: one
 * with msg-id {@value #MSG_ID}, one as request {@value #SEQUENCE} of producer {@value #PRODUCER}. Prints {@code
 * TIMESTAMP ms}, then {@code MSG_ID partition offset duplicate} and {@code SEQUENCE partition offset duplicate}
 * once both are durable, then {@code READY}; then waits for its SIGKILL.
 */
public final class DedupClockCrashChild {

    static final String MSG_ID = "m1";
    static final long PRODUCER = 0x5eed_0c10L;
    static final int SEQUENCE = 7;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private DedupClockCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long skewMs = Long.parseLong(args[1]);
        Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                BrokerConfig.DEFAULT_FLUSH_INTERVAL, Clock.systemUTC()));
        broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(1, null, 0, 0, Duration.ofSeconds(30), 5,
                Ordering.KEY, WINDOW));
        long timestamp = System.currentTimeMillis() + skewMs;
        System.out.println("TIMESTAMP " + timestamp);
        Receipt byMsgId = broker.produce(Broker.DEFAULT_TENANT, "s", List.of(msgIdMessage(timestamp))).join().get(0);
        Receipt bySequence = broker.produce(Broker.DEFAULT_TENANT, "s", List.of(sequenceMessage(timestamp)), PRODUCER,
                SEQUENCE).join().get(0);
        System.out.println("MSG_ID " + byMsgId.partition() + " " + byMsgId.offset() + " " + byMsgId.duplicate());
        System.out.println("SEQUENCE " + bySequence.partition() + " " + bySequence.offset() + " "
                + bySequence.duplicate());
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static OutgoingMessage msgIdMessage(long timestamp) {
        return new OutgoingMessage(null, "by msg-id".getBytes(StandardCharsets.UTF_8), List.of(), timestamp, MSG_ID,
                null);
    }

    static OutgoingMessage sequenceMessage(long timestamp) {
        return new OutgoingMessage(null, "by sequence".getBytes(StandardCharsets.UTF_8), List.of(), timestamp, null,
                null);
    }
}
