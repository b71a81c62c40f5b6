package io.junction.broker;

import java.util.regex.Pattern;

/** The naming rule for tenants, stations and groups (PRODUCT.md): refused, never rewritten. Stateless. */
final class Names {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,127}$");

    private Names() {
    }

    static String check(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BrokerException(ErrorCode.INVALID_NAME, kind + " name '" + name + "' is invalid: use 1 to 128 "
                    + "characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit");
        }
        return name;
    }
}
