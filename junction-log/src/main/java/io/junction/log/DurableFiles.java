package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe replacement of small files (settings, indexes, snapshots), for the log and for the broker's own
 * state: write {@code NAME.tmp}, fsync it, rename it over {@code NAME}, fsync the directory. After a crash the
 * file is either the old one or the new one, never a mix; a leftover {@code .tmp} is the caller's to delete on
 * open. Stateless; thread-safe.
 */
public final class DurableFiles {

    /** Suffix of a file being written; a file with it is an unfinished write. */
    public static final String TEMP_SUFFIX = ".tmp";

    private DurableFiles() {
    }

    public static void write(Path target, byte[] content) throws IOException {
        write(target, ByteBuffer.wrap(content));
    }

    public static void write(Path target, ByteBuffer content) throws IOException {
        write(target, content, false);
    }

    /**
     * As {@link #write(Path, byte[])}, for a file only its owner may read or write (mode 0600 where the file system
     * has POSIX permissions): the temp file is created so, before any byte is in it.
     */
    public static void writePrivate(Path target, byte[] content) throws IOException {
        write(target, ByteBuffer.wrap(content), true);
    }

    private static void write(Path target, ByteBuffer content, boolean ownerOnly) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        java.util.Set<java.nio.file.OpenOption> options = java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        java.nio.file.attribute.FileAttribute<?>[] attributes = {};
        if (ownerOnly) {
            Files.deleteIfExists(temp); // created afresh, so that it has the mode from its first byte
            if (target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                attributes = new java.nio.file.attribute.FileAttribute<?>[] {
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))};
            }
        }
        try (FileChannel channel = FileChannel.open(temp, options, attributes)) {
            while (content.hasRemaining()) {
                channel.write(content);
            }
            channel.force(true);
        } catch (IOException e) {
            throw DiskFullException.recognise(e);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
    }

    /** Makes the directory's entries (created, renamed, deleted files) durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
