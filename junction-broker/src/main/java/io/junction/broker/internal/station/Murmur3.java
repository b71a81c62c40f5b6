package io.junction.broker.internal.station;

/**
 * MurmurHash3, x86 32-bit variant, seed 0: the stable hash that maps a key to its partition. Every client and
 * every version of the broker must agree on it, so it is written out here rather than borrowed. Stateless.
 */
public final class Murmur3 {

    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private Murmur3() {
    }

    public static int hash32(byte[] data) {
        int h = 0;
        int length = data.length;
        int blocks = length / 4;
        for (int i = 0; i < blocks; i++) {
            int k = (data[4 * i] & 0xff) | (data[4 * i + 1] & 0xff) << 8 | (data[4 * i + 2] & 0xff) << 16
                    | (data[4 * i + 3] & 0xff) << 24;
            k *= C1;
            k = Integer.rotateLeft(k, 15);
            k *= C2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = blocks * 4;
        int rest = length & 3;
        if (rest == 3) {
            k ^= (data[tail + 2] & 0xff) << 16;
        }
        if (rest >= 2) {
            k ^= (data[tail + 1] & 0xff) << 8;
        }
        if (rest >= 1) {
            k ^= data[tail] & 0xff;
            k *= C1;
            k = Integer.rotateLeft(k, 15);
            k *= C2;
            h ^= k;
        }
        h ^= length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** The partition of {@code key} among {@code partitions}. */
    public static int partitionOf(byte[] key, int partitions) {
        return (hash32(key) & 0x7fffffff) % partitions;
    }
}
