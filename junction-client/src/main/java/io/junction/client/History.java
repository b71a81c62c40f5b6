package io.junction.client;

/**
 * Which messages a consumer group reads on a station with tiering and compaction: the compacted view (the default:
 * the latest message per key) or the full history kept in the object store (every message ever stored, overwritten
 * values and tombstones included). On a station without compaction both are the same messages. A group keeps the
 * history it was created with.
 */
public enum History {
    /** The station's own view. The broker's default. */
    COMPACTED,
    /** Every message ever stored: needs a station with tiering. */
    FULL;

    /** The name on the wire and in the CLI: {@code compacted} or {@code full}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The history of that wire name; null for {@code ""}, null, or a name this client does not know. */
    static History fromWireName(String name) {
        for (History h : values()) {
            if (h.wireName().equals(name)) {
                return h;
            }
        }
        return null;
    }
}
