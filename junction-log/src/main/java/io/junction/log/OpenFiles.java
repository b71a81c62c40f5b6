package io.junction.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A budget of open segment files shared by many logs, so that a broker with tens of thousands of stations does not
 * run out of file descriptors: once more than {@link #max()} segment files are open, the least recently used ones
 * that are idle are closed (down to nine tenths of the budget) and reopened on their next use. A segment is never
 * closed while it is read or written, while it holds writes not yet fsynced (an fsync must come through a file
 * opened before any write error), nor once it is retired (its file is being deleted or replaced; readers that hold
 * it keep the old file open).
 *
 * <p>{@link #shared()} takes half the process's open-file limit (the rest is for sockets and the JVM), at least
 * 256, unless the system property {@value #MAX_PROPERTY} sets it. Thread-safe.
 */
public final class OpenFiles {

    private static final OpenFiles SHARED = new OpenFiles(defaultMax());

    private final int max;
    private final Set<Segment> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean evicting = new AtomicBoolean();
    /**
     * After a pass that could not get back under the budget (every other file in use, unfsynced or retired), the
     * next pass waits until then ({@link System#nanoTime()}): a full pass sorts every open file, and must not run
     * on every open while nothing can be closed.
     */
    private volatile long nextPassNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicLong closedIdle = new java.util.concurrent.atomic.AtomicLong();

    /** @param max the segment files open at once beyond which idle ones are closed; at least 1 */
    public OpenFiles(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max open files must be at least 1, was " + max);
        }
        this.max = max;
    }

    /** The budget of every log whose configuration names none. */
    public static OpenFiles shared() {
        return SHARED;
    }

    public int max() {
        return max;
    }

    /** Segment files open now. */
    public int openCount() {
        return open.size();
    }

    /** Segment files closed so far because the budget was exceeded (they reopen on their next use). */
    public long closedIdle() {
        return closedIdle.get();
    }

    void opened(Segment segment) {
        open.add(segment);
        if (open.size() > max) {
            evict();
        }
    }

    void closed(Segment segment) {
        open.remove(segment);
    }

    /** Closes the least recently used idle segments until nine tenths of the budget are open (one evictor). */
    private void evict() {
        if (System.nanoTime() - nextPassNanos < 0 || !evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            // Their times of last use as of now (they move while we sort): oldest first.
            List<Used> byAge = new ArrayList<>(open.size());
            for (Segment s : open) {
                byAge.add(new Used(s, s.lastUsedNanos()));
            }
            byAge.sort(Comparator.comparingLong(Used::nanos));
            int target = max - max / 10;
            for (Used u : byAge) {
                if (open.size() <= target) {
                    break;
                }
                if (u.segment().closeIfIdle()) {
                    open.remove(u.segment());
                    closedIdle.incrementAndGet();
                }
            }
            nextPassNanos = open.size() > max ? System.nanoTime() + RETRY_NANOS : System.nanoTime();
        } finally {
            evicting.set(false);
        }
    }

    /** How long a pass that could not get under the budget holds off the next one. */
    private static final long RETRY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);

    private record Used(Segment segment, long nanos) {
    }

    /** The system property that sets {@link #shared()}'s budget (for operators, and for tests that stress it). */
    public static final String MAX_PROPERTY = "junction.max.open.files";

    /**
     * The {@value #MAX_PROPERTY} system property when set; else half the soft limit on open files of this process
     * (Linux: /proc/self/limits), at least 256; else 4096.
     */
    static int defaultMax() {
        String configured = System.getProperty(MAX_PROPERTY);
        if (configured != null) {
            try {
                return Math.max(1, Integer.parseInt(configured.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(MAX_PROPERTY + " must be a number of files, was '" + configured
                        + "'", e);
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    if (soft.equals("unlimited")) {
                        return 1 << 20;
                    }
                    return (int) Math.max(256, Math.min(Integer.MAX_VALUE, Long.parseLong(soft) / 2));
                }
            }
        } catch (IOException | RuntimeException unknown) {
            // not Linux, or unreadable: the fallback
        }
        return 4096;
    }
}
