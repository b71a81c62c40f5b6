package io.junction.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Checks, from the consumers' side, that a group never lets two members hold messages of one key at once, nor one
 * message at two members at once (issue #12). Every handler call is recorded as a {@link Hold}: when the handler
 * got the delivery and when it settled it, and whether the broker confirmed the settlement (a sync ack that
 * returned). A confirmed settlement proves the broker still counted the delivery as that member's when it arrived,
 * so the delivery was held, by the broker's own account, for the whole span [start, end]. Two such spans of one
 * key that overlap mean the broker handed out a message of a key while another member held one of it.
 * Unconfirmed settlements (stale, broker killed, nacks) prove nothing and are left out.
 *
 * <p>Also: no delivery of a message starts after a sync ack of it was confirmed (the group never delivers it
 * again), and no delivery (by its id, unique in a group across broker restarts) reaches a handler twice — at one
 * member or at two — whatever became of its settlement. Times are {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC, shared by the child JVMs.
 * Thread-safe.
 */
final class HoldChecker {

    /**
     * One handler call. {@code end}: just before the settlement was sent; {@code confirmedAt}: when its
     * confirmation came back (0: not confirmed).
     */
    record Hold(String member, String msgId, String key, int partition, long offset, long deliveryId, long start,
            long end, long confirmedAt) {
    }

    private final Queue<Hold> holds = new ConcurrentLinkedQueue<>();

    void add(Hold hold) {
        holds.add(hold);
    }

    int size() {
        return holds.size();
    }

    long confirmed() {
        return holds.stream().filter(h -> h.confirmedAt() > 0).count();
    }

    /** Parses a line {@code HOLD member msgId key partition offset deliveryId start end confirmedAt}. */
    boolean addLine(String line) {
        String[] f = line.split(" ");
        if (f.length != 10 || !f[0].equals("HOLD")) {
            return false;
        }
        add(new Hold(f[1], f[2], f[3], Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                Long.parseLong(f[7]), Long.parseLong(f[8]), Long.parseLong(f[9])));
        return true;
    }

    static String line(Hold h) {
        return "HOLD " + h.member() + " " + h.msgId() + " " + h.key() + " " + h.partition() + " " + h.offset() + " "
                + h.deliveryId() + " " + h.start() + " " + h.end() + " " + h.confirmedAt();
    }

    /** Every violation found, described; empty when none. */
    List<String> violations() {
        List<String> found = new ArrayList<>();
        Map<String, List<Hold>> byKey = new TreeMap<>();
        Map<String, Long> firstConfirm = new ConcurrentHashMap<>();
        for (Hold h : holds) {
            if (h.confirmedAt() > 0) {
                byKey.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h);
                firstConfirm.merge(h.partition() + "@" + h.offset(), h.confirmedAt(), Math::min);
            }
        }
        for (List<Hold> ofKey : byKey.values()) {
            ofKey.sort(Comparator.comparingLong(Hold::start));
            Hold longest = null;
            for (Hold h : ofKey) {
                if (longest != null && h.start() < longest.end()) {
                    boolean same = h.partition() == longest.partition() && h.offset() == longest.offset();
                    found.add((same ? "one message at two members at once: " : "two messages of one key held at "
                            + "once: ") + longest + " and " + h);
                }
                if (longest == null || h.end() > longest.end()) {
                    longest = h;
                }
            }
        }
        Map<Long, Hold> byDelivery = new java.util.HashMap<>();
        for (Hold h : holds) {
            Hold before = byDelivery.putIfAbsent(h.deliveryId(), h);
            if (before != null) {
                found.add("one delivery handed out twice: " + before + " and " + h);
            }
        }
        for (Hold h : holds) {
            Long confirmedAt = firstConfirm.get(h.partition() + "@" + h.offset());
            if (confirmedAt != null && h.start() > confirmedAt) {
                found.add("delivered again after a confirmed sync ack: " + h);
            }
        }
        return found;
    }
}
