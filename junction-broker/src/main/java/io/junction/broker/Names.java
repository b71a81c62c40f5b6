package io.junction.broker;

import io.junction.errors.ErrorCode;
import java.util.regex.Pattern;

/** The naming rule for tenants, stations, groups and connectors (PRODUCT.md): refused, never rewritten. Stateless. */
public final class Names {

    public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,127}$");

    private Names() {
    }

    /** The most characters of a member's name (free text, shown in group info). */
    static final int MAX_MEMBER_NAME = 128;

    /** {@code name} if it follows the rule, else INVALID_NAME naming {@code kind}. */
    public static String check(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BrokerException(ErrorCode.INVALID_NAME, kind + " name " + quote(name) + " is invalid: use 1 to "
                    + "128 characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit");
        }
        return name;
    }

    /** A member's name: empty, or up to {@value #MAX_MEMBER_NAME} characters without control characters. */
    static String checkMemberName(String name) {
        if (name != null && (name.length() > MAX_MEMBER_NAME || name.chars().anyMatch(Character::isISOControl))) {
            throw new BrokerException(ErrorCode.INVALID_NAME, "member name " + quote(name) + " is invalid: use up "
                    + "to " + MAX_MEMBER_NAME + " characters, no control characters");
        }
        return name;
    }

    /** {@code name} quoted for an error message: at most 64 characters of it, control characters as '?'. */
    public static String quote(String name) {
        if (name == null) {
            return "(none)";
        }
        String shown = name.length() <= 64 ? name : name.substring(0, 64) + "... (" + name.length() + " chars)";
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
