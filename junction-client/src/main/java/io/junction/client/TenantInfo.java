package io.junction.client;

/** A tenant: its name and how many stations it has. */
public record TenantInfo(String name, int stations) {
}
