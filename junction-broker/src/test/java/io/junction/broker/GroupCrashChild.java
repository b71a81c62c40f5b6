package io.junction.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;

/**
 * The child JVM of {@link GroupStateCrashTest}: a broker whose one group consumes a station and acks every
 * message, every third one with ackSync. Before each ack it prints {@code GOT partition/offset}; after an ackSync
 * returned it prints {@code SYNC partition/offset}; each delivery the broker hands it, {@code IN partition/offset #n
 * id d} (for a post-mortem). Each of these lines starts with its number (1, 2, 3…). Until the parent kills it.
 */
public final class GroupCrashChild {

    private GroupCrashChild() {
    }

    private static long lines;

    /** Prints {@code text} as one line numbered 1, 2, 3…: the parent can tell whether it missed one. */
    private static void say(String text) {
        synchronized (System.out) {
            System.out.println(++lines + " " + text);
            System.out.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int total = Integer.parseInt(args[1]);
        Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                Duration.ofMillis(50), Clock.systemUTC()));
        if (broker.listStations(Broker.DEFAULT_TENANT).isEmpty()) {
            broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30),
                    1000));
            broker.produce(Broker.DEFAULT_TENANT, "s", IntStream.range(0, total).mapToObj(i -> OutgoingMessage.of(
                    ("k" + i % 13).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)))
                    .toList()).join();
        }
        BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
        GroupMember member = broker.subscribe(Broker.DEFAULT_TENANT, "s", "g", StartPosition.earliest(), "child", 20,
                new DeliverySink() {
                    @Override
                    public void deliver(Delivery delivery) {
                        say("IN " + delivery.partition() + "/" + delivery.offset() + " #" + delivery.deliveries()
                                + " id " + delivery.deliveryId()); // for a post-mortem: what reached the child
                        inbox.add(delivery);
                    }

                    @Override
                    public void closed(BrokerException reason) {
                    }
                });
        System.out.println("READY");
        System.out.flush();
        long n = 0;
        while (true) {
            Delivery d = inbox.take();
            String ref = d.partition() + "/" + d.offset();
            say("GOT " + ref);
            if (n++ % 3 == 0) {
                member.ackSync(List.of(d.ref()));
                say("SYNC " + ref);
            } else {
                member.ack(List.of(d.ref()));
            }
            member.addCredits(1);
            Thread.sleep(1);
        }
    }
}
