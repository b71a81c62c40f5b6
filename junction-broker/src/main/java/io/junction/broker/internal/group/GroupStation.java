package io.junction.broker.internal.group;

import io.junction.broker.DeadLetterReason;
import io.junction.broker.History;
import io.junction.broker.StationConfig;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a consumer group needs of its station, and all it sees of it: the station's name and settings, its
 * partitions as the group reads them, its clock, where the traffic groups hand out is counted, and its dead-letter
 * station (DLS). The station implements it ({@code internal.station}), which keeps this package free of station
 * types: the station owns and drives its groups, and is the one of the two that knows the other.
 *
 * <p>Thread-safe: each group of the station calls it from its own owner, and a dead letter's store completes on
 * the DLS's writer.
 */
public interface GroupStation {

    /** A group's dead letter still open in the DLS (neither resent nor dropped): its id and the message's place. */
    record OpenDeadLetter(long id, int partition, long offset, byte[] key) {
    }

    String name();

    /** The station's settings now (ack timeout, max deliveries, defaults of new groups). */
    StationConfig config();

    int partitionCount();

    /** Partition {@code p} as a group reads it: the station's view, or a tiered partition's full history. */
    PartitionStore partition(int p, History history);

    /** The wall clock (delivery times, delivery ids). */
    Clock clock();

    /** Counts {@code messages} ({@code bytes} of keys, values and headers) taken by members' transports. */
    void consumed(int messages, long bytes);

    /** The open dead letters of {@code group}, oldest first. */
    List<OpenDeadLetter> openDeadLetters(String group);

    /** How many dead letters of {@code group} are open. */
    long deadLetterCount(String group);

    /** The original message of dead letter {@code id} (its own offset, key, value, headers); null when gone. */
    Record deadLetterMessage(long id);

    /**
     * Stores {@code message} of {@code group} in the DLS; the future completes with the dead letter's id once it is
     * durable (or exceptionally when it could not be stored). A message open in the DLS already is not stored twice.
     */
    CompletableFuture<Long> storeDeadLetter(String group, DeadLetterReason reason, int partition, Record message,
            int deliveries, String error, long firstDeliveryMs, long lastDeliveryMs);
}
