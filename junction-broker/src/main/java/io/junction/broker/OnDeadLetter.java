package io.junction.broker;

import io.junction.errors.ErrorCode;
import java.util.Locale;

/**
 * What a group in {@link Ordering#KEY} ordering does with a key whose message went to the dead-letter station
 * (PRODUCT.md, guarantee 2). Other orderings always continue.
 */
public enum OnDeadLetter {
    /** The key's later messages go on at once. The default. */
    SKIP,
    /** The key's later messages wait until the dead letter is resent (and acked) or dropped. */
    PARK;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws BrokerException INVALID_CONFIG for an unknown name */
    public static OnDeadLetter parse(String name) {
        for (OnDeadLetter o : values()) {
            if (o.wireName().equals(name)) {
                return o;
            }
        }
        throw new BrokerException(ErrorCode.INVALID_CONFIG, "on-dead-letter must be skip or park, was '" + name
                + "'");
    }
}
