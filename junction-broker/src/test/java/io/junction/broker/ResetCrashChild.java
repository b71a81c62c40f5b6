package io.junction.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;

/**
 * The child JVM of {@link BrowseAndResetTest#shouldKeepAResetThroughKillMinus9}: consumes and acks every message of
 * a two-partition station, leaves, resets the group to earliest, prints READY and waits to be killed (so no close
 * writes a snapshot: only what the reset made durable survives).
 */
public final class ResetCrashChild {

    static final int TOTAL = 200;

    private ResetCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.open(BrokerConfig.defaults(Path.of(args[0])));
        broker.createStation(Broker.DEFAULT_TENANT, "s", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30),
                1000));
        broker.produce(Broker.DEFAULT_TENANT, "s", IntStream.range(0, TOTAL).mapToObj(i -> OutgoingMessage.of(
                ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8))).toList())
                .join();
        BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
        GroupMember member = broker.subscribe(Broker.DEFAULT_TENANT, "s", "g", StartPosition.earliest(), "child",
                TOTAL, new DeliverySink() {
                    @Override
                    public void deliver(Delivery delivery) {
                        inbox.add(delivery);
                    }

                    @Override
                    public void closed(BrokerException reason) {
                    }
                });
        for (int i = 0; i < TOTAL; i++) {
            member.ackSync(List.of(inbox.take().ref()));
        }
        member.leave();
        if (broker.groupInfo(Broker.DEFAULT_TENANT, "s", "g").lag() != 0) {
            throw new IllegalStateException("the group did not ack everything");
        }
        broker.resetGroup(Broker.DEFAULT_TENANT, "s", "g", StartPosition.earliest(), null);
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
