package io.junction.broker;

/**
 * When a produce is acknowledged: after its bytes are fsynced, or once they are written. The broker's own name for
 * the setting, so that the server and the CLI configure it without the storage engine's types; each station's
 * partition logs get the log's {@code io.junction.log.Durability} of the same name. Immutable.
 */
public enum Durability {
    /**
     * A produce is acknowledged only after an fsync that covers it (one fsync covers every batch appended while
     * the previous one ran). Consumers never see data that is not yet durable. The default.
     */
    FSYNC,
    /**
     * A produce is acknowledged once written to the file (the OS page cache); a background fsync runs every flush
     * interval. Faster, but a power loss can drop what was acknowledged in the last interval.
     */
    INTERVAL
}
