package io.junction.broker;

import java.util.List;

/**
 * What the broker counts about itself, for metrics: plain numbers read when asked (a scrape), so that the core needs
 * no metrics library and a deleted tenant, station or group simply is not in the next answer. Counters count since
 * the broker started (they start again at 0 after a restart, as Prometheus expects of counters); gauges are the
 * state now. Immutable.
 *
 * @param tenants the tenants asked for, by name
 * @param fsyncLatency the broker's fsyncs (every tenant's), by what they made durable
 */
public record BrokerStats(List<TenantStats> tenants, FsyncStats fsyncLatency) {

    /**
     * @param produceAckLatency from a produce request reaching the broker to its messages being durable (receipts
     *     ready), successful requests only; a tenant's produce rate limit delays the answer after this
     * @param stations the tenant's stations, by name
     */
    public record TenantStats(String tenant, LatencyHistogram.Snapshot produceAckLatency,
            List<StationStats> stations) {
    }

    /**
     * Bytes count a message's key, value and header keys and values ({@link Delivery#size()}).
     *
     * @param producedMessages messages stored (a duplicate producers' retry is not stored again, so not counted)
     * @param consumedMessages deliveries handed to members of any of its groups, redeliveries included
     * @param storedBytes the bytes its partitions hold on disk now (log format, as the storage quota counts them)
     * @param storedMessages the messages its partitions hold now
     * @param deadLetters open dead letters in its dead-letter station (every group's, and schema refusals)
     */
    public record StationStats(String station, int partitions, long producedMessages, long producedBytes,
            long consumedMessages, long consumedBytes, long storedBytes, long storedMessages, long deadLetters,
            List<GroupStats> groups) {
    }

    /**
     * @param lag messages not acked by the group yet (stored after its ack floor, in flight or not)
     * @param partitionLag the lag of each partition, by partition number
     * @param inFlight deliveries handed to members and not settled yet
     * @param members members connected now
     * @param deliveredMessages deliveries handed out, redeliveries included
     * @param redeliveries deliveries of a message the group had handed out before
     * @param ackedMessages deliveries acked
     * @param deadLettered messages the group put in the dead-letter station (max deliveries, or by a consumer)
     * @param deadLetters the group's open dead letters now (not resent or dropped)
     */
    public record GroupStats(String group, long lag, long[] partitionLag, long inFlight, int members,
            long deliveredMessages, long redeliveries, long ackedMessages, long deadLettered, long deadLetters) {
    }

    /** How long fsyncs took, by the kind of log: stations' partitions, groups' journals, dead-letter stations. */
    public record FsyncStats(LatencyHistogram.Snapshot partitions, LatencyHistogram.Snapshot groupJournals,
            LatencyHistogram.Snapshot deadLetters) {
    }
}
