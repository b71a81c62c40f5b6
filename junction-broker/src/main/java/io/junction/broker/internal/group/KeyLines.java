package io.junction.broker.internal.group;

import io.junction.broker.internal.HeldBytes;
import io.junction.broker.internal.LogTypes;
import io.junction.log.Record;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * KEY ordering for one partition of a group: which message holds each busy key, and the messages waiting behind
 * it in offset order. A key is held from the hand-out of its message until that message is done (acked,
 * dead-lettered, parked while in PARK); then the next waiting message of the key holds it and is next in line
 * ({@link #pollNext}). Only the group's owner thread uses it.
 *
 * <p>Memory: waiting messages keep their contents up to {@code maxBytes}, beyond that only their offsets (read
 * again from the log when their turn comes). Reading ahead further only pays while it finds free keys: after
 * {@link #spillLimit} messages in a row joined lines without their contents, {@link #mayReadAhead} says no until
 * half the kept contents were handed out (without it, a group whose every key is busy read up to
 * {@code maxWaiting} messages ahead, to read each of them a second time).
 */
final class KeyLines {

    /** A message held back until its key is free; {@code record} null when only its offset is kept. */
    record Waiting(long offset, Record record) {
    }

    /** One busy key: the offset holding it and the messages waiting for it, in offset order. */
    private static final class Line {
        final ByteBuffer key;
        long holder;
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>(2);

        Line(ByteBuffer key, long holder) {
            this.key = key;
            this.holder = holder;
        }
    }

    private final int maxWaiting;
    private final long maxBytes;
    /** The broker-wide budget the kept contents are also taken from. */
    private final HeldBytes held;
    /** Busy keys. */
    private final Map<ByteBuffer, Line> lines = new HashMap<>();
    /** The line each holding offset holds. */
    private final Map<Long, Line> heldBy = new HashMap<>();
    /** Messages whose key was freed: they hold it already, and go next. */
    private final ArrayDeque<Waiting> next = new ArrayDeque<>();
    /** Lines with at least one message waiting. */
    private int linesWithWaiting;
    private int waitingCount;
    private long waitingBytes;
    private int spilledInARow;

    KeyLines(int maxWaiting, long maxBytes, HeldBytes held) {
        this.maxWaiting = maxWaiting;
        this.maxBytes = maxBytes;
        this.held = held;
    }

    /**
     * True when {@code record} may go now — its key is free (now held by it) or already held by it; otherwise it
     * joins its key's line and this returns false. {@code record} has a key.
     */
    boolean take(Record record) {
        ByteBuffer key = ByteBuffer.wrap(record.key());
        Line line = lines.get(key);
        if (line == null) {
            line = new Line(key, record.offset());
            lines.put(key, line);
            heldBy.put(record.offset(), line);
            spilledInARow = 0;
            return true;
        }
        if (line.holder == record.offset()) {
            return true;
        }
        // An earlier message of this key is not done yet (or parked): this one waits its turn.
        int size = LogTypes.sizeOf(record);
        Waiting w;
        if (waitingBytes + size <= maxBytes && held.tryTake(size)) {
            w = new Waiting(record.offset(), record);
            waitingBytes += size;
        } else {
            w = new Waiting(record.offset(), null);
            spilledInARow++;
        }
        if (line.waiting.isEmpty()) {
            linesWithWaiting++;
        }
        if (line.waiting.isEmpty() || line.waiting.peekLast().offset() < record.offset()) {
            line.waiting.addLast(w);
        } else { // a redelivery of an earlier message of the key: back in offset order
            List<Waiting> sorted = new ArrayList<>(line.waiting);
            sorted.add(w);
            sorted.sort(Comparator.comparingLong(Waiting::offset));
            line.waiting.clear();
            line.waiting.addAll(sorted);
        }
        waitingCount++;
        return false;
    }

    /** {@code offset} holds {@code key} (a parked dead letter's key, restored on open). */
    void hold(long offset, ByteBuffer key) {
        Line line = lines.computeIfAbsent(key, k -> new Line(k, offset));
        line.holder = offset;
        heldBy.put(offset, line);
    }

    /** The key {@code offset} holds, or null. */
    ByteBuffer keyHeldBy(long offset) {
        Line line = heldBy.get(offset);
        return line == null ? null : line.key;
    }

    /** {@code offset} is done: its key goes to the next message waiting for it, which is next in line. */
    void release(long offset) {
        Line line = heldBy.remove(offset);
        if (line == null) {
            return;
        }
        Waiting w = line.waiting.poll();
        if (w == null) {
            lines.remove(line.key);
            return;
        }
        if (line.waiting.isEmpty()) {
            linesWithWaiting--;
        }
        waitingCount--;
        line.holder = w.offset();
        heldBy.put(w.offset(), line);
        next.add(w);
    }

    /**
     * Messages {@link #pollNext} gave out without contents that could not be read now: first in line again, in
     * the order given (they still hold their keys).
     */
    void putBack(java.util.List<Waiting> notHandedOut) {
        for (int i = notHandedOut.size() - 1; i >= 0; i--) {
            Waiting w = notHandedOut.get(i);
            if (w.record() != null) {
                throw new IllegalArgumentException("only a message without contents is put back, not offset "
                        + w.offset());
            }
            next.addFirst(w);
        }
    }

    /** The next message whose key was freed for it (it holds the key), or null. */
    Waiting pollNext() {
        Waiting w = next.poll();
        if (w != null && w.record() != null) {
            int size = LogTypes.sizeOf(w.record());
            waitingBytes -= size;
            held.give(size);
        }
        return w;
    }

    /** Whether reading further ahead may find something to hand out (see the class comment). */
    boolean mayReadAhead() {
        if (spilledInARow > 0 && waitingBytes < maxBytes / 2) {
            spilledInARow = 0; // half the lines' contents were handed out: look further again
        }
        return spilledInARow < spillLimit() && waitingCount < maxWaiting;
    }

    /**
     * How many messages in a row may join lines without their contents before reading ahead stops: twice the
     * lines, plus some, so that a few hot keys do not hide the free keys behind them, while a partition whose
     * every key is busy stops soon.
     */
    int spillLimit() {
        return 2 * linesWithWaiting + 64;
    }

    /** Whether reading ahead is stopped by spills (not by the count of waiting messages). */
    boolean spilling() {
        return spilledInARow >= spillLimit();
    }

    /** The group is closing: gives the kept contents back to the broker-wide budget. */
    void releaseAll() {
        held.give(waitingBytes);
        waitingBytes = 0;
    }

    int waitingCount() {
        return waitingCount;
    }

    long waitingBytes() {
        return waitingBytes;
    }

    int busyKeys() {
        return lines.size();
    }
}
