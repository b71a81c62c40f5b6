package io.junction.tier;

/**
 * The broker-wide read-back cache of tiered storage, since the broker started.
 *
 * @param bytes bytes of downloaded segments in the cache now
 * @param capacityBytes the most it keeps ({@code --s3-cache-size})
 * @param hits reads of a remote segment served from the cache
 * @param misses downloads of a remote segment
 * @param readsWaiting requests waiting for a download now (at most {@value SegmentCache#MAX_WAITING})
 * @param readsRefused requests refused because that many were waiting already ("the object store is busy")
 */
public record TierCacheStats(long bytes, long capacityBytes, long hits, long misses, int readsWaiting,
        long readsRefused) {
}
