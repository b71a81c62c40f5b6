package io.junction.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import io.junction.client.OnDeadLetter;
import io.junction.client.Ordering;
import io.junction.client.ReceivedMessage;
import io.junction.client.StartPosition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction consume}: joins a consumer group, prints each message it receives and acks it (or nacks it, with
 * {@code --nack}), until {@code --count} messages or {@code --timeout} without a new one. Acks are sync acks: a
 * message counts as done only once the broker confirmed its ack durable, so nothing the command printed and counted
 * comes back to the group, even after a broker crash. {@code --async-ack} uses plain acks instead.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Consume messages of a station as a member of a group; each is printed, then acked.",
            "Acks are synchronous: a message counts as done only once the broker has confirmed its ack as "
                    + "durable, so the group never receives it again, even after a broker crash (use --async-ack "
                    + "for faster acks that a crash may lose, making the message come back).",
            "Exits 0 after --count messages, or when --timeout passes without a new message."})
final class ConsumeCommand implements Callable<Integer> {

    static final int MAX_PREFETCH = 100;

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;

    @Parameters(paramLabel = "STATION")
    private String station;

    @Option(names = "--group", required = true, paramLabel = "G", description = "The consumer group.")
    private String group;

    @Option(names = "--from", paramLabel = "POSITION", defaultValue = "earliest",
            converter = Converters.StartPositionConverter.class,
            description = {"Where a new group starts: earliest, latest, offset:N, time:ISO-8601 or last:N "
                    + "(default: ${DEFAULT-VALUE}).", "An existing group goes on from its own position."})
    private StartPosition from;

    @Option(names = "--ordering", paramLabel = "ORDERING", converter = Converters.OrderingConverter.class,
            completionCandidates = Converters.OrderingCandidates.class,
            description = {"The ordering of a new group: ${COMPLETION-CANDIDATES} (default: the station's).",
                "An existing group keeps the ordering it was created with."})
    private Ordering ordering;

    @Option(names = "--on-dead-letter", paramLabel = "POLICY", converter = Converters.OnDeadLetterConverter.class,
            completionCandidates = Converters.OnDeadLetterCandidates.class,
            description = {"A new group's dead-letter policy (key ordering): ${COMPLETION-CANDIDATES} (default: the "
                + "station's).", "An existing group keeps its own."})
    private OnDeadLetter onDeadLetter;

    @Option(names = "--history", paramLabel = "HISTORY", converter = Converters.HistoryConverter.class,
            completionCandidates = Converters.HistoryCandidates.class,
            description = {"The messages a new group reads: ${COMPLETION-CANDIDATES} (default: compacted).",
                "full: every message ever stored, from the object store below the compacted part (a station with "
                    + "tiering; with --from earliest, the whole history). An existing group keeps its own."})
    private io.junction.client.History history;

    @Option(names = "--dead-letter", paramLabel = "REASON",
            description = "Dead-letter every message with this reason instead of acking it (it goes to the "
                    + "station's dead-letter station; see 'junction dls').")
    private String deadLetter;

    @Option(names = "--count", paramLabel = "N",
            description = "Stop after N messages; never takes more than N from the group.")
    private Long count;

    @Option(names = "--timeout", paramLabel = "DUR", defaultValue = "5s",
            converter = Converters.DurationConverter.class,
            description = "Stop when no message arrived for this long; 0: wait forever (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Option(names = "--json", description = "Print each message as one JSON object.")
    private boolean json;

    @Option(names = "--nack", description = "Nack every message instead of acking it (it will be redelivered).")
    private boolean nack;

    @Option(names = "--async-ack", description = {"Ack without waiting for the broker to make the ack durable: "
            + "faster, but a broker crash may lose the last second of acks, and those messages are then delivered "
            + "again (never lost)."})
    private boolean asyncAck;

    @Override
    public Integer call() throws InterruptedException {
        if (count != null && count <= 0) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1, not " + count);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final AtomicLong received = new AtomicLong();
        final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        final AtomicBoolean busy = new AtomicBoolean();
        try (JunctionClient client = server.connect()) {
            client.station(station); // fails fast, with UNKNOWN_STATION or UNAVAILABLE
            final SchemaCodec codec = new SchemaCodec(client);
            final Consumer.Builder builder = client.consumer(station, group).startPosition(from).ordering(ordering)
                    .onDeadLetter(onDeadLetter).history(history)
                    .prefetch(count == null ? MAX_PREFETCH : (int) Math.min(count, MAX_PREFETCH))
                    .memberName("junction-cli")
                    .handler(m -> {
                        busy.set(true);
                        try {
                            synchronized (out) {
                                final String decoded = codec.decode(m);
                                out.println(json ? Json.message(m, decoded) : describe(m, decoded));
                                out.flush();
                            }
                            if (settle(m)) {
                                received.incrementAndGet();
                            }
                        } finally {
                            lastActivity.set(System.nanoTime());
                            busy.set(false);
                        }
                    });
            if (count != null) {
                builder.maxMessages(count);
            }
            final Consumer consumer = builder.build().start();
            try {
                await(consumer, received, lastActivity, busy);
            } finally {
                consumer.close();
            }
        }
        return 0;
    }

    /**
     * Nacks, acks or sync-acks {@code m}; false when a sync ack was not confirmed (the stream broke first): the
     * message then does not count, as the group may deliver it again.
     */
    private boolean settle(ReceivedMessage m) {
        if (nack) {
            m.nack();
        } else if (deadLetter != null) {
            m.deadLetter(deadLetter);
        } else if (asyncAck) {
            m.ack();
        } else {
            try {
                m.ackSync();
            } catch (JunctionException e) {
                final PrintWriter err = spec.commandLine().getErr();
                err.println("ack of " + m.partition() + "@" + m.offset() + " not confirmed: " + e);
                err.flush();
                return false;
            }
        }
        return true;
    }

    /** Until --count messages are done, the consumer stops, or --timeout passes with the handler idle. */
    private void await(Consumer consumer, AtomicLong received, AtomicLong lastActivity, AtomicBoolean busy)
            throws InterruptedException {
        final long timeoutNanos = timeout.toNanos();
        while (count == null || received.get() < count) {
            try {
                consumer.termination().get(20, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof JunctionException ? (JunctionException) e.getCause()
                        : new IllegalStateException(e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                // Still consuming.
            }
            if (timeoutNanos > 0 && !busy.get() && System.nanoTime() - lastActivity.get() >= timeoutNanos) {
                return;
            }
        }
    }

    /** One line per message; {@code decoded}: the value as JSON when its schema has a binary form, else null. */
    static String describe(ReceivedMessage m, String decoded) {
        return describe(m.partition(), m.offset(), m.key(), m.headers(), m.deliveries(), m.isTombstone(), m.value(),
                decoded);
    }

    /** One line per message, as {@code consume} and {@code station browse} print them (deliveries 0: not shown). */
    static String describe(int partition, long offset, byte[] key, Map<String, byte[]> headers, int deliveries,
            boolean tombstone, byte[] value, String decoded) {
        final StringBuilder sb = new StringBuilder().append(partition).append('@').append(offset);
        if (key != null) {
            sb.append(" key=").append(text(key));
        }
        for (Map.Entry<String, byte[]> h : headers.entrySet()) {
            sb.append(' ').append(h.getKey()).append('=').append(text(h.getValue()));
        }
        if (deliveries > 1) {
            sb.append(" (delivery ").append(deliveries).append(')');
        }
        return sb.append(": ").append(tombstone ? "(tombstone)" : decoded != null ? decoded : text(value))
                .toString();
    }

    private static String text(byte[] bytes) {
        final String s = Json.utf8(bytes);
        return s != null ? s : "base64:" + java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
