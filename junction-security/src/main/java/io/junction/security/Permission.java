package io.junction.security;

/**
 * What a call needs. A {@link Role} is a set of permissions; the server maps each RPC to the one it needs
 * (docs/security.md has the table). Station-scoped permissions also need the station to pass the caller's
 * {@link StationRules}.
 */
public enum Permission {
    /** List and describe stations, groups, schemas and dead letters (without message values). */
    VIEW("view"),
    PRODUCE("produce"),
    /** Subscribe to a group (creating it on first use) and settle its deliveries. */
    CONSUME("consume"),
    /** See message values where a listing shows them (dead letters). */
    READ_VALUES("read-values"),
    MANAGE_STATIONS("manage-stations"),
    MANAGE_GROUPS("manage-groups"),
    MANAGE_DEAD_LETTERS("manage-dead-letters"),
    MANAGE_SCHEMAS("manage-schemas"),
    /** Create, pause, resume and delete connectors (CDC in, HTTP out) of the tenant's stations. */
    MANAGE_CONNECTORS("manage-connectors"),
    /** Users and tokens of the tenant. */
    MANAGE_ACCESS("manage-access"),
    /** Create, list and delete tenants: root only. */
    MANAGE_TENANTS("manage-tenants");

    private final String label;

    Permission(String label) {
        this.label = label;
    }

    /** How errors and docs name it, e.g. {@code manage-stations}. */
    public String label() {
        return label;
    }
}
