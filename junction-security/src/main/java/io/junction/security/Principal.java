package io.junction.security;

import io.junction.errors.ErrorCode;

/**
 * Who makes a call, as authenticated: a user (by password, a session, or the loopback rule) or a token, with its
 * tenant, role and station rules. Immutable.
 *
 * @param tenant       the tenant it belongs to (root: {@code default}, but it may act in every tenant)
 * @param name         the user's name, or the token's
 * @param role         what it may do
 * @param stations     which stations of its tenant
 * @param via          {@code loopback}, {@code password}, {@code session}, {@code certificate} or {@code token:NAME}
 * @param expiresMs    when its session or token ends (epoch ms); 0 for never
 * @param credentialId the session's or token's id (not a secret: the secret is checked against its hash); "" else
 * @param readValues   granted {@link Permission#READ_VALUES} beyond its role (a viewer that may see values)
 */
public record Principal(String tenant, String name, Role role, StationRules stations, String via, long expiresMs,
        String credentialId, boolean readValues) {

    public static final String LOOPBACK = "loopback";
    public static final String PASSWORD = "password";
    public static final String SESSION = "session";
    public static final String CERTIFICATE = "certificate";
    static final String TOKEN_PREFIX = "token:";

    public boolean isRoot() {
        return role == Role.ROOT;
    }

    /** Whether this is a user (not a token): only users have passwords and sessions. */
    public boolean isUser() {
        return !via.startsWith(TOKEN_PREFIX);
    }

    /** Whether it may act in {@code tenant} at all: its own, or any for root. */
    public boolean inTenant(String tenant) {
        return isRoot() || this.tenant.equals(tenant);
    }

    public boolean can(Permission permission) {
        return role.allows(permission) || (permission == Permission.READ_VALUES && readValues);
    }

    /** How errors and logs name it: {@code alice@hr} (root: {@code root}), a token {@code token ci@hr}. */
    public String display() {
        String who = isRoot() ? name : name + "@" + tenant;
        return isUser() ? "user " + who : "token " + who;
    }

    /** PERMISSION_DENIED unless the role has {@code permission}. */
    public void require(Permission permission) {
        if (!can(permission)) {
            throw new AccessException(ErrorCode.PERMISSION_DENIED, display() + " (role " + role.label()
                    + ") lacks the permission '" + permission.label() + "'");
        }
    }

    /** PERMISSION_DENIED unless the role has {@code permission} and the rules let it use {@code station}. */
    public void require(Permission permission, String station) {
        require(permission);
        if (!isRoot() && !stations.permits(station)) {
            throw new AccessException(ErrorCode.PERMISSION_DENIED, display() + " lacks the permission '"
                    + permission.label() + "' on station " + Names.quote(station)
                    + " (its station patterns do not allow it)");
        }
    }
}
