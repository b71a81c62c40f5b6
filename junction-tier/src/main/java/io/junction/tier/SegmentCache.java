package io.junction.tier;

import io.junction.log.FileTrees;
import io.junction.log.LogException;
import io.junction.log.SegmentReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Segments read back from the object store, kept in a local directory up to a size (least recently used go
 * first). A download is verified before anything is served from it: decrypted and authenticated when the object
 * is encrypted, its digest compared with the manifest's, and every batch checked by {@link SegmentReader#open}.
 * One download per segment at a time, whoever asks; the directory is emptied on start (a cache, not a store).
 * Thread-safe.
 */
final class SegmentCache implements AutoCloseable {

    /** A verified segment file and its reader. */
    static final class Cached {
        final String key;
        final SegmentReader reader;
        final Path file;
        final long bytes;
        volatile boolean evicted;

        Cached(String key, SegmentReader reader, Path file, long bytes) {
            this.key = key;
            this.reader = reader;
            this.file = file;
            this.bytes = bytes;
        }
    }

    private final Path dir;
    private final long capacity;
    private final ObjectStore store;
    private final ObjectCipher cipher;
    private final ExecutorService fetchers;
    /** Access-ordered: the eldest is the least recently used. Guarded by itself. */
    private final LinkedHashMap<String, Cached> segments = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<Cached>> downloading = new ConcurrentHashMap<>();
    /** Downloads that failed lately, by key: asked again within {@link #RETRY_AFTER_NANOS}, the failure answers. */
    private final Map<String, Failure> failed = new ConcurrentHashMap<>();
    static final long RETRY_AFTER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    /**
     * The most callers {@link #get} lets wait for downloads at once. They wait on the threads of requests (a browse,
     * a start at a time): the server runs every call, produce included, on 32 threads, so clients reading the
     * store's part can hold a quarter of them at the most, whatever they ask; past it a read of a segment not cached
     * is refused at once (retriable) instead of queueing behind the downloads before it.
     */
    static final int MAX_WAITING = 8;

    private final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(MAX_WAITING);
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();

    private record Failure(RemoteReadException error, long atNanos) {
    }
    private long bytes;
    private long hits;
    private long misses;

    SegmentCache(Path dir, long capacity, ObjectStore store, ObjectCipher cipher, ExecutorService fetchers)
            throws IOException {
        this.dir = dir;
        this.capacity = capacity;
        this.store = store;
        this.cipher = cipher;
        this.fetchers = fetchers;
        if (Files.exists(dir)) {
            FileTrees.deleteTree(dir);
        }
        Files.createDirectories(dir);
    }

    /**
     * The segment of {@code entry}, downloading it first if it is not cached (blocking); refused at once when
     * {@value #MAX_WAITING} callers already wait for downloads.
     */
    Cached get(TierManifest.Entry entry) {
        Cached cached = cached(entry.key());
        if (cached != null) {
            return cached;
        }
        if (!waiting.tryAcquire()) {
            refused.incrementAndGet();
            throw new RemoteReadException("the object store is busy: " + MAX_WAITING + " reads are already waiting "
                    + "for downloads; retry later", null);
        }
        try {
            for (int attempt = 0; ; attempt++) {
                Cached fetched = fetch(entry).join();
                if (!fetched.evicted || attempt == 2) {
                    return fetched; // evicted at once by a busy cache, three times: its reader says it is closed
                }
            }
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new RemoteReadException(e.getCause().getMessage(),
                    e.getCause());
        } finally {
            waiting.release();
        }
    }

    /** Callers of {@link #get} waiting for downloads now. */
    int waiting() {
        return MAX_WAITING - waiting.availablePermits();
    }

    /** The segment of {@code entry} if cached now, else null after starting its download in the background. */
    Cached getIfPresent(TierManifest.Entry entry, Runnable whenReady) {
        Cached cached = cached(entry.key());
        if (cached != null) {
            return cached;
        }
        Failure f = failed.get(entry.key());
        if (f != null) {
            if (System.nanoTime() - f.atNanos() < RETRY_AFTER_NANOS) {
                throw f.error(); // no download storm: a reader retries on its own clock
            }
            failed.remove(entry.key(), f);
        }
        fetch(entry).whenComplete((c, e) -> {
            if (e != null) {
                RemoteReadException error = e instanceof RemoteReadException r ? r
                        : new RemoteReadException(String.valueOf(e.getMessage()), e);
                failed.put(entry.key(), new Failure(error, System.nanoTime()));
                // the reader tries again once the failure is old enough (the store may be back by then)
                CompletableFuture.runAsync(whenReady, CompletableFuture.delayedExecutor(
                        RETRY_AFTER_NANOS + 100_000_000, java.util.concurrent.TimeUnit.NANOSECONDS));
            }
            whenReady.run();
        });
        return null;
    }

    /** Starts downloading {@code entry} in the background if it is neither cached nor on its way. */
    void prefetch(TierManifest.Entry entry) {
        if (cached(entry.key()) == null) {
            fetch(entry);
        }
    }

    private Cached cached(String key) {
        synchronized (segments) {
            Cached c = segments.get(key);
            if (c != null) {
                hits++;
            }
            return c;
        }
    }

    private CompletableFuture<Cached> fetch(TierManifest.Entry entry) {
        CompletableFuture<Cached> f = startFetch(entry);
        if (f.isDone()) {
            downloading.remove(entry.key(), f); // finished before it was in the map: never leave it there
        }
        return f;
    }

    private CompletableFuture<Cached> startFetch(TierManifest.Entry entry) {
        return downloading.computeIfAbsent(entry.key(), key -> {
            CompletableFuture<Cached> f = new CompletableFuture<>();
            try {
                fetchers.execute(() -> {
                    try {
                        f.complete(download(entry));
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    } finally {
                        downloading.remove(key, f);
                    }
                });
            } catch (RejectedExecutionException closed) {
                downloading.remove(key, f);
                f.completeExceptionally(new RemoteReadException("the tier is closed", closed));
            }
            return f;
        });
    }

    private Cached download(TierManifest.Entry entry) {
        Cached already = cached(entry.key());
        if (already != null) {
            return already;
        }
        synchronized (segments) {
            misses++;
        }
        String name = entry.key().replace('/', '_');
        Path plain = dir.resolve(name);
        Path fetched = dir.resolve(name + ".download");
        try {
            if (entry.crc32c() == null && entry.sha256() == null) {
                throw new RemoteReadException("object " + entry.key() + ": its manifest entry has no checksum: not "
                        + "served", null);
            }
            store.download(entry.key(), fetched);
            if (entry.crc32c() != null) {
                String crc = ObjectDigests.crc32c(fetched);
                if (!crc.equals(entry.crc32c())) {
                    throw new RemoteReadException("object " + entry.key() + " does not match its checksum in the "
                            + "manifest (crc32c " + crc + ", expected " + entry.crc32c() + "): not served", null);
                }
            }
            if (entry.keyId() != null) {
                if (cipher == null) {
                    throw new RemoteReadException("object " + entry.key() + " is encrypted (key " + entry.keyId()
                            + ") and the broker has no --s3-encryption-key-file", null);
                }
                cipher.decrypt(fetched, plain, entry.key());
                Files.deleteIfExists(fetched);
            } else {
                Files.move(fetched, plain, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            if (entry.sha256() != null) { // an entry written before CRC32C
                String digest = ObjectDigests.sha256(plain);
                if (!digest.equals(entry.sha256())) {
                    throw new RemoteReadException("object " + entry.key() + " does not match its digest in the "
                            + "manifest (sha256 " + digest + ", expected " + entry.sha256() + "): not served", null);
                }
            }
            SegmentReader reader = SegmentReader.open(plain, entry.baseOffset(), entry.endOffset());
            Cached cached = new Cached(entry.key(), reader, plain, Files.size(plain));
            synchronized (segments) {
                segments.put(entry.key(), cached);
                bytes += cached.bytes;
                evict();
            }
            return cached;
        } catch (NoSuchFileException e) {
            deleteQuietly(fetched, plain);
            throw new RemoteReadException("object " + entry.key() + " is missing from " + store.describe(), e);
        } catch (LogException e) {
            deleteQuietly(fetched, plain);
            throw e instanceof RemoteReadException r ? r : new RemoteReadException("object " + entry.key()
                    + " is damaged: " + e.getMessage() + ": not served", e);
        } catch (TamperedObjectException e) {
            deleteQuietly(fetched, plain);
            throw new RemoteReadException("object " + entry.key() + " failed authenticated decryption: "
                    + e.getMessage() + ": not served", e);
        } catch (IOException e) {
            deleteQuietly(fetched, plain);
            throw new RemoteReadException("reading " + entry.key() + " back from " + store.describe() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** Drops least recently used segments until the cache fits (the newest one stays even if it alone does not). */
    private void evict() {
        var it = segments.entrySet().iterator();
        while (bytes > capacity && segments.size() > 1 && it.hasNext()) {
            Cached eldest = it.next().getValue();
            it.remove();
            bytes -= eldest.bytes;
            eldest.evicted = true;
            eldest.reader.close();
            deleteQuietly(eldest.file);
        }
    }

    /** Forgets {@code key} (its object was deleted). */
    void invalidate(String key) {
        synchronized (segments) {
            Cached c = segments.remove(key);
            if (c != null) {
                bytes -= c.bytes;
                c.evicted = true;
                c.reader.close();
                deleteQuietly(c.file);
            }
        }
    }

    long bytes() {
        synchronized (segments) {
            return bytes;
        }
    }

    long hits() {
        synchronized (segments) {
            return hits;
        }
    }

    long misses() {
        synchronized (segments) {
            return misses;
        }
    }

    TierCacheStats stats() {
        synchronized (segments) {
            return new TierCacheStats(bytes, capacity, hits, misses, waiting(), refused.get());
        }
    }

    @Override
    public void close() {
        synchronized (segments) {
            for (Cached c : segments.values()) {
                c.evicted = true;
                c.reader.close();
            }
            segments.clear();
            bytes = 0;
        }
    }

    private static void deleteQuietly(Path... files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // a cache file: the directory is emptied on the next start
            }
        }
    }
}
