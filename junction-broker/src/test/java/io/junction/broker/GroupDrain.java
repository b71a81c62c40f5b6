package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helper: everything a new group reads from a station. */
final class GroupDrain {

    private GroupDrain() {
    }

    /**
     * Joins {@code group} (created at earliest, partition ordering) and takes every message, acking each, until
     * the group's lag is 0 — not until a quiet spell, so a slow moment never passes for the end — then leaves.
     * Returns the deliveries in arrival order (offset order within a partition); fails if the lag is not 0
     * within a minute.
     */
    static List<Delivery> readAll(Broker broker, String station, String group) throws InterruptedException {
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(Broker.DEFAULT_TENANT, station, group, StartPosition.earliest(),
                Ordering.PARTITION, "drain", 1_000_000, box);
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Delivery d = box.received.poll(20, TimeUnit.MILLISECONDS);
            if (d == null) {
                if (broker.groupInfo(Broker.DEFAULT_TENANT, station, group).lag() == 0) {
                    break;
                }
                continue;
            }
            got.add(d);
            member.ack(List.of(d.ref()));
        }
        member.leave();
        assertThat(broker.groupInfo(Broker.DEFAULT_TENANT, station, group).lag()).as("the group read everything")
                .isZero();
        return got;
    }
}
