package io.junction.client;

/**
 * A tenant: its stations, the bytes they store, the produce and consume streams it has open, and its quotas (all
 * fields set; 0 = no limit).
 */
public record TenantInfo(String name, int stations, long storedBytes, int connections, TenantLimits limits) {
}
