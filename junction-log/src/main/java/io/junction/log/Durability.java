package io.junction.log;

/** When an append counts as done: after its bytes are fsynced, or after they are written. */
public enum Durability {
    /**
     * An append completes only after an fsync that covers it; one fsync covers every batch appended while the
     * previous one ran (group commit). Readers never see data that is not yet durable. The default.
     */
    FSYNC,
    /**
     * An append completes once written to the file (the OS page cache); a background fsync runs every flush
     * interval. Faster, but a power loss can drop what was appended in the last interval.
     */
    INTERVAL
}
