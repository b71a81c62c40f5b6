package io.junction.security;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.junction.errors.ErrorCode;

/**
 * Which stations of its tenant a user or token may use: allow patterns (none: every station) and deny patterns,
 * which beat every allow pattern. A pattern is a station name, or a glob where {@code *} stands for any characters
 * ({@code hr.*}, {@code *-eu}). Immutable.
 */
public record StationRules(List<String> allow, List<String> deny) {

    /** The most patterns of each kind. */
    public static final int MAX_PATTERNS = 64;
    private static final Pattern PATTERN = Pattern.compile("^[a-z0-9_.*-]{1,128}$");

    public static final StationRules ALL = new StationRules(List.of(), List.of());

    public StationRules {
        allow = checked(allow);
        deny = checked(deny);
    }

    private static List<String> checked(List<String> patterns) {
        if (patterns == null) {
            return List.of();
        }
        if (patterns.size() > MAX_PATTERNS) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, patterns.size() + " station patterns, more than "
                    + "the limit of " + MAX_PATTERNS);
        }
        for (String p : patterns) {
            if (p == null || !PATTERN.matcher(p).matches()) {
                throw new AccessException(ErrorCode.INVALID_ARGUMENT, "station pattern " + Names.quote(p)
                        + " is invalid: a station name, or one with '*' for any characters (e.g. 'hr.*')");
            }
        }
        return List.copyOf(patterns);
    }

    /** Whether a station of that name may be used: no deny pattern matches it, and some allow pattern does. */
    public boolean permits(String station) {
        for (String p : deny) {
            if (matches(p, station)) {
                return false;
            }
        }
        if (allow.isEmpty()) {
            return true;
        }
        for (String p : allow) {
            if (matches(p, station)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the rules are narrower than "every station". */
    public boolean restricted() {
        return !allow.isEmpty() || !deny.isEmpty();
    }

    /** Glob match, '*' for any run of characters; linear in practice (patterns hold few stars). */
    static boolean matches(String pattern, String name) {
        if (name == null) {
            return false;
        }
        List<String> parts = new ArrayList<>(List.of(pattern.split("\\*", -1)));
        if (parts.size() == 1) {
            return pattern.equals(name);
        }
        String first = parts.get(0);
        String last = parts.get(parts.size() - 1);
        if (!name.startsWith(first) || !name.endsWith(last) || name.length() < first.length() + last.length()) {
            return false;
        }
        int at = first.length();
        int end = name.length() - last.length();
        for (String middle : parts.subList(1, parts.size() - 1)) {
            int found = name.indexOf(middle, at);
            if (found < 0 || found + middle.length() > end) {
                return false;
            }
            at = found + middle.length();
        }
        return true;
    }
}
