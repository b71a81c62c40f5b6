package io.junction.tier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The broker's tiered-storage settings (server flags {@code --s3-*}): where segments go, how fast they are
 * uploaded, how much of them is cached locally when read back, and the key that encrypts them.
 *
 * @param s3 the bucket and how to reach it
 * @param uploadBytesPerSecond upload rate limit, broker-wide; 0 = unlimited
 * @param cacheBytes the local cache of segments read back ({@code --s3-cache-size}, default 1 GiB); a segment
 *     larger than the cache is still read (the cache then holds just it)
 * @param encryptionKeyFile the key file of {@link ObjectCipher}; null = objects stored as they are on disk
 * @param interval how often each tiered partition uploads what was sealed and trims its local segments
 */
public record TierSettings(S3Settings s3, long uploadBytesPerSecond, long cacheBytes, Path encryptionKeyFile,
        Duration interval) {

    public static final long DEFAULT_CACHE_BYTES = 1L << 30;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    public TierSettings {
        Objects.requireNonNull(s3, "s3");
        if (uploadBytesPerSecond < 0) {
            throw new IllegalArgumentException("s3-upload-rate must be >= 0 (0 = unlimited), not "
                    + uploadBytesPerSecond);
        }
        if (cacheBytes <= 0) {
            throw new IllegalArgumentException("s3-cache-size must be > 0, not " + cacheBytes);
        }
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("tier interval must be positive");
        }
    }

    /** Default rate (unlimited), cache (1 GiB) and interval, no encryption. */
    public static TierSettings of(S3Settings s3) {
        return new TierSettings(s3, 0, DEFAULT_CACHE_BYTES, null, DEFAULT_INTERVAL);
    }
}
