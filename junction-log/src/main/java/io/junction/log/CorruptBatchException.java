package io.junction.log;

/**
 * A stored batch failed its checksum or structure check when read. The log never returns such a batch; the
 * reader gets this exception instead, naming the segment and position.
 */
public final class CorruptBatchException extends LogException {

    private static final long serialVersionUID = 1L;

    public CorruptBatchException(String message) {
        super(message);
    }
}
