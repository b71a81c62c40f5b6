package io.junction.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Producer;
import io.junction.client.Receipt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction produce}: one message given as an argument, or one per line of standard input, sent in batches.
 * Prints one receipt per message, in input order; stops at the first message the broker rejects.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Produce messages to a station: VALUE, or else one message per line of standard input.",
            "Prints one receipt per message, in input order."})
final class ProduceCommand implements Callable<Integer> {

    /** Tests read standard input from here. */
    static InputStream stdin = System.in;

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;

    @Parameters(index = "0", paramLabel = "STATION")
    private String station;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
            description = "The message's value (UTF-8); without it, each line of standard input is a message.")
    private String value;

    @Option(names = "--key", paramLabel = "K", description = "The key of every message (same key, same partition).")
    private String key;

    @Option(names = "--key-separator", paramLabel = "S",
            description = "Split each line of standard input at the first S into KEY and VALUE.")
    private String keySeparator;

    @Option(names = "--header", paramLabel = "K=V", description = "A header of every message; repeatable.")
    private Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--msg-id", paramLabel = "ID", description = "The message's idempotency key (one message only).")
    private String msgId;

    @Option(names = "--partition", paramLabel = "P", description = "Send to partition P, whatever the key.")
    private Integer partition;

    @Option(names = "--raw", description = "Send values as typed, even to a station whose schema has a binary "
            + "form (Protobuf, Avro): by default they are JSON, converted through the schema's JSON mapping.")
    private boolean raw;

    /** Typed value → the bytes sent. */
    private Function<String, byte[]> encode;

    @Option(names = "--tombstone", description = "Send one tombstone for --key instead of a value: on a compacted "
            + "station it deletes the key (once older than the station's tombstone retention).")
    private boolean tombstone;

    @Option(names = "--json", description = "Print each receipt as {\"partition\":P,\"offset\":O}, with "
            + "\"duplicate\":true when its msg-id was stored before.")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        validate();
        final PrintWriter out = spec.commandLine().getOut();
        try (JunctionClient client = server.connect()) {
            // Fails fast, with UNKNOWN_STATION or UNAVAILABLE, before reading any input.
            encode = raw ? SchemaCodec.utf8() : new SchemaCodec(client).encoder(client.station(station));
            final Deque<CompletableFuture<Receipt>> pending = new ArrayDeque<>();
            try (Producer producer = client.producer(station).linger(Duration.ofMillis(5))
                    .deliveryTimeout(Duration.ofSeconds(30)).build()) {
                if (tombstone) {
                    pending.add(producer.send(message(key, null)));
                } else if (value != null) {
                    pending.add(producer.send(message(key, value)));
                } else {
                    final BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
                    for (String line; (line = in.readLine()) != null;) {
                        pending.add(producer.send(line(line)));
                        printCompleted(pending, out, false);
                    }
                }
                producer.flush();
                printCompleted(pending, out, true);
            }
        }
        return 0;
    }

    private void validate() {
        if (value != null && keySeparator != null) {
            throw new ParameterException(spec.commandLine(), "--key-separator splits lines of standard input: "
                    + "it cannot be used with VALUE");
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--key-separator must not be empty");
        }
        if (tombstone && (key == null || value != null || keySeparator != null)) {
            throw new ParameterException(spec.commandLine(), "--tombstone sends one tombstone for --key: it needs "
                    + "--key and takes no VALUE nor --key-separator");
        }
        if (partition != null && partition < 0) {
            throw new ParameterException(spec.commandLine(), "--partition must be at least 0, not " + partition);
        }
    }

    private Message line(String line) {
        if (keySeparator == null) {
            return message(key, line);
        }
        final int at = line.indexOf(keySeparator);
        return at < 0 ? message(key, line)
                : message(line.substring(0, at), line.substring(at + keySeparator.length()));
    }

    /** A message; a tombstone when {@code messageValue} is null. */
    private Message message(String messageKey, String messageValue) {
        final Message.Builder b = Message.builder().key(messageKey);
        if (messageValue == null) {
            b.tombstone();
        } else {
            b.value(encode.apply(messageValue));
        }
        headers.forEach(b::header);
        if (partition != null) {
            b.partition(partition);
        }
        if (msgId != null) {
            b.msgId(msgId);
        }
        return b.build();
    }

    /** Prints the receipts at the head of {@code pending} that are done (all of them if {@code all}), in order. */
    private void printCompleted(Deque<CompletableFuture<Receipt>> pending, PrintWriter out, boolean all) {
        while (!pending.isEmpty() && (all || pending.peekFirst().isDone())) {
            final Receipt r;
            try {
                r = pending.pollFirst().join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
            }
            out.println(json ? Json.receipt(r) : "partition " + r.partition() + ", offset " + r.offset()
                    + (r.duplicate() ? " (duplicate: stored before)" : ""));
        }
        out.flush();
    }
}
