package io.junction.tier;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An object store: S3 or S3-compatible. Keys are relative to the configured prefix. Thread-safe.
 *
 * <p>Failures: an absent object is a {@link java.nio.file.NoSuchFileException} for {@link #get} and
 * {@link #download}; every other failure is an {@link ObjectStoreException} saying which operation, which key and
 * why (after the client's own retries).
 */
public interface ObjectStore extends AutoCloseable {

    /** Uploads a file, streamed from disk (never read into memory); replaces an object of that key. */
    void put(String key, Path file) throws IOException;

    /**
     * Uploads a file as {@link #put(String, Path)} does, with the CRC32C of its bytes (8 hex digits, as
     * {@link ObjectDigests#crc32c} gives it) for the store to check the body against: S3 refuses an upload whose
     * body does not match ({@code x-amz-checksum-crc32c}).
     */
    void put(String key, Path file, String crc32c) throws IOException;

    void put(String key, byte[] bytes) throws IOException;

    /** The whole object in memory: for small objects (manifests); {@code NoSuchFileException} if absent. */
    byte[] get(String key) throws IOException;

    /**
     * Streams the object to {@code target}, replacing it: written to a temporary file beside it and renamed once
     * complete, so a failed download leaves {@code target} as it was. {@code NoSuchFileException} if absent.
     */
    void download(String key, Path target) throws IOException;

    /** Every key under {@code prefix} (all pages), relative to the store prefix, sorted. */
    List<String> list(String prefix) throws IOException;

    /** Deletes the object; an absent object is not an error. */
    void delete(String key) throws IOException;

    /** Where the store is, for messages: e.g. {@code s3://bucket/prefix/ at http://127.0.0.1:1234}. No secrets. */
    String describe();

    @Override
    void close();
}
