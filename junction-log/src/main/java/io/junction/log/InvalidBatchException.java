package io.junction.log;

/** A batch handed to {@link PartitionLog#append} is malformed; nothing was stored. */
public final class InvalidBatchException extends LogException {

    private static final long serialVersionUID = 1L;

    public InvalidBatchException(String message) {
        super("invalid batch: " + message);
    }
}
