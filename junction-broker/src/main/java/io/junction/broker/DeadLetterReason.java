package io.junction.broker;

import java.util.Locale;

/** Why a message went to the dead-letter station. */
public enum DeadLetterReason {
    /** The group delivered it max-deliveries times and it was never acked. */
    MAX_DELIVERIES,
    /** A consumer dead-lettered it explicitly (its reason is the dead letter's error text). */
    CONSUMER,
    /** The value broke the station's schema (issue #6). */
    SCHEMA_VIOLATION;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeadLetterReason parse(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
