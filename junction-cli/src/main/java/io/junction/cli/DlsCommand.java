package io.junction.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.DeadLetter;
import io.junction.client.JunctionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code junction dls list|resend|drop}: a station's dead-letter station. */
@Command(name = "dls", mixinStandardHelpOptions = true,
        description = {"See and act on a station's dead letters: messages a group could not process (max "
                + "deliveries reached, or dead-lettered by a consumer).",
            "A resend goes back to the group that failed the message (only that one), at its own partition and "
                + "offset, so its key keeps its order."},
        subcommands = {DlsCommand.ListLetters.class, DlsCommand.Resend.class, DlsCommand.Drop.class})
final class DlsCommand implements Runnable {

    /** The most dead letters fetched per call while listing. */
    static final int PAGE = 1000;

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a dls command: list, resend or drop");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a station's open dead letters, "
            + "oldest first.")
    static final class ListLetters implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "STATION")
        private String station;
        @Option(names = "--group", paramLabel = "G", description = "Only the dead letters of this group.")
        private String group;
        @Option(names = "--limit", paramLabel = "N", description = "Print at most N (default: all).")
        private Long limit;
        @Option(names = "--json", description = "Print one JSON object per dead letter: id, group, reason, "
                + "deliveries, partition, offset, key, value, headers, dead_lettered_at, error, first_delivery, "
                + "last_delivery, timestamp.")
        private boolean json;

        @Override
        public Integer call() {
            if (limit != null && limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1, not " + limit);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                out.println(String.format("%-8s %-20s %-15s %4s %-16s %-24s %s", "ID", "GROUP", "REASON", "DLV",
                        "MESSAGE", "DEAD_LETTERED_AT", "ERROR"));
            }
            long printed = 0;
            long max = limit == null ? Long.MAX_VALUE : limit;
            try (JunctionClient client = server.connect()) {
                long after = -1;
                while (printed < max) {
                    final List<DeadLetter> page = client.deadLetters(station, group, after,
                            (int) Math.min(PAGE, max - printed));
                    for (DeadLetter d : page) {
                        out.println(json ? Json.deadLetter(d) : describe(d));
                        printed++;
                        after = d.id();
                    }
                    if (page.isEmpty()) {
                        break;
                    }
                }
            }
            out.flush();
            return 0;
        }
    }

    /** Resend and drop: a station, then dead-letter ids or --all (exactly one of the two), maybe --group. */
    abstract static class Resolve implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ServerOption server;
        @Parameters(index = "0", paramLabel = "STATION")
        String station;
        @Parameters(index = "1..*", paramLabel = "ID", description = "Dead-letter ids (from 'junction dls list').")
        List<Long> ids = List.of();
        @Option(names = "--all", description = "Every open dead letter (of --group, when given).")
        boolean all;
        @Option(names = "--group", paramLabel = "G", description = "Only dead letters of this group.")
        String group;

        @Override
        public Integer call() {
            if (all == !ids.isEmpty()) {
                throw new ParameterException(spec.commandLine(), all ? "Give dead-letter ids or --all, not both"
                        : "Missing dead-letter ids (or --all)");
            }
            final int count;
            try (JunctionClient client = server.connect()) {
                count = apply(client);
            }
            spec.commandLine().getOut().println(done() + " " + count + " dead letter" + (count == 1 ? "" : "s"));
            return 0;
        }

        abstract int apply(JunctionClient client);

        abstract String done();
    }

    @Command(name = "resend", mixinStandardHelpOptions = true,
            description = "Hand dead letters back to the group that failed each; their delivery count starts over.")
    static final class Resend extends Resolve {
        @Override
        int apply(JunctionClient client) {
            return all ? client.resendAllDeadLetters(station, group) : client.resendDeadLetters(station, ids, group);
        }

        @Override
        String done() {
            return "resent";
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true,
            description = "Forget dead letters; in a group with --on-dead-letter park, their keys go on.")
    static final class Drop extends Resolve {
        @Override
        int apply(JunctionClient client) {
            return all ? client.dropAllDeadLetters(station, group) : client.dropDeadLetters(station, ids, group);
        }

        @Override
        String done() {
            return "dropped";
        }
    }

    static String describe(DeadLetter d) {
        final StringBuilder message = new StringBuilder().append(d.partition()).append('@').append(d.offset());
        if (d.key() != null) {
            final String key = Json.utf8(d.key());
            message.append(" key=").append(key != null ? key : "(binary)");
        }
        return String.format("%-8d %-20s %-15s %4d %-16s %-24s %s", d.id(), d.group(), d.reason(), d.deliveries(),
                message, d.deadLetteredAt(), d.error());
    }
}
