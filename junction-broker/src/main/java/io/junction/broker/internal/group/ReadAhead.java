package io.junction.broker.internal.group;

import io.junction.log.FetchResult;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A group's read-ahead on one partition: the next offset to read for a first delivery and the messages already
 * read past it, decoded, at most {@link #READ_BYTES} of stored batches at a time, each with the stored batch it
 * came from ({@link #polledBatch()}: a transport may send that batch as it is). A compacted partition has offsets
 * without a message: the gaps are told to the partition's state as they are read (done for the group). Used by
 * the group's owner thread only.
 */
public final class ReadAhead {

    /** Bytes read ahead from a partition at a time. */
    public static final int READ_BYTES = 256 * 1024;

    private final PartitionStore log;
    private final GroupJournal.PartitionState state;
    private final ArrayDeque<Record> buffer = new ArrayDeque<>();
    /** Per message in {@link #buffer}, in the same order: the stored batch it was read in (shared, read-only). */
    private final ArrayDeque<ByteBuffer> batches = new ArrayDeque<>();
    private ByteBuffer polledBatch;
    private long nextFetch;

    /** Reads from {@code state}'s ack floor on. */
    ReadAhead(PartitionStore log, GroupJournal.PartitionState state) {
        this.log = log;
        this.state = state;
        this.nextFetch = state.ackFloor;
    }

    /** The next message read ahead, or null when none is (then {@link #fill()} reads more). */
    Record poll() {
        polledBatch = batches.poll();
        return buffer.poll();
    }

    /**
     * The whole stored batch the message last {@link #poll() polled} was read in, read-only and shared by the
     * batch's messages (read it through a duplicate); null after a poll that returned null. Only hand it on with
     * that message: whoever keeps it keeps the read buffer under it.
     */
    ByteBuffer polledBatch() {
        return polledBatch;
    }

    /** The offset of the next message to hand out for the first time, as group info shows it. */
    long nextToHandOut() {
        Record first = buffer.peek();
        return first == null ? nextFetch : first.offset();
    }

    /** The next offset to read from the log. */
    long nextFetch() {
        return nextFetch;
    }

    /**
     * Reads on until a message comes or the end of the log is reached (a read may return batches that hold no
     * message at all, on a compacted partition).
     *
     * @return true when a message is ready to {@link #poll()}
     * @throws OffsetOutOfRangeException when retention removed what was to be read next (see {@link #skipTo})
     */
    boolean fill() {
        long end = log.nextOffset();
        while (buffer.isEmpty() && nextFetch < end) {
            FetchResult result = log.tryRead(nextFetch, READ_BYTES);
            if (result == null) {
                break; // in the object store, on its way to the cache: the group is woken when it is there
            }
            long expected = nextFetch;
            for (RecordBatch batch : result.batches()) {
                ByteBuffer bytes = null;
                for (Record record : batch.records()) {
                    if (record.offset() < result.requestedOffset()) {
                        continue; // the read began inside this batch
                    }
                    state.gap(expected, record.offset());
                    bytes = bytes == null ? batch.bytes() : bytes;
                    buffer.add(record);
                    batches.add(bytes);
                    expected = record.offset() + 1;
                }
            }
            state.gap(expected, result.nextOffset());
            if (result.nextOffset() <= nextFetch) {
                break; // nothing readable there yet
            }
            nextFetch = result.nextOffset();
        }
        return !buffer.isEmpty();
    }

    /** Retention removed the partition's start: reading goes on at {@code first}; what was read of before goes. */
    void skipTo(long first) {
        if (nextFetch < first) {
            nextFetch = first;
            while (!buffer.isEmpty() && buffer.peek().offset() < first) { // offsets grow along the buffer
                buffer.poll();
                batches.poll();
            }
        }
    }
}
