package io.junction.tier;

import io.junction.log.AppendResult;
import io.junction.log.CompactionStats;
import io.junction.log.FetchResult;
import io.junction.log.OffsetOutOfRangeException;
import io.junction.log.PartitionLog;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.SegmentReader;
import io.junction.log.Throttle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A partition whose older segments live in the object store: one offset range, local segments on top of remote
 * ones, read transparently. Appends, flushes and the active segment are the local log's; a read below the local
 * log's first offset is served from the remote segment that holds it, downloaded into the tier's cache (and the
 * next one read ahead). {@link #firstOffset()} is the oldest remote offset; retention ({@link #deleteSegmentsBefore})
 * removes remote and local segments alike; compaction rewrites only local segments already uploaded, so the
 * store keeps every record as it was appended ({@link #history()}: the full-history view).
 */
public final class TieredStore implements PartitionStore {

    private final PartitionLog local;
    private final PartitionTier tier;
    private final SegmentCache cache;
    private final Tiering tiering;
    private volatile Runnable onRemoteReady = () -> { };
    private final PartitionStore history = new HistoryView();

    TieredStore(PartitionLog local, PartitionTier tier, SegmentCache cache, Tiering tiering) {
        this.local = local;
        this.tier = tier;
        this.cache = cache;
        this.tiering = tiering;
    }

    /** The local log (appends, the active segment, what compaction rewrites). */
    public PartitionStore local() {
        return local;
    }

    /** Called (on a fetch thread) when a segment {@link #tryRead} could not serve yet has been downloaded. */
    public void onRemoteReady(Runnable whenReady) {
        this.onRemoteReady = whenReady;
    }

    /** This partition's tier as {@code station tier-status} shows it. */
    public TierStatus status() {
        return tier.status();
    }

    /**
     * What compaction of the local log may rewrite: below the uploaded end while tiering is on (the object store
     * gets every segment as appended first); everything when it is off.
     */
    public long compactionBound() {
        return tier.compactionBound();
    }

    /** One past the last offset uploaded; what the local log may compact is below it. */
    public long uploadedEnd() {
        return tier.uploadedEnd();
    }

    /**
     * The full-history view: every record ever appended, as appended — from the store up to the uploaded end (the
     * part compaction may have rewritten locally), from the local log above it. Read-only.
     */
    public PartitionStore history() {
        return history;
    }

    /** Deletes the remote segments whose last append is older than {@code appendTimeMs} (a compacted station's age). */
    public int deleteRemoteAppendedBefore(long appendTimeMs) {
        return tier.deleteAppendedBefore(appendTimeMs);
    }

    /** Deletes every object of this partition (the station is being deleted). */
    public void destroyRemote() throws java.io.IOException {
        tiering.unregister(tier);
        tier.destroy();
    }

    @Override
    public CompletableFuture<AppendResult> append(ByteBuffer batch) {
        return local.append(batch);
    }

    @Override
    public FetchResult read(long offset, int maxBytes) {
        return readFrom(offset, maxBytes, false, false);
    }

    @Override
    public FetchResult tryRead(long offset, int maxBytes) {
        return readFrom(offset, maxBytes, true, false);
    }

    /**
     * Reads at {@code offset}: locally when the local log holds it (or, with {@code fullHistory}, when it is at or
     * past the uploaded end), else from the remote segment holding it. With {@code ifCached}, a segment not in the
     * cache is fetched in the background and null returned ({@link #onRemoteReady} is told when it is there).
     */
    private FetchResult readFrom(long offset, int maxBytes, boolean ifCached, boolean fullHistory) {
        for (int attempt = 0; ; attempt++) {
            long localFirst = local.firstOffset();
            boolean remote = fullHistory ? offset < tier.uploadedEnd() && tier.entryFor(offset) != null
                    : offset < localFirst;
            if (!remote) {
                try {
                    return local.read(offset, maxBytes);
                } catch (OffsetOutOfRangeException e) {
                    if (attempt > 0 || offset >= local.firstOffset() || tier.entryFor(offset) == null) {
                        throw e;
                    }
                    continue; // the tier trimmed it meanwhile: it is remote now
                }
            }
            TierManifest.Entry entry = tier.entryFor(offset);
            if (entry == null) {
                throw new OffsetOutOfRangeException(offset, firstOffset(), nextOffset());
            }
            SegmentCache.Cached segment;
            if (ifCached) {
                segment = cache.getIfPresent(entry, onRemoteReady);
                if (segment == null) {
                    return null;
                }
            } else {
                segment = cache.get(entry);
            }
            TierManifest.Entry next = tier.next(entry);
            if (next != null) {
                cache.prefetch(next); // sequential readers find the next segment there
            }
            try {
                return segment.reader.read(offset, maxBytes);
            } catch (RuntimeException e) {
                if (segment.evicted && attempt == 0) {
                    continue; // evicted while being read: fetch it again
                }
                throw e;
            }
        }
    }

    /** Exact, as the local log's: a remote segment that may hold the answer is read (downloaded if not cached). */
    @Override
    public OptionalLong offsetForTimestamp(long timestamp) {
        return firstMatch(remoteOnly(), e -> e.maxTimestamp() >= timestamp,
                reader -> reader.offsetForTimestamp(timestamp), () -> local.offsetForTimestamp(timestamp));
    }

    /** Exact, as the local log's: a remote segment that may hold the answer is read (downloaded if not cached). */
    @Override
    public OptionalLong offsetForAppendTime(long appendTimeMs) {
        return firstMatch(remoteOnly(), e -> e.lastAppendTimeMs() >= appendTimeMs,
                reader -> reader.offsetForAppendTime(appendTimeMs), () -> local.offsetForAppendTime(appendTimeMs));
    }

    /**
     * The start of the remote segment that holds {@link #offsetForTimestamp}'s answer, from the manifest alone (no
     * download); the local log's answer above the remote part.
     */
    @Override
    public OptionalLong segmentForTimestamp(long timestamp) {
        for (TierManifest.Entry e : remoteOnly()) {
            if (e.maxTimestamp() >= timestamp) {
                return OptionalLong.of(e.baseOffset());
            }
        }
        return local.offsetForTimestamp(timestamp);
    }

    /** As {@link #segmentForTimestamp}, by append time. */
    @Override
    public OptionalLong segmentForAppendTime(long appendTimeMs) {
        for (TierManifest.Entry e : remoteOnly()) {
            if (e.lastAppendTimeMs() >= appendTimeMs) {
                return OptionalLong.of(e.baseOffset());
            }
        }
        return local.offsetForAppendTime(appendTimeMs);
    }

    /**
     * The first offset a remote segment of {@code entries} (in offset order) answers with {@code find}, reading only
     * those the manifest says {@code mayHold} it; else the local log's {@code localAnswer}. A segment evicted from
     * the cache while being searched is fetched again.
     */
    private OptionalLong firstMatch(List<TierManifest.Entry> entries, Predicate<TierManifest.Entry> mayHold,
            Function<SegmentReader, OptionalLong> find, Supplier<OptionalLong> localAnswer) {
        for (TierManifest.Entry e : entries) {
            if (!mayHold.test(e)) {
                continue;
            }
            for (int attempt = 0; ; attempt++) {
                SegmentCache.Cached segment = cache.get(e);
                try {
                    OptionalLong found = find.apply(segment.reader);
                    if (found.isPresent()) {
                        return found;
                    }
                    break; // the manifest's bound was loose: the next segment may hold it
                } catch (RuntimeException failure) {
                    if (!segment.evicted || attempt > 0) {
                        throw failure;
                    }
                }
            }
        }
        return localAnswer.get();
    }

    /** The readable remote segments below the local log (those the local log no longer holds). */
    private List<TierManifest.Entry> remoteOnly() {
        long localFirst = local.firstOffset();
        List<TierManifest.Entry> out = new ArrayList<>();
        for (TierManifest.Entry e : tier.readable()) {
            if (e.baseOffset() < localFirst) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public long firstOffset() {
        List<TierManifest.Entry> r = tier.readable();
        long localFirst = local.firstOffset();
        return r.isEmpty() ? localFirst : Math.min(localFirst, r.get(0).baseOffset());
    }

    @Override
    public long nextOffset() {
        return local.nextOffset();
    }

    @Override
    public long sizeInBytes() {
        long bytes = local.sizeInBytes();
        for (TierManifest.Entry e : remoteOnly()) {
            bytes += e.sizeInBytes();
        }
        return bytes;
    }

    @Override
    public long recordCount() {
        long records = local.recordCount();
        for (TierManifest.Entry e : remoteOnly()) {
            records += Math.min(e.records(), local.firstOffset() - e.baseOffset());
        }
        return records;
    }

    @Override
    public List<SegmentInfo> segments() {
        List<SegmentInfo> all = new ArrayList<>();
        long localFirst = local.firstOffset();
        for (TierManifest.Entry e : remoteOnly()) {
            if (e.endOffset() <= localFirst) {
                all.add(new SegmentInfo(e.baseOffset(), e.sizeInBytes()));
            }
        }
        all.addAll(local.segments());
        return all;
    }

    @Override
    public int deleteSegmentsBefore(long offset) {
        return tier.deleteBefore(offset) + local.deleteSegmentsBefore(offset);
    }

    /** Compacts the local segments already uploaded (the store keeps them as they were). */
    @Override
    public CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset)
            throws InterruptedException {
        return local.compact(keep, throttle, Math.min(belowOffset, tier.compactionBound()));
    }

    @Override
    public CompletableFuture<Void> flushAsync() {
        return local.flushAsync();
    }

    @Override
    public void flush() {
        local.flush();
    }

    @Override
    public void close() {
        tiering.unregister(tier);
        tier.close();
        local.close();
    }

    @Override
    public String toString() {
        return "tiered " + local;
    }

    /** The full-history view: {@link #history()}. */
    private final class HistoryView implements PartitionStore {

        @Override
        public CompletableFuture<AppendResult> append(ByteBuffer batch) {
            throw new UnsupportedOperationException("the full-history view is read-only");
        }

        @Override
        public FetchResult read(long offset, int maxBytes) {
            return readFrom(offset, maxBytes, false, true);
        }

        @Override
        public FetchResult tryRead(long offset, int maxBytes) {
            return readFrom(offset, maxBytes, true, true);
        }

        /**
         * Over every remote segment (the history below the uploaded end), then the local log: what the local log
         * kept below the uploaded end is in the store as well, with the same timestamps.
         */
        @Override
        public OptionalLong offsetForTimestamp(long timestamp) {
            return firstMatch(tier.readable(), e -> e.maxTimestamp() >= timestamp,
                    reader -> reader.offsetForTimestamp(timestamp), () -> local.offsetForTimestamp(timestamp));
        }

        @Override
        public OptionalLong offsetForAppendTime(long appendTimeMs) {
            return firstMatch(tier.readable(), e -> e.lastAppendTimeMs() >= appendTimeMs,
                    reader -> reader.offsetForAppendTime(appendTimeMs),
                    () -> local.offsetForAppendTime(appendTimeMs));
        }

        @Override
        public long firstOffset() {
            return TieredStore.this.firstOffset();
        }

        @Override
        public long nextOffset() {
            return local.nextOffset();
        }

        @Override
        public long sizeInBytes() {
            return TieredStore.this.sizeInBytes();
        }

        @Override
        public long recordCount() {
            return TieredStore.this.recordCount();
        }

        @Override
        public List<SegmentInfo> segments() {
            return TieredStore.this.segments();
        }

        @Override
        public int deleteSegmentsBefore(long offset) {
            throw new UnsupportedOperationException("the full-history view is read-only");
        }

        @Override
        public CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset) {
            throw new UnsupportedOperationException("the full-history view is read-only");
        }

        @Override
        public CompletableFuture<Void> flushAsync() {
            return local.flushAsync();
        }

        @Override
        public void flush() {
            local.flush();
        }

        @Override
        public void close() {
            // the view closes with its store
        }
    }
}
