package io.junction.tier;

import io.junction.log.CorruptBatchException;
import io.junction.log.PartitionLog;
import io.junction.log.PartitionStore;
import io.junction.log.SealedSegment;
import io.junction.log.Throttle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One partition's tier: uploads its sealed segments in offset order, records each step in its
 * {@link TierManifest} before taking it, trims local segments once uploaded and past the local retention, deletes
 * remote segments retention removes, and resolves on start whatever a crash left half done (a started upload's
 * object deleted, a started deletion finished, an object no entry names removed). Uploads, trimming and recovery
 * run on the tier's one worker thread ({@link #step}); retention's deletions on the station's maintenance; reads
 * use the immutable {@link #readable} snapshot and never wait for either. Guarded by {@code this}.
 */
final class PartitionTier {

    private static final System.Logger LOG = System.getLogger(PartitionTier.class.getName());
    /** The longest wait between attempts after failures (doubling from the tier's interval). */
    private static final long MAX_BACKOFF_MS = 5 * 60_000;
    /** A manifest up to this size is mirrored at the end of every step that changed it. */
    static final long MIRROR_ALWAYS_BYTES = 256 * 1024;
    /** A larger manifest is mirrored once this many times its size has been uploaded since its last mirror. */
    static final long MIRROR_RATIO = 16;

    final String tenant;
    final String station;
    final int partition;
    private final PartitionLog local;
    private final Supplier<TierPolicy> policy;
    private final ObjectStore store;
    private final ObjectCipher cipher;
    private final Throttle throttle;
    private final Clock clock;
    private final Path workDir;
    private final String prefix;
    private final TierManifest manifest;

    /** The readable entries (COPY_FINISHED), oldest first: replaced whole, read without locks. */
    private volatile List<TierManifest.Entry> readable;
    /** Set on open: the store is swept for what a crash left before the first upload. */
    private boolean recovered;
    /**
     * The partition has data but its manifest was not there (or not readable) at open: the sweep deletes no object
     * whose offsets the local log does not hold.
     */
    private final boolean manifestLost;
    /** The manifest changed since it was last mirrored to the store: mirrored at the end of a step (see below). */
    private boolean mirrorDue;
    /** The size of the manifest as last mirrored (0 before the first mirror of this process). */
    private long mirroredBytes;
    /** Bytes uploaded since the manifest was last mirrored. */
    private long uploadedSinceMirror;
    private volatile long lastUploadMs;
    private volatile long uploadedSegments;
    private volatile long uploadedBytes;
    private volatile int failures;
    private volatile String lastError;
    private volatile long lastErrorMs;
    private long nextAttemptMs;
    private volatile boolean closed;

    PartitionTier(String tenant, String station, int partition, PartitionLog local, Supplier<TierPolicy> policy,
            ObjectStore store, ObjectCipher cipher, Throttle throttle, Clock clock, Path workDir) throws IOException {
        this.tenant = tenant;
        this.station = station;
        this.partition = partition;
        this.local = local;
        this.policy = policy;
        this.store = store;
        this.cipher = cipher;
        this.throttle = throttle;
        this.clock = clock;
        this.workDir = workDir;
        this.prefix = tenant + "/" + station + "/" + partition + "/";
        TierManifest.Loaded loaded = TierManifest.load(local.directory(), tenant, station, partition);
        this.manifest = loaded.manifest();
        // A partition with data and no manifest (lost, or unreadable) may have years of it in the store: the
        // mirror says what, and nothing the local log does not hold is deleted from the store on its word.
        this.manifestLost = local.nextOffset() > 0 && (loaded.found() == TierManifest.Found.CORRUPT
                || loaded.found() == TierManifest.Found.MISSING && policy.get().enabled());
        if (manifestLost) {
            restoreFromMirror();
        }
        publish();
    }

    /**
     * The manifest was lost and the local log no longer starts at offset 0: adopts its mirror's entries whose objects
     * are in the store (and lie below the local log's end), so the history there is read back as before. Best effort
     * at open: when the store does not answer, the partition starts with what the local log holds and its objects
     * stay in the store (see {@link #recover}).
     */
    private void restoreFromMirror() {
        if (local.firstOffset() <= 0) {
            // The local log still holds the partition from its start: nothing is in the store alone. A mirror found
            // now may be a deleted station's of the same name (its objects left behind by a failed deletion):
            // adopting it would count the new log's segments as uploaded and serve the old objects for them.
            LOG.log(System.Logger.Level.INFO, "{0}: no manifest, and the local log holds every offset: nothing to "
                    + "restore", this);
            return;
        }
        try {
            List<TierManifest.Entry> mirrored = TierManifest.parse(store.get(manifestKey()), tenant, station,
                    partition);
            Set<String> present = new HashSet<>(store.list(prefix));
            List<TierManifest.Entry> kept = mirrored.stream()
                    .filter(e -> present.contains(e.key()) && e.endOffset() <= local.nextOffset()).toList();
            manifest.replaceAll(kept);
            LOG.log(System.Logger.Level.WARNING, "{0}: its manifest was lost; restored {1} of the mirror''s {2} "
                    + "entries (the others'' objects are gone or lie past the local log''s end)", this, kept.size(),
                    mirrored.size());
        } catch (java.nio.file.NoSuchFileException none) {
            LOG.log(System.Logger.Level.INFO, "{0}: no manifest here nor in the store: nothing tiered yet", this);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "{0}: its manifest was lost and its mirror cannot be read ({1}): "
                    + "reads start at the local log; the store''s objects are kept", this, e.getMessage());
        }
    }

    /** The object key prefix of this partition. */
    String prefix() {
        return prefix;
    }

    List<TierManifest.Entry> readable() {
        return readable;
    }

    /** One past the last uploaded offset; the local log's first offset when nothing is uploaded. */
    long uploadedEnd() {
        List<TierManifest.Entry> r = readable;
        return r.isEmpty() ? local.firstOffset() : r.get(r.size() - 1).endOffset();
    }

    /** See {@link TieredStore#compactionBound()}. */
    long compactionBound() {
        return policy.get().enabled() ? uploadedEnd() : Long.MAX_VALUE;
    }

    /** The readable entry holding {@code offset} (or the first after it), null when none. */
    TierManifest.Entry entryFor(long offset) {
        List<TierManifest.Entry> r = readable;
        int lo = 0;
        int hi = r.size(); // the first entry ending past the offset is in [lo, hi]
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r.get(mid).endOffset() <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == r.size()) {
            return null;
        }
        TierManifest.Entry e = r.get(lo);
        return offset >= e.baseOffset() ? e : null;
    }

    /** The readable entry after {@code entry}, null when none. */
    TierManifest.Entry next(TierManifest.Entry entry) {
        return entryFor(entry.endOffset());
    }

    private void publish() {
        readable = manifest.entries().stream().filter(TierManifest.Entry::readable).toList();
    }

    /**
     * One round of the worker: recovery (once, then whenever an entry is left half done), uploads of every sealed
     * segment not uploaded yet, then trimming of local segments past the local retention. A failure is recorded
     * for {@code tier-status} and retried after a backoff; nothing local is removed that is not uploaded.
     */
    synchronized void step(boolean force) throws InterruptedException {
        if (closed) {
            return;
        }
        long now = clock.millis();
        if (now < nextAttemptMs && !force) {
            return;
        }
        TierPolicy p = policy.get();
        if (!p.enabled() && manifest.isEmpty() && !mirrorDue) {
            return; // never tiered: nothing to upload, recover or trim (and no request to the store)
        }
        try {
            if (!recovered || manifest.hasUnfinished()) {
                recover();
            }
            if (p.enabled()) {
                upload();
                trimLocal(p, clock.millis());
            }
            if (mirrorDue && mirrorNow(mirroredBytes, uploadedSinceMirror)) {
                mirror();
                mirrorDue = false;
            }
            if (failures > 0) {
                LOG.log(System.Logger.Level.INFO, "{0}: the object store answers again", this);
            }
            failures = 0;
            lastError = null;
        } catch (IOException | UncheckedIOException | io.junction.log.LogException e) {
            if (closed) {
                return; // the station closed its log under a running step: nothing failed
            }
            failures++;
            lastError = e.getMessage();
            lastErrorMs = clock.millis();
            long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(16, failures));
            nextAttemptMs = clock.millis() + backoff;
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} (attempt {2}; next in {3} ms; local data is kept)", this,
                    e.getMessage(), failures, backoff);
        }
    }

    /**
     * Resolves what a crash left: a started upload's object is deleted and its entry dropped; a started deletion
     * is finished; an object under this partition's prefix no entry names (nor the mirrored manifest) is removed.
     */
    private void recover() throws IOException {
        for (TierManifest.Entry e : manifest.entries()) {
            if (e.state() != TierManifest.State.COPY_FINISHED) {
                store.delete(e.key());
                manifest.remove(e);
                LOG.log(System.Logger.Level.INFO, "{0}: {1} of {2} finished after a restart", this,
                        e.state() == TierManifest.State.COPY_STARTED ? "dropped an unfinished upload"
                                : "a deletion", e.key());
            }
        }
        if (!recovered) {
            Set<String> known = new HashSet<>();
            manifest.entries().forEach(e -> known.add(e.key()));
            known.add(manifestKey());
            for (String key : store.list(prefix)) {
                if (known.contains(key)) {
                    continue;
                }
                if (manifestLost && !heldLocally(key)) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: kept {1}: no manifest entry names it, and it holds "
                            + "offsets the local log does not (the manifest was lost); an operator decides", this, key);
                    continue;
                }
                store.delete(key);
                LOG.log(System.Logger.Level.INFO, "{0}: removed {1}, an object no manifest entry names", this, key);
            }
            recovered = true;
            mirrorDue = true;
        }
        publish();
    }

    /** Whether the segment object {@code key} (BASE-END-ID.segment) holds only offsets the local log holds. */
    private boolean heldLocally(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        String[] parts = name.split("-", 3);
        try {
            long base = Long.parseLong(parts[0]);
            long end = Long.parseLong(parts[1]);
            return parts.length == 3 && base >= local.firstOffset() && end <= local.nextOffset();
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return false; // not a segment of ours: not deleted on a guess
        }
    }

    private String manifestKey() {
        return prefix + "manifest.json";
    }

    /** Uploads every sealed segment at or past the uploaded end, oldest first. */
    private void upload() throws IOException, InterruptedException {
        for (SealedSegment s : local.sealedSegments()) {
            if (closed) {
                return;
            }
            if (!readable.isEmpty() && s.baseOffset() < uploadedEnd()) {
                continue; // uploaded
            }
            uploadOne(s);
        }
    }

    private void uploadOne(SealedSegment s) throws IOException, InterruptedException {
        String key = prefix + String.format("%020d-%020d-%s.segment", s.baseOffset(), s.endOffset(),
                UUID.randomUUID());
        // The file is immutable from here (compaction waits for the upload; retention may remove it, then the
        // upload is dropped).
        long records = s.endOffset() - s.baseOffset(); // offsets; fewer records if compacted before tiering
        long maxTimestamp; // what a lookup by timestamp reads the manifest for: as tight as the headers tell
        try {
            maxTimestamp = s.maxRecordTimestamp();
        } catch (NoSuchFileException gone) {
            return; // retention removed it first
        } catch (CorruptBatchException e) {
            maxTimestamp = s.maxTimestamp(); // the index's bound; a reader of the copy will refuse the batch
        }
        String keyId = cipher == null ? null : cipher.currentKeyId();
        TierManifest.Entry started = new TierManifest.Entry(key, s.baseOffset(), s.endOffset(), s.sizeInBytes(), 0,
                records, s.lastAppendTimeMs(), maxTimestamp, null, null, keyId, TierManifest.State.COPY_STARTED);
        manifest.put(started);
        Path sealed = null;
        long objectBytes;
        String crc32c;
        try {
            Path source = s.logFile();
            if (cipher != null) {
                sealed = Files.createTempFile(workDir, "upload-", ".sealed");
                cipher.encrypt(s.logFile(), sealed, key);
                source = sealed;
            }
            // The object's own checksum, taken from the bytes sent: S3 checks the body against it, and every
            // download is checked against the manifest's copy.
            crc32c = ObjectDigests.crc32c(source);
            objectBytes = Files.size(source);
            acquire(objectBytes);
            store.put(key, source, crc32c);
        } catch (NoSuchFileException gone) {
            store.delete(key);
            manifest.remove(started);
            return;
        } finally {
            if (sealed != null) {
                Files.deleteIfExists(sealed);
            }
        }
        manifest.put(new TierManifest.Entry(key, s.baseOffset(), s.endOffset(), s.sizeInBytes(), objectBytes,
                records, s.lastAppendTimeMs(), maxTimestamp, crc32c, null, keyId,
                TierManifest.State.COPY_FINISHED));
        publish();
        lastUploadMs = clock.millis();
        uploadedSegments++;
        uploadedBytes += objectBytes;
        uploadedSinceMirror += objectBytes;
        mirrorDue = true;
    }

    private void acquire(long bytes) throws InterruptedException {
        for (long left = bytes; left > 0; left -= Integer.MAX_VALUE) {
            throttle.acquire((int) Math.min(Integer.MAX_VALUE, left));
        }
    }

    /**
     * Writes the manifest to the store beside the objects (what an operator or a new broker can read): once per
     * step that changed it, not per upload, since it grows with every segment the partition keeps remotely.
     */
    private void mirror() throws IOException {
        byte[] bytes = manifest.bytes();
        store.put(manifestKey(), bytes);
        mirroredBytes = bytes.length;
        uploadedSinceMirror = 0;
    }

    /**
     * Whether a due mirror is sent now, the manifest having been {@code mirroredBytes} long at its last mirror (0:
     * none since the start) and {@code uploadedSinceMirror} bytes uploaded since: always while the manifest is
     * small (up to {@value #MIRROR_ALWAYS_BYTES} bytes: some 800 entries) or after a restart; beyond, once
     * {@value #MIRROR_RATIO} times its size was uploaded since the last mirror, so that mirroring a partition's long
     * history costs at most 1/{@value #MIRROR_RATIO} of the bytes uploaded. A mirror missing the newest uploads loses
     * nothing: it is read only when the local manifest is lost, and then the store's objects it does not name are
     * kept (see {@link #recover}).
     */
    static boolean mirrorNow(long mirroredBytes, long uploadedSinceMirror) {
        return mirroredBytes <= MIRROR_ALWAYS_BYTES || uploadedSinceMirror >= MIRROR_RATIO * mirroredBytes;
    }

    /**
     * Removes local segments that are uploaded and past the local retention (by the age of their last append, or
     * beyond the local bytes), oldest first. A compacted station keeps its local log: it is the latest state per key.
     */
    private void trimLocal(TierPolicy p, long now) {
        if (p.compacted() || (p.localRetention() == null && p.localRetentionBytes() == 0)) {
            return;
        }
        long uploadedEnd = uploadedEnd();
        if (readable.isEmpty()) {
            return;
        }
        List<SealedSegment> sealed = local.sealedSegments();
        long localBytes = local.sizeInBytes();
        long cut = local.firstOffset();
        for (SealedSegment s : sealed) {
            if (s.endOffset() > uploadedEnd) {
                break;
            }
            if (s.lastAppendTimeMs() >= now - p.keepLocal().toMillis()) {
                break; // within the dedup window: stays local
            }
            boolean old = p.localRetention() != null && s.lastAppendTimeMs() < now - p.localRetention().toMillis();
            boolean over = p.localRetentionBytes() > 0 && localBytes > p.localRetentionBytes();
            if (!old && !over) {
                break;
            }
            cut = s.endOffset();
            localBytes -= s.sizeInBytes();
        }
        if (cut > local.firstOffset()) {
            local.deleteSegmentsBefore(cut);
        }
    }

    /**
     * Deletes the remote segments wholly below {@code offset} (retention): each is marked, so it is no longer read,
     * then deleted; a deletion the store refuses is finished by the worker later.
     *
     * @return the number of segments removed from the readable range
     */
    synchronized int deleteBefore(long offset) {
        // marked first, oldest first, and published once: no reader is sent to an object about to go, and a
        // retention cutting a long history costs one pass over it, not one per segment
        List<TierManifest.Entry> marked = new ArrayList<>();
        for (TierManifest.Entry e : manifest.entries()) {
            if (e.endOffset() <= offset && e.state() == TierManifest.State.COPY_FINISHED) {
                try {
                    manifest.put(e.with(TierManifest.State.DELETE_STARTED));
                    marked.add(e);
                } catch (IOException failed) {
                    lastError = "deleting " + e.key() + ": " + failed.getMessage() + " (retried)";
                    lastErrorMs = clock.millis();
                    break; // what is left readable stays one range from its start
                }
            }
        }
        if (marked.isEmpty()) {
            return 0;
        }
        publish();
        for (TierManifest.Entry e : marked) {
            try {
                store.delete(e.key());
                manifest.remove(e);
            } catch (IOException failed) { // the entry stays DELETE_STARTED: the worker's next step finishes it
                lastError = "deleting " + e.key() + ": " + failed.getMessage() + " (retried)";
                lastErrorMs = clock.millis();
            }
        }
        mirrorDue = true; // by the worker's next step
        return marked.size();
    }

    /** Deletes the remote segments whose last append is before {@code appendTimeMs} (retention by age). */
    synchronized int deleteAppendedBefore(long appendTimeMs) {
        long cut = -1;
        for (TierManifest.Entry e : readable) {
            if (e.lastAppendTimeMs() >= appendTimeMs) {
                break;
            }
            cut = e.endOffset();
        }
        return cut < 0 ? 0 : deleteBefore(cut);
    }

    /** Deletes every object of this partition (its station is deleted) and the manifest. */
    synchronized void destroy() throws IOException {
        closed = true;
        for (String key : store.list(prefix)) {
            store.delete(key);
        }
        manifest.delete();
    }

    void close() {
        closed = true;
    }

    TierStatus status() {
        List<TierManifest.Entry> r = readable;
        long end = r.isEmpty() ? -1 : r.get(r.size() - 1).endOffset();
        int pending = 0;
        long pendingBytes = 0;
        long from = r.isEmpty() ? Long.MIN_VALUE : end;
        List<PartitionStore.SegmentInfo> segments = local.segments(); // in memory: a scrape touches no file
        for (int i = 0; i + 1 < segments.size(); i++) { // every one but the active segment
            PartitionStore.SegmentInfo s = segments.get(i);
            if (s.baseOffset() >= from) {
                pending++;
                pendingBytes += s.sizeInBytes();
            }
        }
        return new TierStatus(partition, r.isEmpty() ? -1 : r.get(0).baseOffset(), end, r.size(),
                r.stream().mapToLong(TierManifest.Entry::objectBytes).sum(), local.firstOffset(), local.sizeInBytes(),
                pending, pendingBytes, lastUploadMs, uploadedSegments, uploadedBytes, failures, lastError,
                lastErrorMs);
    }

    @Override
    public String toString() {
        return "tier of " + tenant + "/" + station + "/" + partition;
    }
}
