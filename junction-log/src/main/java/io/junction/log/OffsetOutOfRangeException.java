package io.junction.log;

/** A read asked for an offset below the first offset or above the next offset of the log. */
public final class OffsetOutOfRangeException extends LogException {

    private static final long serialVersionUID = 1L;

    private final long requested;
    private final long firstOffset;
    private final long nextOffset;

    public OffsetOutOfRangeException(long requested, long firstOffset, long nextOffset) {
        super("offset " + requested + " is out of range [" + firstOffset + ", " + nextOffset + "]");
        this.requested = requested;
        this.firstOffset = firstOffset;
        this.nextOffset = nextOffset;
    }

    public long requested() {
        return requested;
    }

    public long firstOffset() {
        return firstOffset;
    }

    public long nextOffset() {
        return nextOffset;
    }
}
