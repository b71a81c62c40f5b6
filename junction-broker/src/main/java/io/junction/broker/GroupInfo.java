package io.junction.broker;

import java.util.List;

/**
 * A consumer group as seen by an admin.
 *
 * @param lag messages not yet acked by the group
 * @param inFlight messages delivered and not yet acked
 * @param ordering the group's ordering, fixed when it was created
 * @param onDeadLetter what the group does with a key whose message was dead-lettered (KEY ordering)
 * @param deadLetters the group's open dead letters in the station's DLS
 */
public record GroupInfo(String station, String name, long lag, long inFlight, List<Member> members,
        List<Partition> partitions, Ordering ordering, OnDeadLetter onDeadLetter, long deadLetters, History history) {

    /** A group reading the station's own (compacted) view. */
    public GroupInfo(String station, String name, long lag, long inFlight, List<Member> members,
            List<Partition> partitions, Ordering ordering, OnDeadLetter onDeadLetter, long deadLetters) {
        this(station, name, lag, inFlight, members, partitions, ordering, onDeadLetter, deadLetters,
                History.COMPACTED);
    }

    public record Member(String id, String name, long inFlight, int credits) {
    }

    /**
     * @param ackFloor every offset below it is acked
     * @param nextOffset the next offset the group hands out for the first time
     * @param skipped unacked messages that retention removed before the group processed them (since the broker
     *     started)
     */
    public record Partition(int partition, long ackFloor, long nextOffset, long lag, long skipped) {
    }
}
