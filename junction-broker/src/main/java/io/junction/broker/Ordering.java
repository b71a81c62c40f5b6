package io.junction.broker;

import io.junction.errors.ErrorCode;
import java.util.Locale;

/** How a consumer group orders the messages it hands out (PRODUCT.md, "ordering in a group"). */
public enum Ordering {
    /**
     * At most one message per key in flight in the group, handed out in offset order; the next message of a key
     * waits until the previous one is acked (redeliveries keep their place). Keyless messages go in parallel.
     * The default.
     */
    KEY,
    /**
     * One active member per partition: all of a partition's messages go to the member that took it, until it
     * leaves or one of its messages times out (failover: what it held goes back in line, first, for the next
     * member). Members beyond the number of partitions stand by.
     */
    PARTITION,
    /** No ordering: messages go to members in parallel as credits allow. */
    NONE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws BrokerException INVALID_CONFIG for an unknown name */
    public static Ordering parse(String name) {
        for (Ordering o : values()) {
            if (o.wireName().equals(name)) {
                return o;
            }
        }
        throw new BrokerException(ErrorCode.INVALID_CONFIG, "ordering must be key, partition or none, was '" + name
                + "'");
    }
}
