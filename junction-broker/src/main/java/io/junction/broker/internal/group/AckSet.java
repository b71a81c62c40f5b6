package io.junction.broker.internal.group;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The offsets a group has acked above its ack floor, as a bitmap: one bit per offset from a base that follows the
 * floor up (as NATS keeps a consumer's acks: a floor plus what is acked above it). An ack costs a bit, not an
 * object; a million acks above one stuck message take 125 KB, not a tree of a million boxed longs. The words
 * below the lowest offset still wanted are dropped as the floor moves, so the bitmap spans only the window between
 * the floor and the highest ack.
 *
 * <p>Not thread-safe: the group's owner only.
 */
final class AckSet {

    private static final long[] NONE = new long[0];

    /** The offset of bit 0 of {@code words[0]}; a multiple of 64. */
    private long base;
    private long[] words = NONE;
    private int size;

    /** Adds {@code offset}; false when it was there. Offsets below what {@link #clearBelow} dropped are refused. */
    boolean add(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset);
        }
        if (words.length == 0) {
            base = offset & ~63L;
        } else if (offset < base) {
            grow(offset); // below the window: move the base down (the floor is below it)
        }
        long bit = offset - base;
        int word = (int) (bit >>> 6);
        if (word >= words.length) {
            words = Arrays.copyOf(words, Math.max(word + 1, words.length * 2));
        }
        long mask = 1L << (bit & 63);
        if ((words[word] & mask) != 0) {
            return false;
        }
        words[word] |= mask;
        size++;
        return true;
    }

    private void grow(long offset) {
        long newBase = offset & ~63L;
        int shift = (int) ((base - newBase) >>> 6);
        long[] moved = new long[words.length + shift];
        System.arraycopy(words, 0, moved, shift, words.length);
        words = moved;
        base = newBase;
    }

    boolean contains(long offset) {
        long bit = offset - base;
        if (bit < 0) {
            return false;
        }
        long word = bit >>> 6;
        return word < words.length && (words[(int) word] & (1L << (bit & 63))) != 0;
    }

    boolean remove(long offset) {
        if (!contains(offset)) {
            return false;
        }
        long bit = offset - base;
        words[(int) (bit >>> 6)] &= ~(1L << (bit & 63));
        size--;
        return true;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** How many offsets below {@code offset} are in the set. */
    int countBelow(long offset) {
        long bit = offset - base;
        if (bit <= 0 || size == 0) {
            return 0;
        }
        int full = (int) Math.min(words.length, bit >>> 6);
        int count = 0;
        for (int i = 0; i < full; i++) {
            count += Long.bitCount(words[i]);
        }
        if (full < words.length && (bit & 63) != 0) {
            count += Long.bitCount(words[full] & ((1L << (bit & 63)) - 1));
        }
        return count;
    }

    /** Removes every offset below {@code offset}, and lets the window start there. */
    void clearBelow(long offset) {
        long bit = offset - base;
        if (bit <= 0) {
            return;
        }
        if (bit >>> 6 >= words.length) {
            words = NONE;
            size = 0;
            base = offset & ~63L;
            return;
        }
        size -= countBelow(offset);
        int full = (int) (bit >>> 6);
        Arrays.fill(words, 0, full, 0L);
        if ((bit & 63) != 0) {
            words[full] &= -(1L << (bit & 63));
        }
        // Drop the words below, once they are half of the array: amortized O(1) per word.
        if (full > 0 && full * 2 >= words.length) {
            words = Arrays.copyOfRange(words, full, Math.max(full + 1, words.length));
            base += (long) full << 6;
        }
    }

    /**
     * Moves a floor up over the offsets in the set right above it: returns the first offset at or above {@code
     * floor} that is not in the set, and removes the ones passed over.
     */
    long advance(long floor) {
        long next = floor;
        while (true) {
            long bit = next - base;
            if (bit < 0 || (bit >>> 6) >= words.length) {
                break;
            }
            int word = (int) (bit >>> 6);
            long above = words[word] >>> (bit & 63); // bit 0 = next
            if (above == -1L >>> (bit & 63)) {
                next += 64 - (bit & 63); // the rest of the word is all set
                continue;
            }
            next += Long.numberOfTrailingZeros(~above);
            break;
        }
        if (next > floor) {
            clearBelow(next);
        }
        return next;
    }

    /** Every offset in the set, ascending. */
    void forEach(LongConsumer action) {
        for (int i = 0; i < words.length; i++) {
            long w = words[i];
            while (w != 0) {
                int b = Long.numberOfTrailingZeros(w);
                action.accept(base + ((long) i << 6) + b);
                w &= w - 1;
            }
        }
    }
}
