package io.junction.tier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.log.DurableFiles;
import io.junction.log.DiskFullException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What a partition has in the object store: one entry per uploaded segment, in offset order, each in one of the
 * states of its life. Every step of an upload or a deletion is written here <em>before</em> it is taken, so a crash
 * at any point is resolved on restart ({@link PartitionTier#recover}):
 *
 * <pre>
 *   COPY_STARTED    the object may or may not exist, whole or not: on restart it is deleted and the entry dropped
 *   COPY_FINISHED   the object is whole and verified by its digest: readable, the local copy may go
 *   DELETE_STARTED  retention is removing it: no longer readable; on restart the deletion is finished
 *   (gone)          DELETE_FINISHED: the entry is dropped
 * </pre>
 *
 * <p>Kept in the partition's directory as a snapshot and a journal of the changes since, so that a change costs one
 * short line whatever the number of entries (a partition keeping years of history has hundreds of thousands):
 *
 * <pre>
 *   tier-manifest.json      the snapshot: format 2, the partition, its generation G and every entry (replaced by
 *                           temp file + fsync + rename: after a crash it is the old or the new one)
 *   tier-manifest.journal   a line per change since snapshot G, each "CRC32C-of-the-JSON-in-hex JSON", fsynced
 *                           before the change is taken; the first line names G:
 *                             {"generation":G}
 *                             {"put":{...an entry...}}     (added, or replaced: same key)
 *                             {"remove":"KEY"}
 * </pre>
 *
 * Once the journal has half as many lines as there are entries (and at least {@value #MIN_JOURNAL_LINES}), a new
 * snapshot G+1 is written, then a new journal naming G+1 (so each change costs a line and, amortized, the writing
 * of two entries): a journal naming another generation than the snapshot's
 * is one a crash left between the two, whose changes the snapshot holds, and is not read. A journal's last line cut
 * short or failing its CRC is a change whose write a crash interrupted (not taken: its fsync had not returned) and
 * is dropped; a bad line before a good one is corruption: the manifest is then unreadable, as a snapshot that
 * cannot be read, and both files are moved aside. A format 1 file (the snapshot alone, rewritten whole at every
 * change by brokers before the journal) is read as snapshot 0.
 *
 * <p>Not thread-safe: its {@link PartitionTier} guards it.
 */
final class TierManifest {

    static final String FILE_NAME = "tier-manifest.json";
    static final String JOURNAL_NAME = "tier-manifest.journal";
    static final int FORMAT = 2;
    /** The fewest journal lines a new snapshot is written after. */
    static final int MIN_JOURNAL_LINES = 1000;

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);
    private static final Comparator<Entry> BY_OFFSET = Comparator.comparingLong(Entry::baseOffset);

    enum State { COPY_STARTED, COPY_FINISHED, DELETE_STARTED }

    /**
     * One uploaded segment.
     *
     * @param key the object's key in the store
     * @param baseOffset first offset of the segment
     * @param endOffset one past its last offset
     * @param sizeInBytes the segment file's size (the plain bytes)
     * @param objectBytes the object's size in the store (larger when encrypted)
     * @param records records in it (fewer than the offsets when it was compacted before upload)
     * @param lastAppendTimeMs append time of its last batch (retention by age)
     * @param maxTimestamp largest record timestamp
     * @param crc32c CRC32C of the object's bytes as stored (8 hex digits), checked on every download; null until
     *     the copy is finished
     * @param sha256 SHA-256 of the plain segment file, hex: what entries written before CRC32C carry instead (still
     *     checked when present); null otherwise
     * @param keyId the encryption key that sealed the object; null when not encrypted
     */
    record Entry(String key, long baseOffset, long endOffset, long sizeInBytes, long objectBytes, long records,
            long lastAppendTimeMs, long maxTimestamp, String crc32c, String sha256, String keyId, State state) {

        Entry with(State next) {
            return new Entry(key, baseOffset, endOffset, sizeInBytes, objectBytes, records, lastAppendTimeMs,
                    maxTimestamp, crc32c, sha256, keyId, next);
        }

        boolean readable() {
            return state == State.COPY_FINISHED;
        }
    }

    /** The snapshot's content (and the mirror's); {@code generation} is absent in format 1. */
    record Content(int format, String tenant, String station, int partition, Long generation,
            List<Entry> segments) {
    }

    /** A journal line: its first names the generation, each other holds one change. */
    record Change(Long generation, Entry put, String remove) {
    }

    private final Path file;
    private final Path journalFile;
    private final String tenant;
    private final String station;
    private final int partition;
    /** Sorted by base offset. */
    private final List<Entry> entries;
    /** The snapshot's generation; 0 before the first is written. */
    private long generation;
    /** Whether the journal file names this snapshot's generation (else the next change writes a snapshot). */
    private boolean journaling;
    private int journalLines;

    private TierManifest(Path dir, String tenant, String station, int partition, List<Entry> entries,
            long generation) {
        this.file = dir.resolve(FILE_NAME);
        this.journalFile = dir.resolve(JOURNAL_NAME);
        this.tenant = tenant;
        this.station = station;
        this.partition = partition;
        this.entries = entries;
        this.generation = generation;
    }

    /** A manifest as {@link #load} found it. */
    enum Found {
        /** Read from its file. */
        READ,
        /** No file: a partition never tiered — or one whose manifest was lost. */
        MISSING,
        /**
         * The snapshot or its journal could not be read (moved aside as {@code tier-manifest.json.corrupt-MILLIS}
         * and {@code tier-manifest.journal.corrupt-MILLIS}).
         */
        CORRUPT
    }

    /** What {@link #load} returns: the manifest (empty unless read) and how it was found. */
    record Loaded(TierManifest manifest, Found found) {
    }

    /**
     * The manifest in {@code dir}, or an empty one (not written until it changes) when there is none or it cannot be
     * read; files that cannot be read are kept beside it for an operator, never served.
     */
    static Loaded load(Path dir, String tenant, String station, int partition) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        Path journalFile = dir.resolve(JOURNAL_NAME);
        Files.deleteIfExists(dir.resolve(FILE_NAME + DurableFiles.TEMP_SUFFIX)); // interrupted writes
        Files.deleteIfExists(dir.resolve(JOURNAL_NAME + DurableFiles.TEMP_SUFFIX));
        if (!Files.exists(file) && !Files.exists(journalFile)) {
            return new Loaded(new TierManifest(dir, tenant, station, partition, new ArrayList<>(), 0), Found.MISSING);
        }
        try {
            if (!Files.exists(file)) {
                throw new IOException("a journal without its snapshot");
            }
            Content content = content(Files.readAllBytes(file), tenant, station, partition);
            long generation = content.generation() == null ? 0 : content.generation();
            List<Entry> entries = new ArrayList<>(content.segments() == null ? List.of() : content.segments());
            entries.sort(BY_OFFSET); // as written; the journal's changes are applied by offset
            TierManifest manifest = new TierManifest(dir, tenant, station, partition, entries, generation);
            if (Files.exists(journalFile)) {
                manifest.replay(Files.readAllBytes(journalFile));
            }
            manifest.check();
            return new Loaded(manifest, Found.READ);
        } catch (IOException | RuntimeException e) {
            long now = System.currentTimeMillis();
            Path aside = dir.resolve(FILE_NAME + ".corrupt-" + now);
            if (Files.exists(file)) {
                Files.move(file, aside);
            }
            if (Files.exists(journalFile)) {
                Files.move(journalFile, dir.resolve(JOURNAL_NAME + ".corrupt-" + now));
            }
            DurableFiles.fsyncDirectory(dir);
            System.getLogger(TierManifest.class.getName()).log(System.Logger.Level.ERROR, "{0} cannot be read ({1}); "
                    + "moved to {2}", file, e.getMessage(), aside.getFileName());
            return new Loaded(new TierManifest(dir, tenant, station, partition, new ArrayList<>(), 0), Found.CORRUPT);
        }
    }

    /**
     * A journal's whole, valid lines: its generation line first (absent when a crash interrupted its creation),
     * then its changes; {@code goodEnd} is where they end (less than the length when the last line was cut short or
     * torn).
     */
    record Journal(Long generation, List<Change> changes, int goodEnd) {
    }

    /**
     * Reads a journal's bytes, changing nothing: a last line cut short or failing its CRC is left out (its change
     * was never taken); a damaged line before a good one, or good lines without a generation line, is an error.
     */
    static Journal readJournal(byte[] bytes) throws IOException {
        List<Change> lines = new ArrayList<>();
        int pos = 0;
        int goodEnd = 0;
        while (pos < bytes.length) {
            int nl = pos;
            while (nl < bytes.length && bytes[nl] != '\n') {
                nl++;
            }
            Change change = nl == bytes.length ? null : line(bytes, pos, nl);
            if (change == null) {
                if (nl < bytes.length - 1) {
                    throw new IOException("journal line at byte " + pos + " is damaged and is not the last");
                }
                break; // the last line, cut short or torn: its change was never taken
            }
            lines.add(change);
            pos = nl + 1;
            goodEnd = pos;
        }
        if (lines.isEmpty()) {
            return new Journal(null, List.of(), 0); // its first line a crash interrupted: no change in it
        }
        if (lines.get(0).generation() == null) {
            throw new IOException("journal without its generation line");
        }
        for (Change c : lines.subList(1, lines.size())) {
            if (c.put() == null && c.remove() == null) {
                throw new IOException("journal line " + c + " holds no change");
            }
        }
        return new Journal(lines.get(0).generation(), List.copyOf(lines.subList(1, lines.size())), goodEnd);
    }

    /**
     * Applies the journal's changes, when it names this snapshot's generation (else a crash left it behind a newer
     * snapshot that holds its changes). A last line cut short or failing its CRC is dropped (its change was never
     * taken) and cut off the file, so the next change starts on a line of its own.
     */
    private void replay(byte[] bytes) throws IOException {
        Journal journal = readJournal(bytes);
        if (journal.generation() == null || journal.generation() != generation) {
            return; // empty, or left behind a newer snapshot, which holds its changes
        }
        for (Change c : journal.changes()) {
            if (c.put() != null) {
                apply(c.put());
            } else {
                entries.removeIf(e -> e.key().equals(c.remove()));
            }
        }
        journalLines = journal.changes().size();
        if (journal.goodEnd() < bytes.length) {
            try (FileChannel ch = FileChannel.open(journalFile, StandardOpenOption.WRITE)) {
                ch.truncate(journal.goodEnd());
                ch.force(true);
            }
        }
        journaling = true;
    }

    /** The change of the line {@code [from, to)}, or null when its CRC does not match or it does not parse. */
    private static Change line(byte[] bytes, int from, int to) {
        int space = from;
        while (space < to && bytes[space] != ' ') {
            space++;
        }
        if (space == to || space - from != 8) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, space + 1, to - space - 1);
        try {
            if (Long.parseLong(new String(bytes, from, 8, StandardCharsets.US_ASCII), 16) != crc.getValue()) {
                return null;
            }
            return JSON.readValue(bytes, space + 1, to - space - 1, Change.class);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private void check() throws IOException {
        for (Entry e : entries) {
            if (e.key() == null || e.state() == null || e.endOffset() <= e.baseOffset()) {
                throw new IOException("manifest entry " + e + " is incomplete");
            }
        }
        entries.sort(BY_OFFSET);
    }

    /**
     * The entries of a manifest's bytes (the file's or its mirror's), oldest first; refused unless it is of this
     * format and names this partition.
     */
    static List<Entry> parse(byte[] bytes, String tenant, String station, int partition) throws IOException {
        Content content = content(bytes, tenant, station, partition);
        List<Entry> entries = new ArrayList<>(content.segments() == null ? List.of() : content.segments());
        for (Entry e : entries) {
            if (e.key() == null || e.state() == null || e.endOffset() <= e.baseOffset()) {
                throw new IOException("manifest entry " + e + " is incomplete");
            }
        }
        entries.sort(BY_OFFSET);
        return entries;
    }

    private static Content content(byte[] bytes, String tenant, String station, int partition) throws IOException {
        Content content = JSON.readValue(bytes, Content.class);
        if (content.format() != FORMAT && content.format() != 1) {
            throw new IOException("manifest format " + content.format() + ", this broker reads 1 and " + FORMAT);
        }
        if (!tenant.equals(content.tenant()) || !station.equals(content.station())
                || partition != content.partition()) {
            throw new IOException("the manifest is " + content.tenant() + "/" + content.station() + "/"
                    + content.partition() + "'s, not " + tenant + "/" + station + "/" + partition + "'s");
        }
        return content;
    }

    /** Replaces every entry (a manifest restored from its mirror) and writes a new snapshot. */
    void replaceAll(List<Entry> restored) throws IOException {
        entries.clear();
        entries.addAll(restored);
        entries.sort(BY_OFFSET);
        snapshot();
    }

    /** The entries, oldest first (a copy). */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether an entry is in another state than COPY_FINISHED (a step a crash or a failure left half done). */
    boolean hasUnfinished() {
        for (Entry e : entries) {
            if (!e.readable()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds or replaces (same key) {@code entry}, durably, before returning. When the write fails the manifest is
     * left as it was, in memory as on disk (unless a new snapshot holding the change was written before the failure:
     * then a restart finds the change, and recovery resolves its step as any interrupted one).
     */
    void put(Entry entry) throws IOException {
        Entry previous = apply(entry);
        try {
            change(new Change(null, entry, null));
        } catch (IOException | RuntimeException e) {
            undo(entry, previous); // the step is not taken: the manifest says what it said
            throw e;
        }
    }

    /**
     * Drops {@code entry} (found by its key), durably, before returning. When the write fails the entry stays (the
     * step it records is taken again later).
     */
    void remove(Entry entry) throws IOException {
        int i = indexOf(entry);
        if (i >= 0) {
            Entry removed = entries.remove(i);
            try {
                change(new Change(null, null, entry.key()));
            } catch (IOException | RuntimeException e) {
                entries.add(i, removed);
                throw e;
            }
        }
    }

    /** Adds or replaces (same key) {@code entry} in the sorted list: the entry it replaced, or null. */
    private Entry apply(Entry entry) {
        int i = indexOf(entry);
        if (i >= 0) {
            return entries.set(i, entry); // a key keeps its offsets: the order holds
        }
        entries.add(-i - 1, entry);
        return null;
    }

    private void undo(Entry put, Entry previous) {
        int i = indexOf(put);
        if (previous != null) {
            entries.set(i, previous);
        } else {
            entries.remove(i);
        }
    }

    /**
     * The index of the entry with {@code entry}'s key, found by its base offset; else {@code -(insertion point) - 1}
     * (after the entries of the same base offset), as {@link java.util.Collections#binarySearch} answers.
     */
    private int indexOf(Entry entry) {
        int lo = 0;
        int hi = entries.size();
        while (lo < hi) { // the first entry at or past the base offset
            int mid = (lo + hi) >>> 1;
            if (entries.get(mid).baseOffset() < entry.baseOffset()) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int i = lo;
        for (; i < entries.size() && entries.get(i).baseOffset() == entry.baseOffset(); i++) {
            if (entries.get(i).key().equals(entry.key())) {
                return i;
            }
        }
        return -i - 1;
    }

    /** Journals {@code change} (fsynced), or writes a new snapshot when the journal is due for one. */
    private void change(Change change) throws IOException {
        if (!journaling || journalLines >= Math.max(MIN_JOURNAL_LINES, entries.size() / 2)) {
            snapshot();
            return;
        }
        append(change);
        journalLines++;
    }

    private void append(Change change) throws IOException {
        byte[] json = JSON.writeValueAsBytes(change);
        CRC32C crc = new CRC32C();
        crc.update(json);
        ByteBuffer line = ByteBuffer.allocate(json.length + 10);
        line.put(String.format("%08x ", crc.getValue()).getBytes(StandardCharsets.US_ASCII)).put(json)
                .put((byte) '\n').flip();
        try (FileChannel journal = FileChannel.open(journalFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (line.hasRemaining()) {
                journal.write(line);
            }
            journal.force(false);
        } catch (IOException e) {
            throw DiskFullException.recognise(e);
        }
    }

    /**
     * Writes snapshot G+1 with every entry, then a new journal naming G+1. A crash between the two leaves the old
     * journal, naming G, which {@link #load} does not read.
     */
    private void snapshot() throws IOException {
        long next = generation + 1;
        DurableFiles.write(file, content(next));
        generation = next;
        journaling = false;
        byte[] json = JSON.writeValueAsBytes(new Change(next, null, null));
        CRC32C crc = new CRC32C();
        crc.update(json);
        DurableFiles.write(journalFile, (String.format("%08x ", crc.getValue())
                + new String(json, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8));
        journaling = true;
        journalLines = 0;
    }

    /** Deletes the manifest's files (its station is deleted). */
    void delete() throws IOException {
        journaling = false;
        Files.deleteIfExists(file);
        Files.deleteIfExists(journalFile);
    }

    /** The manifest as one document (what is mirrored to the store): every entry, as a snapshot holds them. */
    byte[] bytes() throws IOException {
        return content(generation);
    }

    private byte[] content(long gen) throws IOException {
        return JSON.writeValueAsBytes(new Content(FORMAT, tenant, station, partition, gen, entries));
    }
}
