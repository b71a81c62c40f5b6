package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One segment: a file of record batches ({@link BatchFormat}) named by its base offset, plus its in-memory
 * sparse indexes ({@link SegmentIndex}).
 *
 * <p>Thread-safety: only the log's writer appends, seals and truncates; any thread may read, using positional
 * reads on the shared channel, within a bound the log hands out (never past what the writer has finished).
 * Readers {@link #retain()} the segment first; a deleted segment closes its file only when the last reader
 * {@link #release()}s it, so retention never pulls a file from under a reader.
 */
final class Segment {

    /** Size of the chunks the recovery scan reads. */
    private static final int SCAN_CHUNK_BYTES = 1 << 20;
    /** The part of the header a lookup needs: base offset, length, CRC, magic, attributes, last offset delta. */
    private static final int LOOKUP_HEADER_BYTES = BatchFormat.LAST_OFFSET_DELTA + 4;

    final long baseOffset;
    private final Path dir;
    /** The segment's file: {@code dir/BASE.log} in a log; anywhere for a read-only copy ({@link SegmentReader}). */
    private final Path file;
    /** A read-only copy: opened without write access, never appended to, sealed or deleted. */
    private final boolean readOnly;
    private final ChannelOpener opener;
    private final OpenFiles budget;
    /** Null while the budget has it closed (reopened on the next use); changed under this segment's lock. */
    private volatile FileChannel channel;
    private final int indexIntervalBytes;
    private final AtomicInteger refs = new AtomicInteger(1);
    /** Operations using the channel now; -1 while the budget closes it. */
    private final AtomicInteger users = new AtomicInteger();
    /** Retired (its file is being deleted or replaced): the budget leaves it open. */
    private volatile boolean pinned;
    private volatile boolean closedForGood;
    /** Appends so far, and how many of them the last completed fsync covered: closable only when equal. */
    private volatile long writes;
    private volatile long forcedWrites;
    private volatile long lastUsedNanos = System.nanoTime();

    /** Bytes of whole batches in the file; the writer updates it after each append. */
    private volatile int size;
    /** Null for a sealed segment whose index files have not been read yet. */
    private volatile SegmentIndex index;
    /** The offset after this segment's last batch (for the active segment, after the last append). */
    private volatile long nextOffset;
    /**
     * Clock time of the first batch, for rolling by age: the log's clock when it was appended, or after a reopen
     * its append time (base timestamp); Long.MAX_VALUE while empty.
     */
    private long firstBatchTimeMs = Long.MAX_VALUE;
    /**
     * Records in the segment (a compacted one holds fewer than its offset range): kept current for the active
     * segment, counted on first use for a sealed one (-1 until then).
     */
    private volatile long records = -1;
    /** The append time (base timestamp) of the last batch; {@link Long#MIN_VALUE} until known. */
    private volatile long lastAppendTimeMs = Long.MIN_VALUE;
    /** Serializes writers of this segment's index files (compaction, sealing, a repair by the listing). */
    private final Object indexFilesLock = new Object();

    private Segment(Path file, boolean readOnly, long baseOffset, FileChannel channel, int indexIntervalBytes,
            ChannelOpener opener, OpenFiles budget) {
        this.dir = file.getParent() != null ? file.getParent() : file.toAbsolutePath().getParent();
        this.file = file;
        this.readOnly = readOnly;
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.indexIntervalBytes = indexIntervalBytes;
        this.nextOffset = baseOffset;
        this.opener = opener;
        this.budget = budget;
    }

    /** Creates an empty segment file and makes its directory entry durable. */
    static Segment create(ChannelOpener opener, OpenFiles budget, Path dir, long baseOffset, int indexIntervalBytes,
            long nowMs) throws IOException {
        FileChannel channel = opener.open(LogFiles.logFile(dir, baseOffset), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        LogFiles.fsyncDirectory(dir);
        Segment segment = new Segment(LogFiles.logFile(dir, baseOffset), false, baseOffset, channel,
                indexIntervalBytes, opener, budget);
        segment.index = new SegmentIndex(indexIntervalBytes);
        segment.records = 0;
        budget.opened(segment);
        return segment;
    }

    /** Opens an existing segment file; the caller then either {@link #recover}s it or trusts it as sealed. */
    static Segment open(ChannelOpener opener, OpenFiles budget, Path dir, long baseOffset, int indexIntervalBytes)
            throws IOException {
        return open(opener, budget, LogFiles.logFile(dir, baseOffset), false, baseOffset, indexIntervalBytes);
    }

    /**
     * Opens a copy of a sealed segment's file, wherever it is and whatever its name, for reading only; the caller
     * then {@link #verify}s it, which builds its index in memory (no index file is read or written).
     */
    static Segment openReadOnly(OpenFiles budget, Path file, long baseOffset, int indexIntervalBytes)
            throws IOException {
        return open(ChannelOpener.DEFAULT, budget, file, true, baseOffset, indexIntervalBytes);
    }

    private static Segment open(ChannelOpener opener, OpenFiles budget, Path file, boolean readOnly, long baseOffset,
            int indexIntervalBytes) throws IOException {
        FileChannel channel = opener.open(file, openOptions(readOnly));
        Segment segment = new Segment(file, readOnly, baseOffset, channel, indexIntervalBytes, opener, budget);
        long fileSize = channel.size();
        if (fileSize > Integer.MAX_VALUE) {
            channel.close();
            throw new IOException("segment " + file + " is larger than 2 GiB");
        }
        segment.size = (int) fileSize;
        budget.opened(segment);
        return segment;
    }

    private static StandardOpenOption[] openOptions(boolean readOnly) {
        return readOnly ? new StandardOpenOption[] {StandardOpenOption.READ}
                : new StandardOpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE};
    }

    // ----- the file, under the open-files budget ------------------------------------------------------------------

    /** The channel for one operation, reopened if the budget closed it; pair with {@link #done()}. */
    private FileChannel acquire() throws IOException {
        while (true) {
            int u = users.get();
            if (u >= 0) {
                if (users.compareAndSet(u, u + 1)) {
                    break;
                }
            } else {
                Thread.onSpinWait(); // the budget is closing it this instant
            }
        }
        lastUsedNanos = System.nanoTime();
        FileChannel ch = channel;
        if (ch != null) {
            return ch;
        }
        boolean reopened = false;
        try {
            synchronized (this) {
                ch = channel;
                if (ch == null) {
                    if (closedForGood) {
                        throw new ClosedChannelException();
                    }
                    ch = opener.open(file, openOptions(readOnly));
                    channel = ch;
                    reopened = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            users.decrementAndGet();
            throw e;
        }
        if (reopened) {
            budget.opened(this);
        }
        return ch;
    }

    private void done() {
        users.decrementAndGet();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** For the budget: closes the file if nobody uses it, everything written is fsynced and it is not retired. */
    boolean closeIfIdle() {
        if (pinned || closedForGood || writes != forcedWrites || !users.compareAndSet(0, -1)) {
            return false;
        }
        try {
            synchronized (this) {
                FileChannel ch = channel;
                if (ch == null || pinned || closedForGood || writes != forcedWrites) {
                    return ch == null;
                }
                channel = null;
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing unfsynced in it: nothing to lose
                }
                return true;
            }
        } finally {
            users.set(0);
        }
    }

    /**
     * The file is about to be deleted or replaced under this segment's name: it is opened (if the budget had closed
     * it) and kept open, so that readers still holding this segment read the old file to the end.
     */
    void retire() throws IOException {
        acquire();
        try {
            pinned = true;
        } finally {
            done();
        }
    }

    int size() {
        return size;
    }

    long nextOffset() {
        return nextOffset;
    }

    void nextOffset(long next) {
        this.nextOffset = next;
    }

    long firstBatchTimeMs() {
        return firstBatchTimeMs;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Verifies every batch from the start (length, magic, CRC, expected offsets) and truncates the file at the
     * first one that fails, rebuilding the index on the way. Used on the last segment when the log opens.
     *
     * @return the number of bytes cut off (0 when the segment was whole), with the reason in {@code why[0]}
     */
    long recover(String[] why) throws IOException {
        Scan scan = scan();
        long cut = scan.fileSize() - scan.end();
        if (cut > 0) {
            why[0] = "at position " + scan.end() + ": " + scan.problem();
            truncateAndForce(scan.end());
        }
        adopt(scan);
        return cut;
    }

    /**
     * Verifies a read-only copy of a sealed segment as {@link #recover} verifies the last one, but changes
     * nothing: every batch must be whole and sound, the first must start at the base offset, each where the one
     * before it ended, and the last must end exactly at {@code endOffset - 1} with nothing after it. Builds the
     * index in memory on the way.
     *
     * @throws CorruptBatchException naming the file and position of the first thing wrong
     */
    void verify(long endOffset) throws IOException {
        Scan scan = scan();
        if (scan.problem() != null) {
            throw corrupt(scan.end(), scan.problem());
        }
        if (scan.nextOffset() != endOffset) {
            throw corrupt(scan.end(), "the batches end at offset " + (scan.nextOffset() - 1) + ", not at "
                    + (endOffset - 1) + " (end offset " + endOffset + ")");
        }
        adopt(scan);
        index.seal();
    }

    /**
     * What a scan found: the whole, sound batches end at {@code end} (the file goes on to {@code fileSize}
     * when {@code problem} says why the next one is not), at offset {@code nextOffset}.
     */
    private record Scan(long fileSize, int end, long nextOffset, long records, SegmentIndex index,
            long firstBatchTimeMs, long lastAppendTimeMs, String problem) {
    }

    private void adopt(Scan scan) {
        size = scan.end();
        nextOffset = scan.nextOffset();
        index = scan.index();
        records = scan.records();
        firstBatchTimeMs = scan.firstBatchTimeMs();
        lastAppendTimeMs = scan.lastAppendTimeMs();
    }

    /**
     * Reads the file from its first byte and checks every batch — the one place a stored batch is verified in
     * full: a whole header, a length between the header size and the bytes left, {@link
     * BatchFormat#checkIntegrity} (magic, reserved byte, CRC32C, counts) and the base offset where the previous
     * batch ended. Stops at the first that fails; indexes the ones before it.
     */
    private Scan scan() throws IOException {
        SegmentIndex rebuilt = new SegmentIndex(indexIntervalBytes);
        long fileSize = fileSize();
        long expected = baseOffset;
        int position = 0;
        long counted = 0;
        long firstTime = Long.MAX_VALUE;
        long lastTime = Long.MIN_VALUE;
        String problem = null;
        Window window = new Window();
        while (position < fileSize) {
            int remaining = (int) Math.min(Integer.MAX_VALUE, fileSize - position);
            if (remaining < BatchFormat.HEADER_SIZE) {
                problem = "a partial batch header of " + remaining + " bytes";
                break;
            }
            int at = window.load(position, BatchFormat.HEADER_SIZE);
            int length = window.buffer.getInt(at + BatchFormat.LENGTH);
            if (length < BatchFormat.HEADER_SIZE || length > remaining) {
                problem = "batch length " + length + " with " + remaining + " bytes left in the file";
                break;
            }
            at = window.load(position, length);
            ByteBuffer buf = window.buffer;
            problem = BatchFormat.checkIntegrity(buf, at, length);
            if (problem == null && BatchFormat.baseOffset(buf, at) != expected) {
                problem = "base offset " + BatchFormat.baseOffset(buf, at) + " where " + expected + " was expected";
            }
            if (problem != null) {
                break;
            }
            lastTime = buf.getLong(at + BatchFormat.BASE_TIMESTAMP);
            if (position == 0) {
                firstTime = lastTime;
            }
            rebuilt.onBatch((int) (expected - baseOffset), position, length, BatchFormat.indexTimestamp(buf, at));
            expected = BatchFormat.lastOffset(buf, at) + 1;
            counted += buf.getInt(at + BatchFormat.RECORD_COUNT);
            position += length;
        }
        return new Scan(fileSize, position, expected, counted, rebuilt, firstTime, lastTime, problem);
    }

    /** A sliding read buffer over the segment file for the recovery scan. */
    private final class Window {
        ByteBuffer buffer = ByteBuffer.allocate(SCAN_CHUNK_BYTES).limit(0);
        long start;

        /** Makes [position, position + bytes) readable in {@link #buffer}; returns where it starts there. */
        int load(long position, int bytes) throws IOException {
            if (position >= start && position + bytes <= start + buffer.limit()) {
                return (int) (position - start);
            }
            int capacity = Math.max(SCAN_CHUNK_BYTES, bytes);
            buffer = capacity > buffer.capacity() ? ByteBuffer.allocate(capacity) : buffer.clear();
            readFully(buffer, position);
            buffer.flip();
            start = position;
            return 0;
        }
    }

    /**
     * Appends a complete batch at the end of the file. On failure the file is cut back to where it was, so a
     * failed append leaves no partial batch behind.
     */
    void append(ByteBuffer batch, long batchBase, long batchLast, long nowMs) throws IOException {
        int position = size;
        int start = batch.position();
        int length = batch.remaining();
        FileChannel ch = acquire();
        try {
            writes++; // not closable until an fsync covers this write (writer only)
            long at = position;
            while (batch.hasRemaining()) {
                at += ch.write(batch, at);
            }
        } catch (IOException e) {
            IOException failure = DiskFullException.recognise(e);
            try {
                ch.truncate(position);
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        } finally {
            done();
        }
        if (isEmpty()) {
            firstBatchTimeMs = nowMs;
        }
        index.onBatch((int) (batchBase - baseOffset), position, length, BatchFormat.indexTimestamp(batch, start));
        nextOffset = batchLast + 1;
        records += batch.getInt(start + BatchFormat.RECORD_COUNT);
        lastAppendTimeMs = batch.getLong(start + BatchFormat.BASE_TIMESTAMP);
        size = position + length; // volatile write: the batch is now whole for readers within the log's bound
    }

    /** The number of records, counted from the batch headers on first use for a sealed segment. */
    long recordCount() throws IOException {
        long counted = records;
        if (counted >= 0) {
            return counted;
        }
        counted = 0;
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        int end = size;
        for (int position = 0; position + BatchFormat.HEADER_SIZE <= end; ) {
            header.clear();
            readFully(header, position);
            int length = header.getInt(BatchFormat.LENGTH);
            if (length < BatchFormat.HEADER_SIZE) {
                throw corrupt(position, "batch length " + length);
            }
            counted += header.getInt(BatchFormat.RECORD_COUNT);
            position += length;
        }
        records = counted;
        return counted;
    }

    /**
     * Opens the file compaction wrote in this segment's place (already renamed to the segment's name), with the
     * index and record count the rewrite computed.
     */
    static Segment adopt(ChannelOpener opener, OpenFiles budget, Path dir, long baseOffset, int indexIntervalBytes, SegmentIndex index,
            long nextOffset, long records) throws IOException {
        Segment segment = open(opener, budget, dir, baseOffset, indexIntervalBytes);
        segment.index = index;
        segment.nextOffset = nextOffset;
        segment.records = records;
        return segment;
    }

    /** Writes the index files of a sealed segment (through temp files). */
    void writeIndexFiles() throws IOException {
        SegmentIndex idx = index();
        synchronized (indexFilesLock) { // two writers would share the .tmp files
            LogFiles.writeDurably(LogFiles.indexFile(dir, baseOffset), idx.encodeOffsets());
            LogFiles.writeDurably(LogFiles.timeIndexFile(dir, baseOffset), idx.encodeTimes());
        }
    }

    /** Writes the index files of a sealed segment if either is missing; true when it wrote them. */
    boolean writeIndexFilesIfMissing() throws IOException {
        synchronized (indexFilesLock) {
            if (Files.exists(LogFiles.indexFile(dir, baseOffset)) && Files.exists(LogFiles.timeIndexFile(dir,
                    baseOffset))) {
                return false;
            }
            writeIndexFiles();
            return true;
        }
    }

    /**
     * The append time ({@link RecordBatch#appendTime()}) of the last batch: known after an append or a scan, read
     * from the last batch's header (found through the index) on first use for a sealed segment.
     */
    long lastAppendTimeMs() throws IOException {
        long known = lastAppendTimeMs;
        if (known != Long.MIN_VALUE || size == 0) {
            return known;
        }
        int position = positionOf(nextOffset - 1, size);
        if (position < 0) {
            throw corrupt(size, "no batch holds the last offset " + (nextOffset - 1));
        }
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.BASE_TIMESTAMP + 8);
        readFully(header, position);
        known = header.getLong(BatchFormat.BASE_TIMESTAMP);
        lastAppendTimeMs = known;
        return known;
    }

    /** The file of this segment. */
    Path file() {
        return file;
    }

    void force() throws IOException {
        force(false);
    }

    private void force(boolean metaData) throws IOException {
        long covered = writes;
        FileChannel ch = acquire();
        try {
            ch.force(metaData);
        } catch (IOException e) {
            throw DiskFullException.recognise(e);
        } finally {
            done();
        }
        synchronized (this) {
            if (covered > forcedWrites) {
                forcedWrites = covered;
            }
        }
    }

    /** Makes the segment read-only in spirit: fsyncs it and writes its index files through temp files. */
    void seal() throws IOException {
        force(true);
        index().seal();
        writeIndexFiles();
    }

    /** The index, read from the index files (or rebuilt from the segment when they are missing or wrong). */
    SegmentIndex index() throws IOException {
        SegmentIndex idx = index;
        if (idx == null) {
            synchronized (this) {
                idx = index;
                if (idx == null) {
                    idx = loadIndex();
                    index = idx;
                }
            }
        }
        return idx;
    }

    /** True when the index files are missing or inconsistent; the index is then rebuilt in memory. */
    boolean indexNeedsRebuild() throws IOException {
        return loadIndexFiles() == null;
    }

    private SegmentIndex loadIndex() throws IOException {
        SegmentIndex loaded = loadIndexFiles();
        return loaded != null ? loaded : rebuildIndex();
    }

    private SegmentIndex loadIndexFiles() throws IOException {
        ByteBuffer offsets;
        ByteBuffer times;
        try {
            offsets = ByteBuffer.wrap(Files.readAllBytes(LogFiles.indexFile(dir, baseOffset)));
            times = ByteBuffer.wrap(Files.readAllBytes(LogFiles.timeIndexFile(dir, baseOffset)));
        } catch (NoSuchFileException e) {
            return null;
        }
        SegmentIndex decoded = SegmentIndex.decode(offsets, times, indexIntervalBytes, size);
        if (decoded == null) {
            return null;
        }
        int[] last = decoded.lastOffsetEntry();
        if (last != null) {
            // Spot check: the last entry must point at a batch header with the offset it claims.
            ByteBuffer header = ByteBuffer.allocate(LOOKUP_HEADER_BYTES);
            if (last[1] + LOOKUP_HEADER_BYTES > size || readFully(header, last[1]) < LOOKUP_HEADER_BYTES
                    || header.getLong(BatchFormat.BASE_OFFSET) != baseOffset + last[0]) {
                return null;
            }
        }
        return decoded;
    }

    /** Rebuilds the index of a sealed segment from its batch headers (their CRCs are checked when read). */
    private SegmentIndex rebuildIndex() throws IOException {
        SegmentIndex rebuilt = new SegmentIndex(indexIntervalBytes);
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        int position = 0;
        int end = size;
        long expected = baseOffset;
        while (position + BatchFormat.HEADER_SIZE <= end) {
            header.clear();
            readFully(header, position);
            int length = header.getInt(BatchFormat.LENGTH);
            if (length < BatchFormat.HEADER_SIZE || position + (long) length > end) {
                break; // a damaged header: reads past this point report the corruption
            }
            long base = header.getLong(BatchFormat.BASE_OFFSET);
            if (base != expected) {
                break; // a damaged base offset: never index it; reads reaching it report the corruption
            }
            rebuilt.onBatch((int) (base - baseOffset), position, length, BatchFormat.indexTimestamp(header, 0));
            expected = BatchFormat.lastOffset(header, 0) + 1;
            position += length;
        }
        rebuilt.seal();
        return rebuilt;
    }

    /**
     * The position of the batch holding {@code offset} (or, across a gap, of the first batch after it), scanning
     * forward from the index; -1 when no batch within {@code limit} bytes holds an offset at or above it.
     */
    int positionOf(long offset, int limit) throws IOException {
        long entry = index().floorEntry(offset - baseOffset);
        int position = (int) entry;
        // The base offset is outside the CRC (docs/log-format.md): every batch the scan passes, the one it lands on
        // included, must start where the index entry or the batch before it says, or a flipped bit in it would
        // serve one offset's record under another's number.
        long expected = baseOffset + (entry >>> 32);
        ByteBuffer header = ByteBuffer.allocate(LOOKUP_HEADER_BYTES);
        while (position + BatchFormat.HEADER_SIZE <= limit) {
            header.clear();
            readFully(header, position);
            long base = header.getLong(BatchFormat.BASE_OFFSET);
            if (base != expected) {
                throw new CorruptBatchException("segment " + file + " position " + position
                        + ": base offset " + base + " where " + expected + " was expected");
            }
            long last = BatchFormat.lastOffset(header, 0);
            if (last >= offset) {
                return position;
            }
            expected = last + 1;
            int length = header.getInt(BatchFormat.LENGTH);
            if (length < BatchFormat.HEADER_SIZE) {
                throw new CorruptBatchException("segment " + file + " position " + position
                        + ": batch length " + length);
            }
            position += length;
        }
        if (position != limit) {
            throw new CorruptBatchException("segment " + file + ": batches end at position "
                    + position + ", not at " + limit);
        }
        return -1;
    }

    /**
     * The whole batches a read at {@code offset} returns from this segment: the one holding it (or, across a
     * compaction gap, the first after it), then as many as fit in {@code maxBytes}, never past {@code limit};
     * null when no batch within {@code limit} holds an offset at or above it. Checked as {@link #readBatches}
     * checks, and the first batch must not start after {@code offset} (a flipped bit in a base offset).
     */
    ByteBuffer readFrom(long offset, int maxBytes, int limit) throws IOException {
        int position = positionOf(offset, limit);
        if (position < 0) {
            return null;
        }
        ByteBuffer data = readBatches(position, maxBytes, limit);
        if (data.hasRemaining() && BatchFormat.baseOffset(data, 0) > offset) {
            throw new CorruptBatchException("offset " + offset + " is missing from segment " + file
                    + ": the batch found starts at " + BatchFormat.baseOffset(data, 0));
        }
        return data;
    }

    /** Looks at one batch: an offset (not negative) ends a search, -1 goes on to the next batch. */
    interface BatchProbe {
        long probe(RecordBatch batch);

        /** The offset of the first record whose timestamp is at least {@code timestamp}. */
        static BatchProbe recordAtOrAfter(long timestamp) {
            return batch -> {
                if (batch.maxTimestamp() >= timestamp) {
                    for (Record record : batch.records()) {
                        if (record.timestamp() >= timestamp) {
                            return record.offset();
                        }
                    }
                }
                return -1;
            };
        }

        /** The base offset of the first batch appended at or after {@code appendTimeMs}. */
        static BatchProbe appendedAtOrAfter(long appendTimeMs) {
            return batch -> batch.appendTime() >= appendTimeMs ? batch.baseOffset() : -1;
        }
    }

    /**
     * The first answer {@code probe} gives, trying the batches within {@code limit} in offset order except those
     * the time index shows to lie wholly before {@code timestamp}: an index entry counts both the record timestamps
     * and the append times of the batches up to it ({@link BatchFormat#indexTimestamp}), so a probe for either
     * skips exactly the batches that cannot match. -1 when none answers.
     */
    long firstMatch(long timestamp, BatchProbe probe, int limit) throws IOException {
        SegmentIndex idx = index();
        if (idx.maxTimestamp() < timestamp) {
            return -1;
        }
        int rel = idx.relOffsetBeforeTimestamp(timestamp);
        int position = positionOf(rel < 0 ? baseOffset : baseOffset + rel, limit);
        while (position >= 0 && position < limit) {
            ByteBuffer data = readBatches(position, 1 << 16, limit);
            if (!data.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : FetchResult.split(data)) {
                long found = probe.probe(batch);
                if (found >= 0) {
                    return found;
                }
            }
            position += data.limit();
        }
        return -1;
    }

    /** The base offset of the batch starting at {@code position}. */
    long baseOffsetAt(int position) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(8);
        readFully(header, position);
        return header.getLong(0);
    }

    /** True when the file holds exactly the whole batches the segment knows of (no leftover of a failed write). */
    boolean isConsistent() {
        try {
            return fileSize() == size;
        } catch (IOException e) {
            return false;
        }
    }

    private long fileSize() throws IOException {
        FileChannel ch = acquire();
        try {
            return ch.size();
        } finally {
            done();
        }
    }

    private void truncateAndForce(int position) throws IOException {
        FileChannel ch = acquire();
        try {
            ch.truncate(position);
            ch.force(true);
        } finally {
            done();
        }
    }

    /**
     * Reads whole batches from {@code position}: at least the first (whatever its size), then as many as fit in
     * {@code maxBytes}, never past {@code limit}. Each batch's CRC is checked; a corrupt one is never returned.
     */
    ByteBuffer readBatches(int position, int maxBytes, int limit) throws IOException {
        int available = limit - position;
        if (available < BatchFormat.HEADER_SIZE) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        readFully(header, position);
        int firstLength = header.getInt(BatchFormat.LENGTH);
        if (firstLength < BatchFormat.HEADER_SIZE || firstLength > available) {
            throw corrupt(position, "batch length " + firstLength + " with " + available + " bytes left");
        }
        int toRead = Math.max(firstLength, Math.min(maxBytes, available));
        ByteBuffer data = ByteBuffer.allocate(toRead);
        readFully(data, position);
        data.flip();
        int at = 0;
        long previousLast = -1;
        while (at + BatchFormat.HEADER_SIZE <= data.limit()) {
            int length = data.getInt(at + BatchFormat.LENGTH);
            if (length >= BatchFormat.HEADER_SIZE && at + length > data.limit()) {
                break; // the next batch did not fit in maxBytes
            }
            String problem = BatchFormat.checkIntegrity(data, at, data.limit() - at);
            if (problem == null && at > 0 && BatchFormat.baseOffset(data, at) != previousLast + 1) {
                problem = "base offset " + BatchFormat.baseOffset(data, at) + " does not follow " + previousLast;
            }
            if (problem != null) {
                if (at == 0) {
                    throw corrupt(position, problem);
                }
                break; // return the good batches; the next read starts at the bad one and reports it
            }
            previousLast = BatchFormat.lastOffset(data, at);
            at += length;
        }
        return data.limit(at).slice();
    }

    private CorruptBatchException corrupt(int position, String problem) {
        return new CorruptBatchException("corrupt batch in segment " + file
                + " at position " + position + ": " + problem);
    }

    /** Cuts the segment to {@code position} (a batch boundary), fsyncs, and rebuilds the index. */
    void truncateTo(int position, long newNextOffset) throws IOException {
        truncateAndForce(position);
        size = position;
        String[] why = new String[1];
        recover(why);
        if (nextOffset != newNextOffset) {
            throw new IOException("segment " + LogFiles.baseName(baseOffset) + " ends at offset " + nextOffset
                    + " after truncation, expected " + newNextOffset);
        }
    }

    private int readFully(ByteBuffer buffer, long position) throws IOException {
        FileChannel ch = acquire();
        try {
            int total = 0;
            while (buffer.hasRemaining()) {
                int n = ch.read(buffer, position + total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return total;
        } finally {
            done();
        }
    }

    /** Takes a reader's reference; false when the segment is already deleted. */
    boolean retain() {
        while (true) {
            int current = refs.get();
            if (current == 0) {
                return false;
            }
            if (refs.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            closeQuietly();
        }
    }

    /** Renames the segment's files to {@code .deleted}, fsyncs the directory, then unlinks them. */
    void delete() throws IOException {
        retire();
        Path[] files = {LogFiles.logFile(dir, baseOffset), LogFiles.indexFile(dir, baseOffset),
            LogFiles.timeIndexFile(dir, baseOffset)};
        for (Path file : files) {
            if (Files.exists(file)) {
                Files.move(file, LogFiles.withSuffix(file, LogFiles.DELETED_SUFFIX));
            }
        }
        LogFiles.fsyncDirectory(dir);
        for (Path file : files) {
            Files.deleteIfExists(LogFiles.withSuffix(file, LogFiles.DELETED_SUFFIX));
        }
        release(); // the log's own reference; readers still holding one keep the open file until they release
    }

    void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        FileChannel ch;
        synchronized (this) {
            closedForGood = true;
            ch = channel;
        }
        budget.closed(this);
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a read/write channel whose data is already forced: nothing left to lose
        }
    }

    @Override
    public String toString() {
        return "Segment[" + LogFiles.baseName(baseOffset) + ", " + size + "B]";
    }
}
