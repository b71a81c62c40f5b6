package io.junction.client;

/**
 * How a consumer group orders the messages it hands out. A station's ordering is the default of the groups
 * created on it; a group keeps the ordering it was created with.
 */
public enum Ordering {
    /**
     * At most one message per key in flight in the group, handed out in offset order: the next message of a key
     * waits until the previous one is acked (redeliveries keep their place). Keyless messages go in parallel.
     * The broker's default.
     */
    KEY,
    /**
     * One active member per partition: all of a partition's messages go to the member that took it, until it
     * leaves or stops acking (then another member takes over, with what it held first).
     */
    PARTITION,
    /** No ordering: messages go to the members in parallel as their prefetch allows. */
    NONE;

    /** The name on the wire and in the CLI: {@code key}, {@code partition} or {@code none}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The ordering of that wire name; null for {@code ""} or null (the default applies). */
    static Ordering fromWireName(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        for (Ordering o : values()) {
            if (o.wireName().equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown ordering '" + name + "'");
    }
}
