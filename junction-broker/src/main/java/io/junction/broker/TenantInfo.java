package io.junction.broker;

/**
 * A tenant as {@link Broker#tenantInfo} and {@link Broker#listTenants} show it: its stations, the bytes they store,
 * and its limits.
 */
public record TenantInfo(String name, int stations, long storedBytes, TenantLimits limits) {
}
