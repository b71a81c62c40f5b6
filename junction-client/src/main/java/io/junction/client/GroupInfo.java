package io.junction.client;

import java.util.List;

/**
 * A consumer group as the broker describes it.
 *
 * @param lag messages not yet acked
 * @param inFlight messages delivered and not yet acked
 * @param ordering the group's ordering, fixed when it was created; null when the broker does not say
 * @param onDeadLetter what the group does with a key whose message was dead-lettered; null when not known
 * @param deadLetters the group's open dead letters in the station's dead-letter station
 * @param history the messages the group reads (compacted view or full history), fixed when it was created; null
 *     when not known
 */
public record GroupInfo(String station, String name, long lag, long inFlight, List<Member> members,
        List<Partition> partitions, Ordering ordering, OnDeadLetter onDeadLetter, long deadLetters,
        History history) {

    /** A group whose history is not known. */
    public GroupInfo(String station, String name, long lag, long inFlight, List<Member> members,
            List<Partition> partitions, Ordering ordering, OnDeadLetter onDeadLetter, long deadLetters) {
        this(station, name, lag, inFlight, members, partitions, ordering, onDeadLetter, deadLetters, null);
    }

    public GroupInfo {
        members = List.copyOf(members);
        partitions = List.copyOf(partitions);
    }

    /** A group whose ordering and dead letters are not known. */
    public GroupInfo(String station, String name, long lag, long inFlight, List<Member> members,
            List<Partition> partitions) {
        this(station, name, lag, inFlight, members, partitions, null, null, 0);
    }

    /** A connected member of the group, with the messages it holds and the credits it has left. */
    public record Member(String memberId, String name, long inFlight, int credits) {
    }

    /**
     * The group's cursor on one partition.
     *
     * @param ackFloor every offset below it is acked
     * @param nextOffset the next offset to hand out
     * @param skipped unacked messages that retention removed before the group got to them (since the broker
     *     started)
     */
    public record Partition(int partition, long ackFloor, long nextOffset, long lag, long skipped) {

        public Partition(int partition, long ackFloor, long nextOffset, long lag) {
            this(partition, ackFloor, nextOffset, lag, 0);
        }
    }
}
