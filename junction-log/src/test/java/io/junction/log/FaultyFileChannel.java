package io.junction.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file channel that can misbehave on cue, for fault tests. It remembers, per file, how many bytes the last
 * completed fsync covered ({@link Faults#forcedSize}), so a test can throw away everything that was not
 * fsynced — what a power loss does to the page cache.
 */
final class FaultyFileChannel extends FileChannel {

    /** Shared switches for every channel an {@link #opener} opened. Thread-safe. */
    static final class Faults {
        final Map<Path, AtomicLong> forcedSize = new ConcurrentHashMap<>();
        /** How many fsyncs each file had. */
        final Map<Path, AtomicLong> forces = new ConcurrentHashMap<>();
        /** When set, every write and fsync fails: the machine is off. */
        volatile boolean powerCut;
        /** Bytes the disk still takes; a write beyond it writes what fits, then fails with ENOSPC. */
        final AtomicLong spaceLeft = new AtomicLong(Long.MAX_VALUE);
        /** When set, an fsync fails (as fsync does after a lost write on a bad disk). */
        volatile boolean failForce;
        /** When not null, fsync waits for it before doing anything (to hold appends "not yet durable"). */
        volatile CountDownLatch forceGate;

        long forcedSize(Path file) {
            AtomicLong size = forcedSize.get(file);
            return size == null ? 0 : size.get();
        }
    }

    private final FileChannel delegate;
    private final Path file;
    private final Faults faults;

    private FaultyFileChannel(FileChannel delegate, Path file, Faults faults) {
        this.delegate = delegate;
        this.file = file;
        this.faults = faults;
    }

    static ChannelOpener opener(Faults faults) {
        return (Path file, OpenOption... options) ->
                new FaultyFileChannel(FileChannel.open(file, options), file.toAbsolutePath(), faults);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (faults.powerCut) {
            throw new IOException("power cut");
        }
        int wanted = src.remaining();
        long allowed = faults.spaceLeft.get();
        if (allowed < wanted) {
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int) Math.max(0, allowed));
            int written = delegate.write(part, position);
            src.position(src.position() + written);
            faults.spaceLeft.addAndGet(-written);
            throw new IOException("No space left on device");
        }
        int written = delegate.write(src, position);
        faults.spaceLeft.addAndGet(-written);
        return written;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        CountDownLatch gate = faults.forceGate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        if (faults.powerCut || faults.failForce) {
            throw new IOException(faults.powerCut ? "power cut" : "fsync failed (injected)");
        }
        long size = delegate.size();
        delegate.force(metaData);
        faults.forces.computeIfAbsent(file, f -> new AtomicLong()).incrementAndGet();
        // fsyncs may overlap (the flusher's and a roll's): what is durable is the most any completed one covered
        faults.forcedSize.computeIfAbsent(file, f -> new AtomicLong()).accumulateAndGet(size, Math::max);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (faults.powerCut) {
            throw new IOException("power cut");
        }
        delegate.truncate(size);
        faults.forcedSize.computeIfAbsent(file, f -> new AtomicLong()).getAndUpdate(s -> Math.min(s, size));
        return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        throw new UnsupportedOperationException("the log writes at explicit positions only");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("the log writes at explicit positions only");
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
