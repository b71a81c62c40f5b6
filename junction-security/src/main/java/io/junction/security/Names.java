package io.junction.security;

import java.util.regex.Pattern;

import io.junction.errors.ErrorCode;

/** The naming rule of users and tokens: that of tenants and stations (PRODUCT.md). Stateless. */
final class Names {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,127}$");

    private Names() {
    }

    static String check(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new AccessException(ErrorCode.INVALID_NAME, kind + " name " + quote(name) + " is invalid: use 1 "
                    + "to 128 characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit");
        }
        return name;
    }

    /** {@code name} quoted for an error message: at most 64 characters of it, control characters as '?'. */
    static String quote(String name) {
        if (name == null) {
            return "(none)";
        }
        String shown = name.length() <= 64 ? name : name.substring(0, 64) + "... (" + name.length() + " chars)";
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
