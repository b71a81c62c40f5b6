package io.junction.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The disk's own limits, measured the way the log uses the disk: sequential appends to one file, each followed
 * by {@code fdatasync} ({@link FileChannel#force force(false)}). These are the figures the log's throughput is
 * compared with.
 */
public final class DiskProbe {

    private DiskProbe() {
    }

    /** MB/s of sequential writes of {@code writeBytes} each followed by fdatasync, for {@code seconds}. */
    public static double sequentialFdatasyncMBps(Path dir, int writeBytes, double seconds) throws IOException {
        Path file = dir.resolve("probe-seq.dat");
        byte[] data = new byte[writeBytes];
        ThreadLocalRandom.current().nextBytes(data);
        ByteBuffer buffer = ByteBuffer.wrap(data);
        long written = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (System.nanoTime() < end) {
                buffer.rewind();
                while (buffer.hasRemaining()) {
                    written += channel.write(buffer, written);
                }
                channel.force(false);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(file);
        return written / elapsed / 1e6;
    }

    /** fdatasyncs per second, each after appending {@code writeBytes} to the same file. */
    public static double fdatasyncsPerSecond(Path dir, int writeBytes, double seconds) throws IOException {
        Path file = dir.resolve("probe-sync.dat");
        ByteBuffer buffer = ByteBuffer.allocate(writeBytes);
        long ops = 0;
        long position = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (System.nanoTime() < end) {
                buffer.rewind();
                position += channel.write(buffer, position);
                channel.force(false);
                ops++;
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(file);
        return ops / elapsed;
    }
}
