package io.junction.broker;

/** A tenant as {@link Broker#tenantInfo} and {@link Broker#listTenants} show it: its name and how many stations. */
public record TenantInfo(String name, int stations) {
}
