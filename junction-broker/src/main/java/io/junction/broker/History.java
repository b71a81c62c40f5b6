package io.junction.broker;

/**
 * Which records a consumer group reads on a tiered station with compaction ({@code --history}): the compacted
 * view (the default: the latest record per key, and whatever compaction has not reached yet) or the full history
 * kept in the object store (every record as it was appended, tombstones and overwritten values included). On a
 * station without compaction both are the same records.
 */
public enum History {
    COMPACTED("compacted"),
    FULL("full");

    private final String wireName;

    History(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws BrokerException INVALID_ARGUMENT for anything but compacted or full */
    public static History parse(String name) {
        for (History h : values()) {
            if (h.wireName.equals(name)) {
                return h;
            }
        }
        throw new BrokerException(io.junction.errors.ErrorCode.INVALID_ARGUMENT, "history must be compacted or "
                + "full, was '" + name + "'");
    }
}
