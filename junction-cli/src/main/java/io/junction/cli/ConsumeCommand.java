package io.junction.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
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
 * {@code --nack}), until {@code --count} messages or {@code --timeout} without a new one.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Consume messages of a station as a member of a group; each is printed, then acked.",
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

    @Override
    public Integer call() throws InterruptedException {
        if (count != null && count <= 0) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1, not " + count);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final AtomicLong received = new AtomicLong();
        final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        try (JunctionClient client = server.connect()) {
            client.station(station); // fails fast, with UNKNOWN_STATION or UNAVAILABLE
            final Consumer.Builder builder = client.consumer(station, group).startPosition(from)
                    .prefetch(count == null ? MAX_PREFETCH : (int) Math.min(count, MAX_PREFETCH))
                    .memberName("junction-cli")
                    .handler(m -> {
                        synchronized (out) {
                            out.println(json ? Json.message(m) : describe(m));
                            out.flush();
                        }
                        if (nack) {
                            m.nack();
                        } else {
                            m.ack();
                        }
                        received.incrementAndGet();
                        lastActivity.set(System.nanoTime());
                    });
            if (count != null) {
                builder.maxMessages(count);
            }
            final Consumer consumer = builder.build().start();
            try {
                await(consumer, received, lastActivity);
            } finally {
                consumer.close();
            }
        }
        return 0;
    }

    private void await(Consumer consumer, AtomicLong received, AtomicLong lastActivity) throws InterruptedException {
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
            if (timeoutNanos > 0 && System.nanoTime() - lastActivity.get() >= timeoutNanos) {
                return;
            }
        }
    }

    static String describe(ReceivedMessage m) {
        final StringBuilder sb = new StringBuilder().append(m.partition()).append('@').append(m.offset());
        if (m.key() != null) {
            sb.append(" key=").append(text(m.key()));
        }
        for (Map.Entry<String, byte[]> h : m.headers().entrySet()) {
            sb.append(' ').append(h.getKey()).append('=').append(text(h.getValue()));
        }
        if (m.deliveries() > 1) {
            sb.append(" (delivery ").append(m.deliveries()).append(')');
        }
        return sb.append(": ").append(text(m.value())).toString();
    }

    private static String text(byte[] bytes) {
        final String s = Json.utf8(bytes);
        return s != null ? s : "base64:" + java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
