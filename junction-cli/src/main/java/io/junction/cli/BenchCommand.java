package io.junction.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import io.junction.client.Message;
import io.junction.client.Producer;
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
 * {@code junction bench}: produces (and consumes) synthetic messages against an existing station and reports
 * throughput and latency, after {@code kafka-producer-perf-test} and {@code nats bench}. Each message carries its
 * send time ({@link System#nanoTime()} of this process) in the first 8 bytes of its value (in a header when the
 * value is shorter), so the consumers of this process measure end-to-end latency.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark a station: produce (and consume) synthetic messages, then report msgs/s, MB/s "
                + "and latency percentiles of produce acks and end to end.",
            "Prints a progress line per second to standard error and the report to standard output."})
final class BenchCommand implements Callable<Integer> {

    static final String TIME_HEADER = "bench-sent-nanos";
    private static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
    /** After producing, how long consumers may go without progress, and how long they may take in all. */
    private static final long CATCH_UP_NANOS = 5_000_000_000L;
    private static final long MAX_CATCH_UP_NANOS = 15_000_000_000L;

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;

    @Parameters(paramLabel = "STATION", description = "An existing station.")
    private String station;

    @Option(names = "--duration", paramLabel = "DUR", converter = Converters.DurationConverter.class,
            description = "Produce for this long (default: 10s, or until --count when only that is given).")
    private Duration duration;

    @Option(names = "--count", paramLabel = "N", description = "Produce N messages (or fewer, if --duration ends "
            + "first).")
    private Long count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "1024", converter = Converters.SizeConverter.class,
            description = "The size of each message's value (default: ${DEFAULT-VALUE}).")
    private long size;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
            description = "Messages per second across all producers, spread evenly; 0: as fast as possible "
                    + "(default: ${DEFAULT-VALUE}).")
    private long rate;

    @Option(names = "--producers", paramLabel = "N", defaultValue = "1",
            description = "Producers, each with its own stream (default: ${DEFAULT-VALUE}).")
    private int producers;

    @Option(names = "--consumers", paramLabel = "N", defaultValue = "1",
            description = "Consumers in the group; 0: produce only (default: ${DEFAULT-VALUE}).")
    private int consumers;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "0",
            description = "Distinct keys, used in turn; 0: keyless messages (default: ${DEFAULT-VALUE}).")
    private int keys;

    @Option(names = "--ack", paramLabel = "MODE", defaultValue = "async",
            description = "How consumers ack: sync (wait until durable) or async (default: ${DEFAULT-VALUE}).")
    private String ack;

    @Option(names = "--group", paramLabel = "G", description = "The consumer group (default: a new group "
            + "bench-<random>, created at latest before producing, so consumers read what this run produces).")
    private String group;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    private boolean json;

    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    /** Deliveries after the first (after an ack timeout, say): not counted as consumed. */
    private final AtomicLong redelivered = new AtomicLong();
    private final AtomicLong lastConsumedNanos = new AtomicLong();
    private final AtomicLong producedEndNanos = new AtomicLong();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final Recorder produceLatency = new Recorder(3);
    private final Recorder endToEndLatency = new Recorder(3);

    @Override
    public Integer call() throws InterruptedException {
        validate();
        final boolean syncAck = ack.equals("sync");
        final long maxMessages = count != null ? count : Long.MAX_VALUE;
        final Duration runFor = duration != null ? duration : count != null ? null : DEFAULT_DURATION;
        final String groupName = group != null ? group : "bench-" + UUID.randomUUID().toString().substring(0, 8);
        final PrintWriter err = spec.commandLine().getErr();

        try (JunctionClient client = server.connect()) {
            client.station(station); // fails fast, with UNKNOWN_STATION or UNAVAILABLE
            final List<Consumer> consumerList = new ArrayList<>();
            if (consumers > 0) {
                client.createGroup(station, groupName, StartPosition.latest());
                for (int i = 0; i < consumers; i++) {
                    consumerList.add(client.consumer(station, groupName).startPosition(StartPosition.latest())
                            .memberName("junction-bench-" + i).handler(m -> handle(m, syncAck)).build().start());
                }
            }
            final long start = System.nanoTime();
            final long deadline = runFor == null ? Long.MAX_VALUE : start + runFor.toNanos();
            final AtomicLong sequence = new AtomicLong();
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                final Producer producer = client.producer(station).build();
                final Thread t = new Thread(() -> produce(producer, sequence, maxMessages, deadline, stop),
                        "junction-bench-producer-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            long lastProduced = 0;
            long lastConsumed = 0;
            long second = 0;
            long lastProgress = start;
            while (true) {
                sleepUntil(start + (second + 1) * 1_000_000_000L, threads, consumerList);
                final long now = System.nanoTime();
                if (now - start >= (second + 1) * 1_000_000_000L) {
                    second++;
                    final long p = produced.get();
                    final long c = consumed.get();
                    err.printf(Locale.ROOT, "%4ds  produced %,d msg/s%s%n", second, p - lastProduced,
                            consumers > 0 ? String.format(Locale.ROOT, "  consumed %,d msg/s", c - lastConsumed) : "");
                    err.flush();
                    lastProduced = p;
                    lastConsumed = c;
                }
                checkConsumers(consumerList);
                if (failure.get() != null) {
                    stop.set(true);
                    break;
                }
                if (!alive(threads)) {
                    if (consumers == 0 || consumed.get() >= produced.get()) {
                        break;
                    }
                    // Producing ended: give the consumers a few seconds without progress to catch up.
                    lastProgress = Math.max(lastProgress, Math.max(lastConsumedNanos.get(), producedEndNanos.get()));
                    if (now - lastProgress >= CATCH_UP_NANOS
                            || now - producedEndNanos.get() >= MAX_CATCH_UP_NANOS) {
                        err.println("consumers did not catch up: " + (produced.get() - consumed.get())
                                + " messages not consumed");
                        err.flush();
                        break;
                    }
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            final long produceEnd = producedEndNanos.get() == 0 ? System.nanoTime() : producedEndNanos.get();
            for (Consumer c : consumerList) {
                c.close();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            report(spec.commandLine().getOut(), start, produceEnd, groupName);
        }
        return 0;
    }

    private void validate() {
        if (size < 1 || size > 64L * 1024 * 1024) {
            throw new ParameterException(spec.commandLine(), "--size must be between 1 and 64MiB, not " + size);
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1, not " + count);
        }
        if (duration != null && duration.isZero()) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0");
        }
        if (rate < 0) {
            throw new ParameterException(spec.commandLine(), "--rate must be at least 0, not " + rate);
        }
        if (producers < 1) {
            throw new ParameterException(spec.commandLine(), "--producers must be at least 1, not " + producers);
        }
        if (consumers < 0) {
            throw new ParameterException(spec.commandLine(), "--consumers must be at least 0, not " + consumers);
        }
        if (keys < 0) {
            throw new ParameterException(spec.commandLine(), "--keys must be at least 0, not " + keys);
        }
        if (!ack.equals("sync") && !ack.equals("async")) {
            throw new ParameterException(spec.commandLine(), "--ack must be sync or async, not '" + ack + "'");
        }
    }

    /** One producer's loop: sends until the count is taken, the deadline passes or {@code stop}; then flushes. */
    private void produce(Producer producer, AtomicLong sequence, long maxMessages, long deadline, AtomicBoolean stop) {
        final long intervalNanos = rate == 0 ? 0 : Math.max(1, 1_000_000_000L * producers / rate);
        final long first = System.nanoTime();
        final AtomicLong outstanding = new AtomicLong();
        try {
            for (long i = 0; !stop.get(); i++) {
                if (intervalNanos > 0) {
                    final long due = first + i * intervalNanos;
                    for (long wait; (wait = due - System.nanoTime()) > 0 && !stop.get();) {
                        LockSupport.parkNanos(Math.min(wait, 100_000_000L));
                    }
                }
                if (System.nanoTime() - deadline >= 0 || stop.get()) {
                    break;
                }
                final long seq = sequence.getAndIncrement();
                if (seq >= maxMessages) {
                    break;
                }
                final long sent = System.nanoTime();
                outstanding.incrementAndGet();
                producer.send(message(seq, sent)).whenComplete((receipt, error) -> {
                    try {
                        if (error != null) {
                            fail(error);
                        } else {
                            produceLatency.recordValue(Math.max(0, System.nanoTime() - sent));
                            produced.incrementAndGet();
                        }
                    } finally {
                        outstanding.decrementAndGet();
                    }
                });
            }
            producer.close(); // flushes
            // close() may return while the callbacks of the last receipts still run: wait for them too.
            final long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (outstanding.get() > 0 && System.nanoTime() - waitUntil < 0) {
                LockSupport.parkNanos(1_000_000L);
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            producedEndNanos.accumulateAndGet(System.nanoTime(), Math::max);
        }
    }

    private Message message(long seq, long sentNanos) {
        final byte[] value = new byte[(int) size];
        final Message.Builder b = Message.builder();
        if (value.length >= Long.BYTES) {
            ByteBuffer.wrap(value).putLong(sentNanos);
        } else {
            b.header(TIME_HEADER, Long.toString(sentNanos));
        }
        b.value(value);
        if (keys > 0) {
            b.key("key-" + (seq % keys));
        }
        return b.build();
    }

    private void handle(ReceivedMessage m, boolean syncAck) {
        final long now = System.nanoTime();
        final byte[] header = m.headers().get(TIME_HEADER);
        final byte[] value = m.value();
        Long sent = null;
        if (header != null) {
            try {
                sent = Long.parseLong(new String(header, StandardCharsets.UTF_8));
            } catch (NumberFormatException e) {
                sent = null;
            }
        } else if (value.length >= Long.BYTES && value.length == size) {
            sent = ByteBuffer.wrap(value).getLong();
        }
        final boolean first = m.deliveries() == 1;
        if (first && sent != null && now - sent >= 0) {
            endToEndLatency.recordValue(now - sent);
        }
        if (syncAck) {
            m.ackSync();
        } else {
            m.ack();
        }
        (first ? consumed : redelivered).incrementAndGet();
        lastConsumedNanos.accumulateAndGet(System.nanoTime(), Math::max);
    }

    private void fail(Throwable error) {
        final Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        failure.compareAndSet(null, cause instanceof RuntimeException ? (RuntimeException) cause
                : new IllegalStateException(cause));
    }

    private void checkConsumers(List<Consumer> consumerList) {
        for (Consumer c : consumerList) {
            if (c.termination().isCompletedExceptionally()) {
                try {
                    c.termination().get();
                } catch (ExecutionException e) {
                    fail(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Sleeps until {@code until}, waking early when the producers are done or a failure occurred. */
    private void sleepUntil(long until, List<Thread> threads, List<Consumer> consumerList) {
        while (System.nanoTime() - until < 0 && failure.get() == null) {
            if (!alive(threads) && (consumerList.isEmpty() || consumed.get() >= produced.get())) {
                return;
            }
            LockSupport.parkNanos(Math.min(until - System.nanoTime(), 10_000_000L));
        }
    }

    private static boolean alive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private void report(PrintWriter out, long start, long produceEnd, String groupName) {
        final double produceSeconds = Math.max(1e-9, (produceEnd - start) / 1e9);
        final long consumeEnd = lastConsumedNanos.get();
        final double consumeSeconds = Math.max(1e-9, ((consumeEnd == 0 ? produceEnd : consumeEnd) - start) / 1e9);
        final long p = produced.get();
        final long c = consumed.get();
        final Histogram ackHist = produceLatency.getIntervalHistogram();
        final Histogram e2eHist = endToEndLatency.getIntervalHistogram();
        final double pRate = p / produceSeconds;
        final double pMb = p * size / 1e6 / produceSeconds;
        final double cRate = c / consumeSeconds;
        final double cMb = c * size / 1e6 / consumeSeconds;
        if (json) {
            final ObjectMapper mapper = new ObjectMapper();
            final ObjectNode node = mapper.createObjectNode().put("station", station).put("size", size)
                    .put("producers", producers).put("consumers", consumers).put("keys", keys).put("ack", ack)
                    .put("rate", rate).put("produced", p).put("consumed", c)
                    .put("redelivered", redelivered.get())
                    .put("produce_seconds", round(produceSeconds)).put("produce_msgs_per_s", round(pRate))
                    .put("produce_mb_per_s", round(pMb)).put("consume_msgs_per_s", round(c == 0 ? 0 : cRate))
                    .put("consume_mb_per_s", round(c == 0 ? 0 : cMb));
            if (consumers > 0) {
                node.put("group", groupName);
            }
            percentiles(node.putObject("produce_latency_ms"), ackHist);
            percentiles(node.putObject("end_to_end_latency_ms"), e2eHist);
            try {
                out.println(mapper.writeValueAsString(node));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree of plain values always serializes", e);
            }
        } else {
            out.printf(Locale.ROOT, "station %s: %d producer(s), %d consumer(s), %d-byte messages, %s%n", station,
                    producers, consumers, size, keys == 0 ? "no keys" : keys + " keys");
            out.printf(Locale.ROOT, "produced  %,d msgs in %.2fs: %,.0f msgs/s, %.2f MB/s%n", p, produceSeconds,
                    pRate, pMb);
            if (consumers > 0) {
                out.printf(Locale.ROOT, "consumed  %,d msgs in %.2fs: %,.0f msgs/s, %.2f MB/s (group %s, %s acks%s)%n",
                        c, consumeSeconds, c == 0 ? 0.0 : cRate, c == 0 ? 0.0 : cMb, groupName, ack,
                        redelivered.get() == 0 ? "" : ", " + redelivered.get() + " redeliveries not counted");
            }
            out.printf(Locale.ROOT, "%-22s %10s %10s %10s %10s%n", "latency (ms)", "p50", "p99", "p99.9", "max");
            out.println(latencyRow("produce ack", ackHist));
            if (consumers > 0) {
                out.println(latencyRow("end to end", e2eHist));
            }
        }
        out.flush();
    }

    private static String latencyRow(String name, Histogram h) {
        return String.format(Locale.ROOT, "%-22s %10.3f %10.3f %10.3f %10.3f", name, ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static void percentiles(ObjectNode node, Histogram h) {
        node.put("count", h.getTotalCount()).put("p50", round(ms(h.getValueAtPercentile(50))))
                .put("p99", round(ms(h.getValueAtPercentile(99))))
                .put("p99_9", round(ms(h.getValueAtPercentile(99.9)))).put("max", round(ms(h.getMaxValue())));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
