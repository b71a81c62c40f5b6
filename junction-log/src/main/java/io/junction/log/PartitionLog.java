package io.junction.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A partition: an ordered, durable, append-only log of record batches, kept as a directory of segments
 * ({@link LogFiles} lists the files). This is the piece everything else in Junction stands on: it never
 * acknowledges a write before it is durable under the configured {@link Durability}, and never hands a reader
 * a partial or corrupt batch.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li><b>One writer.</b> {@link #append}, {@link #deleteSegmentsBefore}, {@link #truncateTo} and
 *       {@link #close} change the log; they are serialized by one lock, so the log behaves as if one thread
 *       owned it (the broker calls them from the partition's single owner). The writer writes to the OS page
 *       cache and never waits for the disk on an append.</li>
 *   <li><b>No thread of its own.</b> The fsyncs run on the {@link Flusher}'s shared threads. In {@code FSYNC}
 *       mode an append queues a commit round unless one is queued or running: the round takes every append
 *       queued since the last one, runs one fsync for all of them (group commit), advances the durable end, and
 *       hands their futures to the flusher's completion threads (in append order; callbacks should still not
 *       block, as they hold up the log's later completions). In {@code INTERVAL} mode the first append after a
 *       flush schedules the next one a flush interval later (or at once past {@code flushBytes}); appends
 *       complete as soon as they are written. A log nobody appends to is never fsynced.</li>
 *   <li><b>Any number of readers.</b> {@link #read}, {@link #offsetForTimestamp} and {@link #offsetForAppendTime}
 *       take no lock: they read up to the published end ({@code durable} in {@code FSYNC} mode, {@code written}
 *       otherwise), which only ever covers whole batches.</li>
 * </ul>
 *
 * <h2>Recovery</h2>
 * {@link #open} finishes interrupted file operations ({@code .tmp} and {@code .deleted} files are removed),
 * verifies every batch of the last segment (length, magic, CRC32C, expected offset) and truncates it at the
 * first bad one, and rebuilds any missing or inconsistent index. Earlier segments were fsynced when they were
 * sealed; a batch there that later rots is caught by its CRC when read ({@link CorruptBatchException}).
 */
public final class PartitionLog implements PartitionStore {

    private static final System.Logger LOG = System.getLogger(PartitionLog.class.getName());

    private final Path dir;
    private final LogConfig config;
    private final ChannelOpener opener;
    private final ConcurrentSkipListMap<Long, Segment> segments;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Held by compaction and segment deletion (retention): one such pass at a time. Taken before writeLock. */
    private final ReentrantLock maintenanceLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final Flusher flusher;
    /** Completes the append futures of this log, in order, on the flusher's completion threads. */
    private final SerialExecutor completions;
    /** A commit round (FSYNC) or a flush (INTERVAL) is scheduled or running; at most one per log. */
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Held by a flush task while it forces this log's files; close takes it to wait for a running one. */
    private final ReentrantLock flushLock = new ReentrantLock();
    /** INTERVAL mode: callers of {@link #flushAsync} waiting for the durable end to pass their offset, in order. */
    private final ConcurrentLinkedQueue<DurableWaiter> durableWaiters = new ConcurrentLinkedQueue<>();
    /** INTERVAL mode: the scheduled flush, cancelled by close. */
    private volatile ScheduledFuture<?> scheduledFlush;
    /** Set by close (under flushLock): flush tasks leave the files alone from then on. */
    private boolean flushStopped;
    private final RecoveryReport recovery;

    /** The end of what has been written (page cache). Changed by the writer only. */
    private volatile LogEnd written;
    /** The end of what is known durable. Changed by the flusher (and by truncation, under the write lock). */
    private volatile LogEnd durable;
    private volatile boolean closed;
    /** Set when an fsync or a write left the log in an unknown state; every later append fails with it. */
    private volatile Throwable failure;

    /** A position in the log: readers may read every batch before {@code position} of {@code segment}. */
    private record LogEnd(Segment segment, int position, long nextOffset) {
    }

    /** A {@link #flushAsync} caller waiting until the durable end reaches {@code nextOffset}. */
    private record DurableWaiter(long nextOffset, CompletableFuture<Void> future) {
    }

    /** An append waiting for the fsync that covers it (or a marker whose future completes when all before it did). */
    private record Pending(LogEnd end, AppendResult result, CompletableFuture<AppendResult> future) {
    }

    /** INTERVAL mode: an early flush (flushBytes unflushed) is queued or running; cleared once it ran. */
    private final AtomicBoolean flushRequested = new AtomicBoolean();

    private PartitionLog(Path dir, LogConfig config, ChannelOpener opener,
            ConcurrentSkipListMap<Long, Segment> segments, RecoveryReport recovery) {
        this.dir = dir;
        this.config = config;
        this.opener = opener;
        this.segments = segments;
        this.recovery = recovery;
        Segment last = segments.lastEntry().getValue();
        this.written = new LogEnd(last, last.size(), last.nextOffset());
        this.durable = written;
        this.flusher = config.flusher();
        this.completions = new SerialExecutor(flusher.completions());
    }

    /**
     * Opens the partition in {@code dir} (created when missing), running recovery first.
     *
     * @throws UncheckedIOException when the directory cannot be read or repaired
     */
    public static PartitionLog open(Path dir, LogConfig config) {
        return open(dir, config, ChannelOpener.DEFAULT);
    }

    static PartitionLog open(Path dir, LogConfig config, ChannelOpener opener) {
        try {
            return doOpen(dir, config, opener);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open partition log in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static PartitionLog doOpen(Path dir, LogConfig config, ChannelOpener opener) throws IOException {
        LogRecovery.Recovered recovered = LogRecovery.recover(dir, config, opener);
        return new PartitionLog(dir, config, opener, recovered.segments(), recovered.report());
    }

    /**
     * Appends one batch (built by {@link RecordBatchBuilder}, or received in that layout). The log assigns
     * its offsets by writing the base offset into the buffer, and takes ownership of the buffer.
     *
     * @return a future completed with the batch's offsets once it is durable under the log's
     *     {@link Durability}; completed exceptionally with {@link InvalidBatchException} (nothing stored),
     *     {@link LogClosedException}, or {@link LogException} for an I/O error (nothing stored)
     */
    @Override
    public CompletableFuture<AppendResult> append(ByteBuffer batch) {
        try {
            BatchFormat.validateForAppend(batch, config.maxBatchBytes());
        } catch (InvalidBatchException e) {
            return CompletableFuture.failedFuture(e);
        }
        writeLock.lock();
        try {
            checkWritable();
            LogEnd end = written;
            Segment active = end.segment();
            int at = batch.position();
            long base = end.nextOffset();
            long last = base + batch.getInt(at + BatchFormat.LAST_OFFSET_DELTA);
            long nowMs = config.clock().millis();
            if (shouldRoll(active, batch.remaining(), last, nowMs)) {
                active = roll(base, nowMs);
            }
            batch.putLong(at + BatchFormat.BASE_OFFSET, base);
            try {
                active.append(batch.duplicate(), base, last, nowMs);
            } catch (IOException e) {
                if (!active.isConsistent()) {
                    failure = e;
                }
                return CompletableFuture.failedFuture(new LogException("append to " + dir + " failed: "
                        + e.getMessage(), e));
            }
            LogEnd newEnd = new LogEnd(active, active.size(), last + 1);
            written = newEnd;
            AppendResult result = new AppendResult(base, last, nowMs);
            if (config.durability() == Durability.INTERVAL) {
                if (unflushedBytes(newEnd) >= config.flushBytes() && flushRequested.compareAndSet(false, true)) {
                    flusher.fsync(this::intervalFlush);
                } else if (flushScheduled.compareAndSet(false, true)) {
                    scheduledFlush = flusher.fsyncAfter(config.flushInterval().toNanos(), this::intervalFlush);
                }
                return CompletableFuture.completedFuture(result);
            }
            CompletableFuture<AppendResult> future = new CompletableFuture<>();
            active.retain(); // released by the commit round once it has forced this segment
            pending.add(new Pending(newEnd, result, future));
            scheduleCommit();
            return future;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new LogException("append to " + dir + " failed: "
                    + e.getMessage(), e));
        } catch (LogException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            writeLock.unlock();
        }
    }

    private boolean shouldRoll(Segment active, int batchBytes, long lastOffset, long nowMs) {
        if (active.isEmpty()) {
            return false;
        }
        return active.size() + (long) batchBytes > config.segmentBytes()
                || nowMs - active.firstBatchTimeMs() >= config.segmentAge().toMillis()
                || lastOffset - active.baseOffset > Integer.MAX_VALUE;
    }

    /** Seals the active segment (fsync, index files) and starts a new one at {@code base}. Writer only. */
    private Segment roll(long base, long nowMs) throws IOException {
        Segment old = written.segment();
        old.seal();
        Segment next = Segment.create(opener, config.openFiles(), dir, base, config.indexIntervalBytes(), nowMs);
        segments.put(base, next);
        written = new LogEnd(next, 0, base);
        return next;
    }

    /**
     * Reads whole batches starting with the one that holds {@code offset}: at least that batch, then as many
     * following batches as fit in {@code maxBytes}. The first batch may start before {@code offset}
     * ({@link FetchResult#records()} skips those records). Reading at the next offset returns an empty result.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the first or above the next offset
     * @throws CorruptBatchException when the batch at {@code offset} fails its checksum
     */
    @Override
    public FetchResult read(long offset, int maxBytes) {
        long cursor = offset;
        while (true) {
            LogEnd end = readableEnd();
            long first = firstOffset();
            if (cursor < first || cursor > end.nextOffset()) {
                throw new OffsetOutOfRangeException(cursor, first, end.nextOffset());
            }
            if (cursor == end.nextOffset()) {
                return new FetchResult(offset, ByteBuffer.allocate(0), cursor);
            }
            Map.Entry<Long, Segment> entry = segments.floorEntry(cursor);
            if (entry == null) {
                continue; // the first segment was deleted under us; check the range again
            }
            Segment segment = entry.getValue();
            if (!segment.retain()) {
                continue;
            }
            try {
                int limit = segment == end.segment() ? end.position() : segment.size();
                ByteBuffer data = segment.readFrom(cursor, maxBytes, limit);
                if (data == null) {
                    if (segment == end.segment()) {
                        return new FetchResult(offset, ByteBuffer.allocate(0), end.nextOffset());
                    }
                    cursor = segment.nextOffset(); // an offset gap at the end of this segment
                    continue;
                }
                long next = data.hasRemaining() ? FetchResult.lastOffsetOf(data) + 1 : cursor;
                return new FetchResult(offset, data, next);
            } catch (ClosedChannelException e) {
                throw new LogClosedException("partition log " + dir + " is closed", e);
            } catch (IOException e) {
                throw new LogException("read from " + dir + " failed: " + e.getMessage(), e);
            } finally {
                segment.release();
            }
        }
    }

    /**
     * The offset of the first record whose timestamp is at least {@code timestamp}, among the readable
     * records; empty when every record is older.
     */
    @Override
    public OptionalLong offsetForTimestamp(long timestamp) {
        return firstInBatchesFrom(timestamp, Segment.BatchProbe.recordAtOrAfter(timestamp));
    }

    /**
     * The base offset of the first readable batch (in offset order) whose append time ({@link
     * RecordBatch#appendTime()}, the broker's clock when it stored the batch) is at least {@code appendTimeMs};
     * empty when every batch was appended earlier. Records' own timestamps play no part. Lock-free, like {@link
     * #read}.
     *
     * <p>Append times are only nearly in offset order: the broker dates a batch when it builds it, a moment
     * before the append, so batches built concurrently may land out of order by that moment, and a clock that goes
     * back dates later batches earlier. The answer is exact all the same — no batch before it was appended at or
     * after {@code appendTimeMs} — so a caller that reads on from it and judges each batch by its own append time
     * misses nothing (reading from earlier is always safe, from later never). A batch built without an append
     * time (older data, compaction rewrites) counts with its first record's timestamp.
     */
    @Override
    public OptionalLong offsetForAppendTime(long appendTimeMs) {
        return firstInBatchesFrom(appendTimeMs, Segment.BatchProbe.appendedAtOrAfter(appendTimeMs));
    }

    /**
     * The first answer {@code probe} gives, trying every readable batch in offset order except those the time
     * index shows to lie wholly before {@code timestamp}: an index entry counts both the record timestamps and
     * the append times of the batches up to it ({@link BatchFormat#indexTimestamp}), so a probe for either
     * skips exactly the batches that cannot match.
     */
    private OptionalLong firstInBatchesFrom(long timestamp, Segment.BatchProbe probe) {
        LogEnd end = readableEnd();
        for (Segment segment : segments.values()) {
            if (segment.baseOffset >= end.nextOffset() || !segment.retain()) {
                continue;
            }
            try {
                int limit = segment == end.segment() ? end.position() : segment.size();
                long found = segment.firstMatch(timestamp, probe, limit);
                if (found >= 0) {
                    return OptionalLong.of(found);
                }
            } catch (IOException e) {
                throw new LogException("timestamp lookup in " + dir + " failed: " + e.getMessage(), e);
            } finally {
                segment.release();
            }
        }
        return OptionalLong.empty();
    }

    /** The first offset still in the log (the base offset of the oldest segment). */
    @Override
    public long firstOffset() {
        return segments.firstKey();
    }

    /** The offset the next append will get, as far as readers can see: one past the last readable record. */
    @Override
    public long nextOffset() {
        return readableEnd().nextOffset();
    }

    /** The offset of the last readable record, or {@code firstOffset() - 1} when there is none. */
    public long lastOffset() {
        return nextOffset() - 1;
    }

    /** Total bytes of all segments. */
    @Override
    public long sizeInBytes() {
        long total = 0;
        for (Segment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    @Override
    public int segmentCount() {
        return segments.size();
    }

    /** Tests: the segment starting at {@code base}, retained (release it), or null. */
    Segment retainSegment(long base) {
        Segment segment = segments.get(base);
        return segment != null && segment.retain() ? segment : null;
    }

    @Override
    public List<SegmentInfo> segments() {
        return segments.values().stream().map(s -> new SegmentInfo(s.baseOffset, s.size())).toList();
    }

    /**
     * A snapshot, oldest first, of every sealed segment (never the active one): what the tiered store uploads.
     * The index files of each exist when it is listed: they are written when a segment is sealed and rebuilt on
     * open; one found missing (only in the moment between a compaction swapping a segment in and writing its index
     * files) is written here, under the write lock. A segment deleted by retention while the list is made is left
     * out. The files may change once listed: see {@link SealedSegment} for what a caller copying them must do.
     * A {@link #truncateTo} below a listed segment's end unseals it (replication only; not done by the tier).
     *
     * @throws LogException when an index file cannot be written or a segment's last batch header read
     */
    public List<SealedSegment> sealedSegments() {
        List<Long> bases = new ArrayList<>(segments.keySet());
        List<SealedSegment> sealed = new ArrayList<>(bases.size());
        for (int i = 0; i + 1 < bases.size(); i++) {
            SealedSegment s = describeSealed(bases.get(i), bases.get(i + 1));
            if (s != null) {
                sealed.add(s);
            }
        }
        return sealed;
    }

    private SealedSegment describeSealed(long base, long end) {
        try {
            Path index = LogFiles.indexFile(dir, base);
            Path timeIndex = LogFiles.timeIndexFile(dir, base);
            if (!Files.exists(index) || !Files.exists(timeIndex)) {
                writeMissingIndexFiles(base);
            }
            Segment segment = segments.get(base);
            if (segment == null || !segment.retain()) {
                return null; // deleted by retention meanwhile
            }
            try {
                return new SealedSegment(base, end, segment.size(), segment.lastAppendTimeMs(),
                        segment.index().maxTimestamp(), LogFiles.logFile(dir, base), index, timeIndex);
            } finally {
                segment.release();
            }
        } catch (IOException e) {
            throw new LogException("listing sealed segment " + LogFiles.baseName(base) + " of " + dir + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes the index files of the sealed segment at {@code base} if it is still there, still sealed and either
     * file is missing. Under the write lock, so retention cannot delete the segment (leaving index files without
     * it) nor compaction swap it meanwhile.
     */
    private void writeMissingIndexFiles(long base) throws IOException {
        writeLock.lock();
        try {
            Segment segment = segments.get(base);
            if (segment != null && segment != written.segment() && segment.writeIndexFilesIfMissing()) {
                LOG.log(System.Logger.Level.INFO, "{0}: wrote the missing index files of segment {1}", dir,
                        LogFiles.baseName(base));
            }
        } finally {
            writeLock.unlock();
        }
    }

    public Path directory() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** What the recovery pass found and did when this log was opened. */
    public RecoveryReport recoveryReport() {
        return recovery;
    }

    private LogEnd readableEnd() {
        return config.durability() == Durability.FSYNC ? durable : written;
    }

    /**
     * Deletes every segment whose records all lie below {@code offset}. The active segment is never deleted,
     * so retention works in whole segments. Readers still reading a deleted segment finish their read.
     *
     * @return the number of segments deleted
     */
    @Override
    public int deleteSegmentsBefore(long offset) {
        maintenanceLock.lock();
        writeLock.lock();
        try {
            checkWritable();
            int deleted = 0;
            while (true) {
                Map.Entry<Long, Segment> first = segments.firstEntry();
                Long next = segments.higherKey(first.getKey());
                if (next == null || next > offset) {
                    return deleted;
                }
                segments.remove(first.getKey());
                first.getValue().delete();
                deleted++;
            }
        } catch (IOException e) {
            throw new LogException("deleting segments of " + dir + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
            maintenanceLock.unlock();
        }
    }

    /**
     * Compaction: rewrites every sealed segment (never the active one) that holds a record {@code keep} rejects,
     * keeping the others with their offsets, timestamps, keys, values and headers. Offsets stay contiguous in the
     * file (a rewritten batch covers the offsets of the records it dropped, and may hold no record at all), so
     * readers see gaps in the offsets, never a hole in the log. Safe against a crash at any point: the rewrite
     * goes to {@code BASE.log.cleaned}, is fsynced and renamed to {@code BASE.log.swap}, which then atomically
     * replaces {@code BASE.log} (see {@link LogFiles}; {@link #open} finishes or discards an interrupted swap).
     * Appends and reads go on meanwhile: the writer is held only while the segment is swapped, and readers of
     * the old file finish their read on it. One compaction or retention pass at a time per log.
     *
     * @param keep decides per record; called from this thread, in offset order, twice per rewritten segment
     *     (once to find out whether anything goes, once while writing), so it must answer the same both times
     * @param throttle limits the bytes read per second
     * @param belowOffset only segments whose end offset (the next segment's base offset) is at most this one are
     *     rewritten; the others stay byte for byte ({@link Long#MAX_VALUE}: every sealed segment)
     */
    @Override
    public CompactionStats compact(Predicate<Record> keep, Throttle throttle, long belowOffset)
            throws InterruptedException {
        maintenanceLock.lock();
        try {
            checkWritable();
            CompactionStats total = CompactionStats.NONE;
            List<Map.Entry<Long, Segment>> entries = new ArrayList<>(segments.entrySet());
            for (int i = 0; i + 1 < entries.size(); i++) { // the last one is the active segment
                long end = entries.get(i + 1).getKey();
                if (end > belowOffset) {
                    break; // this one and every later one may not be rewritten yet
                }
                Segment segment = entries.get(i).getValue();
                if (!segment.retain()) {
                    continue;
                }
                try {
                    total = total.plus(compactSegment(segment, keep, throttle));
                } catch (IOException e) {
                    throw new LogException("compacting segment " + segment + " of " + dir + " failed: "
                            + e.getMessage(), e);
                } finally {
                    segment.release();
                }
            }
            return total;
        } finally {
            maintenanceLock.unlock();
        }
    }

    private CompactionStats compactSegment(Segment segment, Predicate<Record> keep, Throttle throttle)
            throws IOException, InterruptedException {
        SegmentCleaner.Cleaned cleaned = SegmentCleaner.clean(segment, keep, throttle, dir, config, opener);
        if (cleaned.swap() == null) {
            return cleaned.stats();
        }
        long base = segment.baseOffset;
        Segment fresh;
        writeLock.lock();
        try {
            checkWritable();
            if (segments.get(base) != segment) {
                Files.delete(cleaned.swap()); // gone meanwhile (cannot happen under the maintenance lock)
                return new CompactionStats(0, 0, 0, 0, cleaned.stats().bytesRead());
            }
            segment.retire(); // its readers keep the old file open; it is never reopened by name
            Files.deleteIfExists(LogFiles.indexFile(dir, base));
            Files.deleteIfExists(LogFiles.timeIndexFile(dir, base));
            Files.move(cleaned.swap(), LogFiles.logFile(dir, base), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            LogFiles.fsyncDirectory(dir);
            fresh = Segment.adopt(opener, config.openFiles(), dir, base, config.indexIntervalBytes(), cleaned.index(),
                    cleaned.nextOffset(), cleaned.recordsKept());
            segments.put(base, fresh);
            segment.release(); // the log's reference: readers of the old file finish on it, then it closes
        } finally {
            writeLock.unlock();
        }
        fresh.writeIndexFiles(); // missing after a crash right here: rebuilt on open
        return cleaned.stats();
    }

    /** The number of records in the log (fewer than its offset range once it has been compacted). */
    @Override
    public long recordCount() {
        long total = 0;
        for (Segment segment : segments.values()) {
            if (!segment.retain()) {
                continue;
            }
            try {
                total += segment.recordCount();
            } catch (IOException e) {
                throw new LogException("counting the records of " + segment + " failed: " + e.getMessage(), e);
            } finally {
                segment.release();
            }
        }
        return total;
    }

    /**
     * Removes every record at or above {@code offset}, which must be a batch boundary between the first and
     * the next offset. Pending appends are made durable first; the truncation itself is durable on return.
     */
    public void truncateTo(long offset) {
        writeLock.lock();
        try {
            checkWritable();
            LogEnd end = written;
            if (offset < firstOffset() || offset > end.nextOffset()) {
                throw new IllegalArgumentException("cannot truncate to " + offset + ": outside ["
                        + firstOffset() + ", " + end.nextOffset() + "]");
            }
            if (offset == end.nextOffset()) {
                return;
            }
            awaitDurable();
            Segment target = segments.floorEntry(offset).getValue();
            int position = target.positionOf(offset, target.size());
            if (position < 0) {
                position = target.size();
            } else if (target.baseOffsetAt(position) != offset) {
                throw new IllegalArgumentException("cannot truncate to " + offset
                        + ": not the first offset of a batch");
            }
            for (Segment later : segments.tailMap(target.baseOffset, false).descendingMap().values()) {
                segments.remove(later.baseOffset);
                later.delete();
            }
            target.truncateTo(position, offset);
            LogEnd newEnd = new LogEnd(target, target.size(), offset);
            written = newEnd;
            durable = newEnd;
        } catch (IOException e) {
            failure = e;
            throw new LogException("truncating " + dir + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Makes everything appended so far durable and visible to readers, and returns when it is: the explicit
     * flush of an {@code INTERVAL} log (in {@code FSYNC} mode it waits for the pending group commit).
     */
    @Override
    public void flush() {
        writeLock.lock();
        try {
            checkWritable();
            awaitDurable();
        } catch (IOException e) {
            failure = e;
            throw new LogException("flush of " + dir + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Waits until everything appended so far is durable. Writer only (holds the write lock). */
    private void awaitDurable() throws IOException {
        if (config.durability() == Durability.INTERVAL) {
            written.segment().force();
            durable = written;
            return;
        }
        CompletableFuture<AppendResult> marker = new CompletableFuture<>();
        written.segment().retain();
        pending.add(new Pending(written, null, marker));
        scheduleCommit();
        try {
            marker.get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IOException("waiting for pending fsyncs failed: " + e, e);
        }
    }

    private void checkWritable() {
        if (closed) {
            throw new LogClosedException("partition log " + dir + " is closed", null);
        }
        Throwable f = failure;
        if (f != null) {
            throw new LogClosedException("partition log " + dir + " failed (" + f.getMessage()
                    + "); reopen it to run recovery", f);
        }
    }

    /** FSYNC mode: queues a commit round on the flusher unless one is queued or running. */
    private void scheduleCommit() {
        if (flushScheduled.compareAndSet(false, true)) {
            flusher.fsync(this::commitRound);
        }
    }

    /**
     * FSYNC mode, on an fsync thread: one fsync covers every append queued since the previous round; their futures
     * complete on the completion threads. Another round is queued if appends came meanwhile (not run here, so a
     * busy log leaves the thread to other logs between rounds).
     */
    private void commitRound() {
        List<Pending> round = new ArrayList<>();
        for (Pending p; (p = pending.poll()) != null; ) {
            round.add(p);
        }
        try {
            if (!round.isEmpty()) {
                Throwable error = forceAll(round);
                completions.execute(() -> complete(round, error));
            }
        } finally {
            flushScheduled.set(false);
            if (!pending.isEmpty()) {
                scheduleCommit();
            }
        }
    }

    /** Forces the segments {@code round} wrote to and moves the durable end; the error, or null. */
    private Throwable forceAll(List<Pending> round) {
        flushLock.lock();
        try {
            Throwable error = failure;
            if (error == null && flushStopped) {
                error = new LogClosedException("partition log " + dir + " is closed", null);
            }
            Segment forced = null;
            if (error == null) {
                try {
                    long start = System.nanoTime();
                    for (Pending p : round) {
                        if (p.end().segment() != forced) {
                            forced = p.end().segment();
                            forced.force();
                        }
                    }
                    config.fsyncObserver().fsynced(System.nanoTime() - start);
                } catch (IOException e) {
                    // After a failed fsync the page cache state is unknown (the kernel may have dropped the dirty
                    // pages): never retry, fail the log; reopening runs recovery on what really is on disk.
                    error = e;
                    failure = e;
                }
            }
            LogEnd end = round.get(round.size() - 1).end();
            if (error == null && end.nextOffset() > durable.nextOffset()) {
                durable = end;
            }
            for (Pending p : round) {
                p.end().segment().release();
            }
            return error;
        } finally {
            flushLock.unlock();
        }
    }

    private void complete(List<Pending> round, Throwable error) {
        for (Pending p : round) {
            if (error == null) {
                p.future().complete(p.result());
            } else {
                p.future().completeExceptionally(error instanceof LogException le ? le
                        : new LogException("fsync of " + dir + " failed: " + error.getMessage(), error));
            }
        }
    }

    /** Bytes written after the durable end (a sealed segment was fsynced when it was rolled). */
    private long unflushedBytes(LogEnd end) {
        LogEnd d = durable;
        return d.segment() == end.segment() ? end.position() - d.position() : end.position();
    }

    /** The offset after the durable end (for tests). */
    long durableNextOffset() {
        return durable.nextOffset();
    }

    /**
     * INTERVAL mode, on an fsync thread: fsyncs the active segment (sealed segments were fsynced on roll). Runs a
     * flush interval after the first append since the last flush, or at once when {@code flushBytes} are
     * unflushed; appends after it schedule the next.
     */
    private void intervalFlush() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        Throwable error = null;
        flushLock.lock();
        try {
            flushScheduled.set(false); // an append from now on schedules the next flush
            flushRequested.set(false); // and a flushAsync from now on asks for another
            if (flushStopped) {
                return; // close completes the waiters
            }
            LogEnd end = written;
            if (end.nextOffset() != durable.nextOffset() || end.segment() != durable.segment()) {
                try {
                    long start = System.nanoTime();
                    end.segment().force();
                    config.fsyncObserver().fsynced(System.nanoTime() - start);
                    durable = end;
                } catch (ClosedChannelException e) {
                    durable = end; // rolled (and deleted) meanwhile: it was fsynced when it was sealed
                } catch (IOException e) {
                    failure = e;
                }
            }
            error = failure;
            long through = durable.nextOffset();
            for (DurableWaiter w; (w = durableWaiters.peek()) != null && (error != null || w.nextOffset() <= through); ) {
                durableWaiters.poll();
                done.add(w.future());
            }
            if (!done.isEmpty()) {
                // Queued while the lock is held: the next flush (maybe on another fsync thread, waiting for the
                // lock) queues its waiters' completions after these, so waiters complete in the order they asked.
                Throwable failed = error;
                completions.execute(() -> done.forEach(f -> {
                    if (failed == null) {
                        f.complete(null);
                    } else {
                        f.completeExceptionally(new LogException("fsync of " + dir + " failed: "
                                + failed.getMessage(), failed));
                    }
                }));
            }
        } finally {
            flushLock.unlock();
        }
        if (!durableWaiters.isEmpty() && flushRequested.compareAndSet(false, true)) {
            flusher.fsync(this::intervalFlush); // waiters for what was appended after this flush began
        }
    }

    /**
     * A future completed once everything appended so far is durable: the asynchronous {@link #flush()}. In {@code
     * INTERVAL} mode it asks the flusher for an fsync now (one covers every caller waiting meanwhile: group
     * commit); in {@code FSYNC} mode it completes after the pending commit rounds. Futures complete in the order
     * they were asked for, on the flusher's completion threads; exceptionally with {@link LogException} when the
     * fsync fails, {@link LogClosedException} when the log is closed or failed before.
     */
    @Override
    public CompletableFuture<Void> flushAsync() {
        writeLock.lock();
        try {
            checkWritable();
            if (config.durability() == Durability.FSYNC) {
                CompletableFuture<AppendResult> marker = new CompletableFuture<>();
                written.segment().retain();
                pending.add(new Pending(written, null, marker));
                scheduleCommit();
                return marker.thenApply(r -> null);
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            durableWaiters.add(new DurableWaiter(written.nextOffset(), future));
            if (flushRequested.compareAndSet(false, true)) {
                flusher.fsync(this::intervalFlush);
            }
            return future;
        } catch (LogClosedException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Makes every pending append durable, fsyncs the active segment and closes the files; no flush touches them
     * after. Idempotent.
     */
    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            if (config.durability() == Durability.FSYNC && failure == null) {
                try {
                    awaitDurable();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "waiting for the pending fsyncs of " + dir + " failed", e);
                }
            }
            closed = true;
            ScheduledFuture<?> scheduled = scheduledFlush;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            flushLock.lock();
            try {
                flushStopped = true;
            } finally {
                flushLock.unlock();
            }
            Throwable finalError = failure;
            try {
                if (failure == null) {
                    written.segment().force();
                    durable = written;
                }
            } catch (IOException e) {
                finalError = e;
                LOG.log(System.Logger.Level.WARNING, "final fsync of " + dir + " failed", e);
            }
            for (DurableWaiter w; (w = durableWaiters.poll()) != null; ) {
                CompletableFuture<Void> f = w.future();
                Throwable error = finalError;
                completions.execute(() -> {
                    if (error == null) {
                        f.complete(null);
                    } else {
                        f.completeExceptionally(new LogException("final fsync of " + dir + " failed", error));
                    }
                });
            }
            segments.values().forEach(Segment::close);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + dir + ", offsets " + firstOffset() + ".." + nextOffset() + "]";
    }
}
