package io.junction.security;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import io.junction.errors.ErrorCode;

/** A user's or token's role: a fixed set of {@link Permission}s within its tenant (root: in every tenant). */
public enum Role {
    /** Everything in every tenant; only the built-in user {@code root} has it. */
    ROOT(EnumSet.allOf(Permission.class)),
    /** Everything in its tenant, users and tokens included. */
    ADMIN(EnumSet.complementOf(EnumSet.of(Permission.MANAGE_TENANTS))),
    PRODUCER(EnumSet.of(Permission.VIEW, Permission.PRODUCE)),
    CONSUMER(EnumSet.of(Permission.VIEW, Permission.CONSUME, Permission.READ_VALUES)),
    /** Read-only: list and info; dead letters without their values. */
    VIEWER(EnumSet.of(Permission.VIEW));

    private final Set<Permission> permissions;

    Role(Set<Permission> permissions) {
        this.permissions = Set.copyOf(permissions);
    }

    public boolean allows(Permission permission) {
        return permissions.contains(permission);
    }

    /** {@code admin}, {@code producer}, ...: how the CLI and the wire name it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role a label names; INVALID_ARGUMENT (listing the roles) for anything else. */
    public static Role parse(String label) {
        for (Role role : values()) {
            if (role.label().equals(label)) {
                return role;
            }
        }
        throw new AccessException(ErrorCode.INVALID_ARGUMENT, "role " + Names.quote(label)
                + " is not one of root, admin, producer, consumer, viewer");
    }
}
