package io.junction.bench.compare;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A broker under test: started as a child process on loopback, driven through its own official Java client.
 * Each workload run gets a fresh broker (a new data directory), so runs do not see each other's data.
 */
interface Target extends AutoCloseable {

    String name();

    /** The broker's version, as the table prints it. */
    String version();

    /** Why this target does not run {@code w} (the harness skips the run and logs it), or null when it does. */
    default String skipReason(Workload w) {
        return null;
    }

    /** Starts the broker on a fresh {@code dataDir} with or without an fsync before each acknowledgement. */
    void start(Path dataDir, boolean fsync) throws Exception;

    /** The broker process (for its resident memory). */
    ProcessHandle process();

    /** Creates a stream (station, topic, JetStream stream) with {@code partitions} (where the broker has them). */
    void createStream(String name, int partitions) throws Exception;

    /** A producer; its sends complete when the broker acknowledged them (under the chosen durability). */
    Producer producer(String stream) throws Exception;

    /**
     * Starts a consumer in {@code group}; {@code onMessage} gets each value. With {@code ackEach} every message
     * is acknowledged on its own (queue semantics); otherwise the broker's cheapest streaming mode.
     */
    AutoCloseable consumer(String stream, String group, boolean ackEach, Consumer<byte[]> onMessage)
            throws Exception;

    /** What "no fsync before ack" and "fsync before ack" mean for this broker, for the table's notes. */
    String durabilityNote(boolean fsync);

    /** What its consumer does in a queue-semantics workload, for the table's notes. */
    String queueNote();

    /** Stops the broker (and deletes nothing: the harness removes the data directory). */
    @Override
    void close();

    interface Producer extends AutoCloseable {
        CompletableFuture<?> send(byte[] key, byte[] value);

        @Override
        void close();
    }
}
