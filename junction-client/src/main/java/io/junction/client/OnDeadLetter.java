package io.junction.client;

/**
 * What a group in {@link Ordering#KEY} ordering does with a key whose message went to the dead-letter station. A
 * station's setting is the default of the groups created on it; a group keeps the one it was created with.
 */
public enum OnDeadLetter {
    /** The key's later messages go on at once. The broker's default. */
    SKIP,
    /** The key's later messages wait until the dead letter is resent (and acked) or dropped. */
    PARK;

    /** The name on the wire and in the CLI: {@code skip} or {@code park}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The policy of that wire name; null for {@code ""}, null, or a name this client does not know. */
    static OnDeadLetter fromWireName(String name) {
        for (OnDeadLetter o : values()) {
            if (o.wireName().equals(name)) {
                return o;
            }
        }
        return null;
    }
}
