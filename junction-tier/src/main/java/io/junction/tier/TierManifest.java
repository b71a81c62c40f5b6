package io.junction.tier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.log.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a partition has in the object store: one entry per uploaded segment, in offset order, each in one of the
 * states of its life. Kept in the partition's directory ({@value #FILE_NAME}, replaced by temp file + fsync +
 * rename: after a crash it is the old or the new one) and mirrored to the store after each change. Every step of
 * an upload or a deletion is written here <em>before</em> it is taken, so a crash at any point is resolved on
 * restart ({@link PartitionTier#recover}):
 *
 * <pre>
 *   COPY_STARTED    the object may or may not exist, whole or not: on restart it is deleted and the entry dropped
 *   COPY_FINISHED   the object is whole and verified by its digest: readable, the local copy may go
 *   DELETE_STARTED  retention is removing it: no longer readable; on restart the deletion is finished
 *   (gone)          DELETE_FINISHED: the entry is dropped
 * </pre>
 *
 * Not thread-safe: its {@link PartitionTier} guards it.
 */
final class TierManifest {

    static final String FILE_NAME = "tier-manifest.json";
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

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

    /** The file's content. */
    record Content(int format, String tenant, String station, int partition, List<Entry> segments) {
    }

    private final Path file;
    private final String tenant;
    private final String station;
    private final int partition;
    private final List<Entry> entries;

    private TierManifest(Path file, String tenant, String station, int partition, List<Entry> entries) {
        this.file = file;
        this.tenant = tenant;
        this.station = station;
        this.partition = partition;
        this.entries = entries;
    }

    /** A manifest as {@link #load} found it. */
    enum Found {
        /** Read from its file. */
        READ,
        /** No file: a partition never tiered — or one whose manifest was lost. */
        MISSING,
        /** The file could not be read (moved aside as {@code tier-manifest.json.corrupt-MILLIS}). */
        CORRUPT
    }

    /** What {@link #load} returns: the manifest (empty unless read) and how it was found. */
    record Loaded(TierManifest manifest, Found found) {
    }

    /**
     * The manifest in {@code dir}, or an empty one (not written until it changes) when there is no file or the
     * file cannot be read; a file that cannot be read is kept beside it for an operator, never served.
     */
    static Loaded load(Path dir, String tenant, String station, int partition) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        Files.deleteIfExists(dir.resolve(FILE_NAME + DurableFiles.TEMP_SUFFIX)); // an interrupted write
        if (!Files.exists(file)) {
            return new Loaded(new TierManifest(file, tenant, station, partition, new ArrayList<>()), Found.MISSING);
        }
        List<Entry> entries;
        try {
            entries = parse(Files.readAllBytes(file), tenant, station, partition);
        } catch (IOException | RuntimeException e) {
            Path aside = dir.resolve(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
            Files.move(file, aside);
            DurableFiles.fsyncDirectory(dir);
            System.getLogger(TierManifest.class.getName()).log(System.Logger.Level.ERROR, "{0} cannot be read ({1}); "
                    + "moved to {2}", file, e.getMessage(), aside.getFileName());
            return new Loaded(new TierManifest(file, tenant, station, partition, new ArrayList<>()), Found.CORRUPT);
        }
        return new Loaded(new TierManifest(file, tenant, station, partition, entries), Found.READ);
    }

    /**
     * The entries of a manifest's bytes (the file's or its mirror's), oldest first; refused unless it is of this
     * format and names this partition.
     */
    static List<Entry> parse(byte[] bytes, String tenant, String station, int partition) throws IOException {
        Content content = JSON.readValue(bytes, Content.class);
        if (content.format() != FORMAT) {
            throw new IOException("manifest format " + content.format() + ", this broker reads " + FORMAT);
        }
        if (!tenant.equals(content.tenant()) || !station.equals(content.station())
                || partition != content.partition()) {
            throw new IOException("the manifest is " + content.tenant() + "/" + content.station() + "/"
                    + content.partition() + "'s, not " + tenant + "/" + station + "/" + partition + "'s");
        }
        List<Entry> entries = new ArrayList<>(content.segments() == null ? List.of() : content.segments());
        for (Entry e : entries) {
            if (e.key() == null || e.state() == null || e.endOffset() <= e.baseOffset()) {
                throw new IOException("manifest entry " + e + " is incomplete");
            }
        }
        entries.sort((a, b) -> Long.compare(a.baseOffset(), b.baseOffset()));
        return entries;
    }

    /** Replaces every entry (a manifest restored from its mirror) and writes the manifest durably. */
    void replaceAll(List<Entry> restored) throws IOException {
        entries.clear();
        entries.addAll(restored);
        entries.sort((a, b) -> Long.compare(a.baseOffset(), b.baseOffset()));
        write();
    }

    /** The entries, oldest first (a copy). */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Adds or replaces (same key) {@code entry} and writes the manifest durably. */
    void put(Entry entry) throws IOException {
        entries.removeIf(e -> e.key().equals(entry.key()));
        entries.add(entry);
        entries.sort((a, b) -> Long.compare(a.baseOffset(), b.baseOffset()));
        write();
    }

    /** Drops the entry of {@code key} and writes the manifest durably. */
    void remove(String key) throws IOException {
        if (entries.removeIf(e -> e.key().equals(key))) {
            write();
        }
    }

    /** The manifest as its file holds it. */
    byte[] bytes() throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                new Content(FORMAT, tenant, station, partition, entries));
    }

    private void write() throws IOException {
        DurableFiles.write(file, bytes());
    }
}
