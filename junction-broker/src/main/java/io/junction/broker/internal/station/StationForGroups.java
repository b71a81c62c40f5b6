package io.junction.broker.internal.station;

import io.junction.broker.DeadLetterReason;
import io.junction.broker.History;
import io.junction.broker.StationConfig;
import io.junction.broker.internal.group.GroupStation;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A station as its consumer groups see it ({@link GroupStation}): its partitions, settings, clock and traffic
 * counters, and its {@link DeadLetters} in the group's terms. Thread-safe as what it forwards to is.
 */
final class StationForGroups implements GroupStation {

    private final Station station;
    private final DeadLetters deadLetters;

    StationForGroups(Station station, DeadLetters deadLetters) {
        this.station = station;
        this.deadLetters = deadLetters;
    }

    @Override
    public String name() {
        return station.name;
    }

    @Override
    public StationConfig config() {
        return station.config();
    }

    @Override
    public int partitionCount() {
        return station.partitionCount();
    }

    @Override
    public PartitionStore partition(int p, History history) {
        return station.partition(p, history);
    }

    @Override
    public Clock clock() {
        return station.clock();
    }

    @Override
    public void consumed(int messages, long bytes) {
        station.counters.consumed(messages, bytes);
    }

    @Override
    public List<OpenDeadLetter> openDeadLetters(String group) {
        return deadLetters.openOf(group).stream()
                .map(o -> new OpenDeadLetter(o.id(), o.partition(), o.offset(), o.key())).toList();
    }

    @Override
    public long deadLetterCount(String group) {
        return deadLetters.count(group);
    }

    @Override
    public Record deadLetterMessage(long id) {
        Record copy = deadLetters.read(id);
        return copy == null ? null : DeadLetters.original(copy);
    }

    @Override
    public CompletableFuture<Long> storeDeadLetter(String group, DeadLetterReason reason, int partition,
            Record message, int deliveries, String error, long firstDeliveryMs, long lastDeliveryMs) {
        return deadLetters.add(new DeadLetters.Submission(group, reason, partition, message, deliveries, error,
                firstDeliveryMs, lastDeliveryMs));
    }
}
