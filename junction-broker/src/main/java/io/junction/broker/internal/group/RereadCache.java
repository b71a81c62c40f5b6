package io.junction.broker.internal.group;

import io.junction.broker.internal.HeldBytes;
import io.junction.log.FetchResult;
import io.junction.log.Record;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a group read from its partitions again lately, as the stored bytes the log returned: messages that waited
 * behind a busy key without their contents, and redeliveries, are read again when their turn comes, mostly a few
 * offsets apart, so one read serves the next ones too. Without it each of them read and decoded a whole stored
 * batch (hundreds of messages) to take one.
 *
 * <p>Bounded by bytes, oldest read evicted first; a read larger than the bound is used once and not kept. Only
 * the group's owner thread uses it. It holds what the log held when read: the group clears it when retention or
 * compaction removed messages, and when it goes idle, so an idle group keeps nothing.
 */
final class RereadCache {

    /** How much one read takes from the log: the batch holding the offset and the next ones, up to this. */
    static final int READ_BYTES = 64 * 1024;

    /** Reads the log from an offset, at most about {@code maxBytes} (at least the batch holding the offset). */
    @FunctionalInterface
    interface Reader {
        FetchResult read(long from, int maxBytes);
    }

    private final long maxBytes;
    /** How much one read asks for when it can be kept. */
    private final int readBytes;
    /** The broker-wide budget kept reads are also taken from. */
    private final HeldBytes held;
    /** Per partition: reads by the offset they started at. */
    private final Map<Integer, TreeMap<Long, FetchResult>> byPartition = new java.util.HashMap<>();
    /** Reads in the order they were made (partition, start offset), for eviction. */
    private final ArrayDeque<long[]> order = new ArrayDeque<>();
    private long bytes;

    RereadCache(long maxBytes, HeldBytes held) {
        this(maxBytes, READ_BYTES, held);
    }

    RereadCache(long maxBytes, int readBytes, HeldBytes held) {
        this.maxBytes = maxBytes;
        this.readBytes = readBytes;
        this.held = held;
    }

    /** A read that covers {@code offset} of partition {@code p}, or null. */
    private FetchResult covering(int p, long offset) {
        TreeMap<Long, FetchResult> reads = byPartition.get(p);
        if (reads != null) {
            Map.Entry<Long, FetchResult> e = reads.floorEntry(offset);
            if (e != null && offset < e.getValue().nextOffset()) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * The record at {@code offset} of partition {@code p}: from a kept read, else from {@code reader} (which reads
     * the log from that offset), keeping what it read. A read that could not be kept (the broker-wide budget used
     * up, or this cache too small for it) asks for the one batch holding the offset only: read for one message, it
     * should not cost a whole read's bytes. Null when the log has no record there (compacted away).
     */
    Record record(int p, long offset, Reader reader) {
        FetchResult read = covering(p, offset);
        if (read == null) {
            boolean keepable = readBytes <= maxBytes && held.available() >= readBytes;
            read = reader.read(offset, keepable ? readBytes : 1);
            keep(p, read);
        }
        return read.record(offset);
    }

    private void keep(int p, FetchResult read) {
        long size = read.sizeInBytes();
        if (size > maxBytes || read.isEmpty() || !held.tryTake(size)) {
            return;
        }
        FetchResult replaced = byPartition.computeIfAbsent(p, k -> new TreeMap<>()).put(read.requestedOffset(), read);
        if (replaced != null) {
            bytes -= replaced.sizeInBytes();
            held.give(replaced.sizeInBytes());
            order.removeIf(o -> o[0] == p && o[1] == read.requestedOffset());
        }
        order.addLast(new long[] {p, read.requestedOffset()});
        bytes += size;
        while (bytes > maxBytes) {
            long[] oldest = order.pollFirst();
            TreeMap<Long, FetchResult> reads = byPartition.get((int) oldest[0]);
            FetchResult evicted = reads.remove(oldest[1]);
            bytes -= evicted.sizeInBytes();
            held.give(evicted.sizeInBytes());
            if (reads.isEmpty()) {
                byPartition.remove((int) oldest[0]);
            }
        }
    }

    void clear() {
        byPartition.clear();
        order.clear();
        held.give(bytes);
        bytes = 0;
    }

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return order.isEmpty();
    }
}
