package io.junction.broker.internal.group;

import io.junction.broker.DeliveryRef;
import io.junction.broker.MessageRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A group's deliveries waiting for their settlement, at most one per message. A delivery is current while the
 * table maps its message to it; a settlement acts only on a current delivery of the member that names it, with
 * its delivery id ({@link #held}). Whatever takes a delivery out — a settlement, its deadline, its member leaving,
 * a failover — takes it off its member's counts of unacked messages and bytes. Used by the group's owner thread
 * only.
 */
final class InFlightTable {

    private final Map<MessageRef, InFlight> byMessage = new HashMap<>();

    /** {@code f} is out now; its member's counts go up. */
    void add(InFlight f) {
        byMessage.put(f.ref, f);
        f.member.inFlight++;
        f.member.inFlightBytes += f.bytes;
    }

    boolean isEmpty() {
        return byMessage.isEmpty();
    }

    int size() {
        return byMessage.size();
    }

    /** Whether a delivery of {@code ref} is out. */
    boolean contains(MessageRef ref) {
        return byMessage.containsKey(ref);
    }

    /** Whether {@code f} is still the delivery out for its message (not settled, timed out or taken back). */
    boolean isCurrent(InFlight f) {
        return byMessage.get(f.ref) == f;
    }

    /** The delivery {@code ref} names, when {@code member} holds it now; else null. */
    InFlight held(Member member, DeliveryRef ref) {
        InFlight f = byMessage.get(new MessageRef(ref.partition(), ref.offset()));
        return f != null && f.member == member && f.deliveryId == ref.deliveryId() ? f : null;
    }

    /** As {@link #held}, and takes it out. */
    InFlight take(Member member, DeliveryRef ref) {
        InFlight f = held(member, ref);
        if (f != null) {
            byMessage.remove(f.ref);
            released(f);
        }
        return f;
    }

    /** Takes out every delivery {@code which} selects, and returns them. */
    List<InFlight> takeAll(Predicate<InFlight> which) {
        List<InFlight> taken = new ArrayList<>();
        for (Iterator<InFlight> it = byMessage.values().iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (which.test(f)) {
                it.remove();
                released(f);
                taken.add(f);
            }
        }
        return taken;
    }

    void forEach(Consumer<InFlight> action) {
        byMessage.values().forEach(action);
    }

    private static void released(InFlight f) {
        f.member.inFlight--;
        f.member.inFlightBytes -= f.bytes;
    }
}
