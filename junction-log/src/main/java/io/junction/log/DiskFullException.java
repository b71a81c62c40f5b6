package io.junction.log;

import java.io.IOException;

/**
 * A write or an fsync failed because the disk is full (ENOSPC). The JDK reports that as a plain {@link IOException}
 * whose message is the operating system's text; the log recognises it in one place ({@link #recognise}), right where
 * the exception comes out of a {@link java.nio.channels.FileChannel} (appends, fsyncs, {@link DurableFiles} writes),
 * so that nothing above the log ever reads a message to tell a full disk from a broken one. The failed append left
 * nothing partial behind: the same append may succeed once space returns.
 */
public final class DiskFullException extends IOException {

    private static final long serialVersionUID = 1L;

    /** strerror(ENOSPC) on Linux and macOS, and Windows' text for ERROR_DISK_FULL. */
    private static final String[] MESSAGES = {"No space left on device", "There is not enough space on the disk"};

    DiskFullException(IOException cause) {
        super(cause.getMessage(), cause);
    }

    /** {@code e} as a {@link DiskFullException} when it says the disk is full; else {@code e} itself. */
    public static IOException recognise(IOException e) {
        if (e instanceof DiskFullException) {
            return e;
        }
        String message = e.getMessage();
        if (message != null) {
            for (String full : MESSAGES) {
                if (message.contains(full)) {
                    return new DiskFullException(e);
                }
            }
        }
        return e;
    }
}
