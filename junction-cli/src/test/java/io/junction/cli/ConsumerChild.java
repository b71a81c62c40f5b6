package io.junction.cli;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import java.time.Duration;
import java.util.Random;

/**
 * A member of the fault suite's group in a JVM of its own, so that the suite can SIGKILL a consumer in the middle
 * of a dispatch. It processes like the suite's own consumers (sync acks, some nacks) and prints a
 * {@link HoldChecker} line for every handler call, and a {@code PROCESSED msgId} line before each ack leaves. Args: server address, station, group, member name, seed.
 */
public final class ConsumerChild {

    private ConsumerChild() {
    }

    public static void main(String[] args) throws Exception {
        Random random = new Random(Long.parseLong(args[4]));
        JunctionClient client = JunctionClient.builder().server(args[0]).callTimeout(Duration.ofSeconds(5)).build();
        Consumer consumer = client.consumer(args[1], args[2]).memberName(args[3]).prefetch(50).handler(m -> {
            long start = System.nanoTime();
            long confirmedAt = 0;
            synchronized (System.out) {
                System.out.println("GOT " + m.partition() + "@" + m.offset() + " " + args[3] + " got "
                        + m.valueAsString() + " delivery " + m.deliveryId() + " #" + m.deliveries());
                System.out.flush();
            }
            int fate;
            synchronized (random) {
                fate = random.nextInt(100);
            }
            long end = System.nanoTime(); // the settlement leaves now
            if (fate < 10) {
                m.nackWithDelay(Duration.ZERO, "child nack");
            } else {
                synchronized (System.out) { // before the ack leaves: the suite counts it as processed
                    System.out.println("PROCESSED " + m.valueAsString());
                    System.out.flush();
                }
                try {
                    m.ackSync();
                    confirmedAt = System.nanoTime();
                } catch (JunctionException unconfirmed) {
                    // stale, or the broker went away: proves nothing
                }
            }
            String line = HoldChecker.line(new HoldChecker.Hold(args[3], m.valueAsString(), m.keyAsString(),
                    m.partition(), m.offset(), m.deliveryId(), start, end, confirmedAt));
            synchronized (System.out) {
                System.out.println(line);
                System.out.flush();
            }
        }).build().start();
        System.out.println("READY");
        System.out.flush();
        consumer.termination().join(); // until SIGKILL
    }
}
