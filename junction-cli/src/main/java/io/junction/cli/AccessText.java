package io.junction.cli;

import java.time.Instant;
import java.util.List;

import io.junction.client.Identity;
import io.junction.client.TenantInfo;
import io.junction.client.TokenInfo;
import io.junction.client.UserInfo;

/** The plain-text output of the access commands (whoami, tenant, user, token); never a secret. Stateless. */
final class AccessText {

    private static final String NL = System.lineSeparator();

    private AccessText() {
    }

    static String identity(Identity i) {
        return line("tenant:", i.tenant()) + NL + line("user:", i.user()) + NL + line("role:", i.role()) + NL
                + line("stations:", allow(i.stations())) + NL + line("deny:", deny(i.denyStations())) + NL
                + line("via:", i.via()) + NL + line("expires:", expires(i.expiresAt()));
    }

    static String tenants(List<TenantInfo> tenants) {
        final StringBuilder sb = new StringBuilder(String.format("%-32s %10s", "TENANT", "STATIONS"));
        for (TenantInfo t : tenants) {
            sb.append(NL).append(String.format("%-32s %10d", t.name(), t.stations()));
        }
        return sb.toString();
    }

    static String tenant(TenantInfo t) {
        final io.junction.client.TenantLimits l = t.limits();
        return line("tenant:", t.name()) + NL
                + line("stations:", t.stations() + limit(l.maxStations())) + NL
                + line("storage:", t.storedBytes() + " bytes" + limit(l.maxStorageBytes())) + NL
                + line("streams:", t.connections() + limit(l.maxConnections())) + NL
                + line("produce:", rate(l.maxProduceBytesPerSecond())) + NL
                + line("consume:", rate(l.maxConsumeBytesPerSecond()));
    }

    private static String limit(Number max) {
        return max == null || max.longValue() == 0 ? " (no limit)" : " of " + max;
    }

    private static String rate(Long max) {
        return max == null || max == 0 ? "no limit" : "at most " + max + " bytes/s";
    }

    static String users(List<UserInfo> users) {
        final StringBuilder sb = new StringBuilder(String.format("%-24s %-9s %-8s %-24s %s", "USER", "ROLE",
                "PASSWORD", "STATIONS", "DENY"));
        for (UserInfo u : users) {
            sb.append(NL).append(String.format("%-24s %-9s %-8s %-24s %s", u.name(), u.role(),
                    u.hasPassword() ? "yes" : "no", allow(u.stations()), deny(u.denyStations())));
        }
        return sb.toString();
    }

    static String user(UserInfo u) {
        return line("user:", u.name()) + NL + line("tenant:", u.tenant()) + NL + line("role:", u.role()) + NL
                + line("stations:", allow(u.stations())) + NL + line("deny:", deny(u.denyStations())) + NL
                + line("password:", u.hasPassword() ? "yes" : "no (acts through tokens only)") + NL
                + line("created:", u.created().toString());
    }

    static String tokens(List<TokenInfo> tokens) {
        final StringBuilder sb = new StringBuilder(String.format("%-24s %-9s %-24s %-16s %-16s %s", "TOKEN",
                "ROLE", "STATIONS", "DENY", "CREATED_BY", "EXPIRES"));
        for (TokenInfo t : tokens) {
            sb.append(NL).append(String.format("%-24s %-9s %-24s %-16s %-16s %s", t.name(), t.role(),
                    allow(t.stations()), deny(t.denyStations()), t.createdBy(), expires(t.expiresAt())));
        }
        return sb.toString();
    }

    /** Allow patterns; none: every station. */
    static String allow(List<String> patterns) {
        return patterns.isEmpty() ? "all" : String.join(",", patterns);
    }

    static String deny(List<String> patterns) {
        return patterns.isEmpty() ? "none" : String.join(",", patterns);
    }

    static String expires(Instant at) {
        return at == null ? "never" : at.toString();
    }

    private static String line(String label, String value) {
        return String.format("%-10s %s", label, value);
    }
}
