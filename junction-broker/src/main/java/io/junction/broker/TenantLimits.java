package io.junction.broker;

import io.junction.errors.ErrorCode;

/**
 * A tenant's quotas; 0 means no limit. Storage: the bytes of its stations' partitions (messages as stored; dead
 * letters, journals and indexes not counted) — a produce that would pass it is refused whole with QUOTA_EXCEEDED.
 * Rates: bytes per second of produced messages (acknowledgements are delayed to hold it) and of delivered ones
 * (deliveries are delayed); never refused. Stations: how many it may have. Connections: how many produce and
 * consume streams may be open at once.
 */
public record TenantLimits(long maxStorageBytes, long maxProduceBytesPerSecond, long maxConsumeBytesPerSecond,
        int maxStations, int maxConnections) {

    public static final TenantLimits NONE = new TenantLimits(0, 0, 0, 0, 0);

    public TenantLimits {
        if (maxStorageBytes < 0 || maxProduceBytesPerSecond < 0 || maxConsumeBytesPerSecond < 0 || maxStations < 0
                || maxConnections < 0) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "tenant limits cannot be negative (0: no limit)");
        }
    }
}
