package io.junction.client;

import java.time.Instant;

/**
 * An entry of a tenant's audit log ({@link JunctionClient#audit}): who did what to what, from where, and how it
 * ended ({@code result}: {@code OK} or the error code).
 */
public record AuditEntry(long id, Instant time, String who, String via, String address, String action,
        String target, String result, String message) {
}
