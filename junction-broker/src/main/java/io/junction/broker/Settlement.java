package io.junction.broker;

/** What a member does with a delivery it holds; named when a settlement is refused as stale. */
public enum Settlement {
    ACK("ack"),
    NACK("nack"),
    DEAD_LETTER("dead_letter"),
    IN_PROGRESS("in_progress");

    private final String wireName;

    Settlement(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the wire and in messages. */
    public String wireName() {
        return wireName;
    }
}
