package io.junction.broker.internal.group;

import io.junction.broker.BrokerException;
import io.junction.broker.StartPosition;
import io.junction.errors.ErrorCode;
import io.junction.broker.internal.LogTypes;
import io.junction.log.LogException;
import io.junction.log.PartitionStore;
import java.util.OptionalLong;

/**
 * Where a group starts reading a partition, when it is created or its position is reset: a {@link StartPosition}
 * resolved against what the partition holds now, or refused. Stateless.
 */
final class StartOffsets {

    private StartOffsets() {
    }

    /**
     * The offset of partition {@code partition} (stored in {@code log}) that {@code start} names.
     *
     * @throws BrokerException OFFSET_OUT_OF_RANGE for an offset that retention removed already (the message says
     *     where the partition starts now) or that is beyond the end; INVALID_ARGUMENT for a negative offset,
     *     last_n or timestamp; STORAGE_ERROR when a time must be looked up in a segment that cannot be read now
     */
    static long of(PartitionStore log, StartPosition start, int partition) {
        long first = log.firstOffset();
        long next = log.nextOffset();
        return switch (start) {
            case StartPosition.Earliest e -> first;
            case StartPosition.Latest l -> next;
            case StartPosition.AtOffset o -> {
                if (o.offset() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "start offset must not be negative, was "
                            + o.offset());
                }
                if (o.offset() > next) {
                    throw new BrokerException(ErrorCode.OFFSET_OUT_OF_RANGE, "start offset " + o.offset()
                            + " is beyond the end of partition " + partition + ", which holds offsets " + first
                            + " to " + (next - 1) + " (the next message gets " + next + ")");
                }
                if (o.offset() < first) {
                    throw new BrokerException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + o.offset() + " of partition "
                            + partition + " is gone (removed by retention); the earliest offset is " + first);
                }
                yield Math.min(next, o.offset());
            }
            case StartPosition.LastN n -> {
                if (n.count() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "start last_n must not be negative, was "
                            + n.count());
                }
                yield Math.max(first, next - n.count());
            }
            case StartPosition.AtTimestamp t -> {
                if (t.timestampMs() < 0) {
                    throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "start timestamp_ms must not be negative, "
                            + "was " + t.timestampMs());
                }
                OptionalLong found;
                try {
                    found = log.offsetForTimestamp(t.timestampMs()); // may read a segment from the object store
                } catch (LogException e) {
                    throw LogTypes.unreadable(partition, e);
                }
                yield found.isPresent() ? found.getAsLong() : next;
            }
        };
    }
}
