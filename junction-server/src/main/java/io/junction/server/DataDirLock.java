package io.junction.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Holds the data directory for one server: an exclusive OS lock on {@code DATA/.lock}, so that a second server
 * (in this or another process) started on the same directory stops before it reads or writes anything. The OS
 * drops the lock when the process dies, so a crash never leaves a stale lock behind; the file itself stays, as
 * deleting it would let two servers lock two different files of the same name.
 *
 * <p>Servers in the same JVM are kept apart before the file is even opened: POSIX drops all of a process's locks
 * on a file when any descriptor of that file is closed, so merely probing an already locked file from a second
 * channel would silently unlock it for other processes.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread, more than once.
 */
final class DataDirLock implements AutoCloseable {

    static final String LOCK_FILE_NAME = ".lock";

    /** Real paths of the directories locked by this JVM. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path realDir;
    private final FileChannel channel;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DataDirLock(Path dir, Path realDir, FileChannel channel) {
        this.dir = dir;
        this.realDir = realDir;
        this.channel = channel;
    }

    /**
     * Creates the directory if missing and locks it.
     *
     * @throws StartupException if the directory cannot be created or written, or another server holds it
     */
    static DataDirLock acquire(Path dataDir) {
        final Path dir = dataDir.toAbsolutePath().normalize();
        final Path realDir = createDirectory(dir);
        if (!HELD.add(realDir)) {
            throw inUse(dir);
        }
        FileChannel channel = null;
        try {
            channel = openLockFile(dir);
            if (channel.tryLock() == null) {
                throw inUse(dir);
            }
            return new DataDirLock(dir, realDir, channel);
        } catch (IOException e) {
            throw release(realDir, channel, new StartupException("cannot lock data directory " + dir + ": "
                    + reason(e), e));
        } catch (RuntimeException e) {
            throw release(realDir, channel, e);
        }
    }

    /** The absolute, normalized data directory. */
    Path dir() {
        return dir;
    }

    /** Releases the lock (closing the channel does that); only the first call has an effect. */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            try {
                channel.close();
            } finally {
                HELD.remove(realDir);
            }
        }
    }

    private static StartupException inUse(Path dir) {
        return new StartupException("data directory " + dir + " is in use by another Junction server"
                + " (it holds the lock on " + dir.resolve(LOCK_FILE_NAME) + ")");
    }

    /** Returns the directory's real path, the same whichever symlink or relative path led to it. */
    private static Path createDirectory(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new StartupException("data directory " + dir + " is a file, not a directory");
        }
        try {
            return Files.createDirectories(dir).toRealPath();
        } catch (FileAlreadyExistsException e) {
            throw new StartupException("cannot create data directory " + dir + ": " + e.getFile()
                    + " is a file, not a directory", e);
        } catch (IOException e) {
            throw new StartupException("cannot create data directory " + dir + ": " + reason(e), e);
        }
    }

    private static FileChannel openLockFile(Path dir) {
        try {
            return FileChannel.open(dir.resolve(LOCK_FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StartupException("cannot write in data directory " + dir + ": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return e instanceof AccessDeniedException ? "permission denied" : e.toString();
    }

    /** Undoes a half-done {@link #acquire} and returns {@code failure} for the caller to throw. */
    private static RuntimeException release(Path realDir, FileChannel channel, RuntimeException failure) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        } finally {
            HELD.remove(realDir);
        }
        return failure;
    }
}
