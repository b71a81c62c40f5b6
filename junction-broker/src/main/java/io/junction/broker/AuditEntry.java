package io.junction.broker;

/**
 * One entry of a tenant's audit log: who did what to what, from where, and how it ended. Never holds a secret:
 * the server records names (of users, tokens, stations...), never passwords or token secrets.
 *
 * @param timeMs  when the broker recorded it (epoch ms)
 * @param who     the caller, e.g. {@code user alice@hr}, {@code token ci@hr}, {@code root}; for a failed
 *                authentication, the name it tried ({@code (none)} when it gave none)
 * @param via     how it authenticated: {@code password}, {@code session}, {@code token:NAME}, {@code certificate},
 *                {@code loopback}; empty when it did not
 * @param address the caller's IP address
 * @param action  the call, e.g. {@code CreateStation}
 * @param target  what it acted on, e.g. {@code station orders}; empty when nothing in particular
 * @param result  {@code OK}, or the error code, e.g. {@code PERMISSION_DENIED}
 * @param message the error's message; empty when it succeeded
 * @param id      the entry's position in the tenant's audit log (increasing); -1 before it is stored
 */
public record AuditEntry(long timeMs, String who, String via, String address, String action, String target,
        String result, String message, long id) {

    /** An entry to record (the broker gives it its time and id). */
    public static AuditEntry of(String who, String via, String address, String action, String target, String result,
            String message) {
        return new AuditEntry(0, who, via, address, action, target, result, message, -1);
    }
}
