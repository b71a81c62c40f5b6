package io.junction.connect;

/**
 * One running connector, built by its {@link ConnectorType} for one configuration. {@link Connectors} calls
 * {@link #start()} when the connector is created, resumed or the broker starts, {@link #stop()} when it is paused,
 * deleted or the broker stops, and {@link #release()} once when it is deleted. A connector works on threads of its
 * own (named after it), retries what fails with backoff (showing the failure in {@link #status()} meanwhile), and
 * never throws out of its threads.
 */
public interface Connector {

    /** Starts working in the background and returns at once. Called at most once per instance. */
    void start();

    /**
     * Stops and returns once stopped: after it returns the connector produces, consumes and settles nothing more,
     * its threads have ended and its position is durable. Idempotent; may be called without {@link #start()}.
     */
    void stop();

    /** What {@code connector info} shows, read now; never blocks on I/O. */
    ConnectorStatus status();

    /**
     * Called once, after {@link #stop()}, when the connector is deleted: releases what it holds outside the broker
     * (a replication slot, a publication it created). Its state directory is deleted afterwards by
     * {@link Connectors}.
     *
     * @throws Exception when something could not be released; the deletion goes on and the message is returned
     *     to the caller as a warning
     */
    default void release() throws Exception {
    }
}
