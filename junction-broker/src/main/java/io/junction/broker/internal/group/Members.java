package io.junction.broker.internal.group;

import io.junction.broker.BrokerConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A group's connected members, in round-robin order, and whether one may be handed a message now: it has credits,
 * holds less than the consumer limits (unacked messages and bytes), was handed less than a response's worth in
 * this dispatch round, and its transport takes more. It also watches how long each member's transport has taken
 * nothing, for the stall timeout.
 *
 * <p>Threads: the group's owner thread only; {@link ConsumerGroup} creates it and alone calls it.
 */
final class Members {

    /** By id, in round-robin order: a member handed a message moves to the back. */
    private final LinkedHashMap<String, Member> byId = new LinkedHashMap<>();
    private final BrokerConfig.ConsumerLimits limits;

    Members(BrokerConfig.ConsumerLimits limits) {
        this.limits = limits;
    }

    void add(Member member) {
        byId.put(member.id(), member);
    }

    void remove(Member member) {
        byId.remove(member.id());
    }

    void clear() {
        byId.clear();
    }

    /** The members, in round-robin order (a live view). */
    Collection<Member> all() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    /** Round robin: the first member that {@link #mayDeliverTo may be handed a message}, moved to the back; or null. */
    Member nextWithCredits() {
        for (Iterator<Member> it = byId.values().iterator(); it.hasNext(); ) {
            Member m = it.next();
            if (mayDeliverTo(m)) {
                it.remove();
                byId.put(m.id(), m);
                return m;
            }
        }
        return null;
    }

    /**
     * Whether {@code m} may get a message now: it has credits, holds less than the limits, was handed less than a
     * response's worth in this round, and its transport takes more.
     */
    boolean mayDeliverTo(Member m) {
        return m.credits > 0 && m.inFlight < limits.maxPrefetch() && m.inFlightBytes < limits.maxPrefetchBytes()
                && m.roundBytes < ConsumerGroup.ROUND_BYTES_PER_MEMBER && m.sink.ready();
    }

    /** Whether some member's transport takes nothing now, or did not at the last look (a tick must watch it). */
    boolean anyNotReady() {
        for (Member m : byId.values()) {
            if (m.notReadySince != 0 || !m.sink.ready()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Looks at every member's transport at {@code now} ({@link System#nanoTime()}) and returns the members whose
     * transport has taken nothing for the stall timeout (their client does not read); they stay members.
     */
    List<Member> stalled(long now) {
        List<Member> stalled = List.of();
        for (Member m : byId.values()) {
            if (m.sink.ready()) {
                m.notReadySince = 0;
            } else if (m.notReadySince == 0) {
                m.notReadySince = now;
            } else if (now - m.notReadySince >= limits.stallTimeout().toNanos()) {
                stalled = stalled.isEmpty() ? new ArrayList<>() : stalled;
                stalled.add(m);
            }
        }
        return stalled;
    }
}
