package io.junction.log;

import java.nio.ByteBuffer;

/**
 * Zig-zag LEB128 varints (protobuf's sint32 / sint64 encoding), used inside records. Small magnitudes, negative
 * or positive, take one byte. Stateless; thread-safe.
 */
final class Varint {

    private Varint() {
    }

    static int sizeOfInt(int value) {
        return sizeOfUnsigned(((value << 1) ^ (value >> 31)) & 0xFFFFFFFFL);
    }

    static int sizeOfLong(long value) {
        return sizeOfUnsigned((value << 1) ^ (value >> 63));
    }

    private static int sizeOfUnsigned(long v) {
        int size = 1;
        while ((v & ~0x7FL) != 0) {
            size++;
            v >>>= 7;
        }
        return size;
    }

    static void writeInt(ByteBuffer out, int value) {
        writeUnsigned(out, ((value << 1) ^ (value >> 31)) & 0xFFFFFFFFL);
    }

    static void writeLong(ByteBuffer out, long value) {
        writeUnsigned(out, (value << 1) ^ (value >> 63));
    }

    private static void writeUnsigned(ByteBuffer out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static int readInt(ByteBuffer in) {
        long raw = readUnsigned(in, 5);
        if (raw > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("varint does not fit in 32 bits");
        }
        int v = (int) raw;
        return (v >>> 1) ^ -(v & 1);
    }

    static long readLong(ByteBuffer in) {
        long v = readUnsigned(in, 10);
        return (v >>> 1) ^ -(v & 1);
    }

    private static long readUnsigned(ByteBuffer in, int maxBytes) {
        long result = 0;
        for (int i = 0; i < maxBytes; i++) {
            byte b = in.get();
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("varint longer than " + maxBytes + " bytes");
    }
}
