package io.junction.client;

/**
 * A tenant's quotas; 0 = no limit. In {@link JunctionClient#updateTenant}, a null field keeps its value.
 *
 * @param maxStorageBytes          bytes of messages its stations store; past it, produce gets QUOTA_EXCEEDED
 * @param maxProduceBytesPerSecond acknowledgements are delayed to hold it; never refused
 * @param maxConsumeBytesPerSecond deliveries are delayed to hold it; never refused
 * @param maxStations              stations it may have
 * @param maxConnections           produce and consume streams it may have open at once
 */
public record TenantLimits(Long maxStorageBytes, Long maxProduceBytesPerSecond, Long maxConsumeBytesPerSecond,
        Integer maxStations, Integer maxConnections) {

    /** No limit on anything. */
    public static final TenantLimits NONE = new TenantLimits(0L, 0L, 0L, 0, 0);
    /** For an update: change nothing. */
    public static final TenantLimits UNCHANGED = new TenantLimits(null, null, null, null, null);
}
