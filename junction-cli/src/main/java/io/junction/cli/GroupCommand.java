package io.junction.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.GroupInfo;
import io.junction.client.JunctionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction group list|info|delete|reset}: a station's consumer groups, with lag, in-flight messages and
 * members; deleting one, moving its position.
 */
@Command(name = "group", mixinStandardHelpOptions = true,
        description = "List, show, delete consumer groups and reset their position.",
        subcommands = {GroupCommand.ListGroups.class, GroupCommand.Info.class, GroupCommand.Delete.class,
            GroupCommand.Reset.class})
final class GroupCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a group command: list, info, delete or reset");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the groups of a station.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "STATION")
        private String station;
        @Option(names = "--json", description = "Print one JSON object per group.")
        private boolean json;

        @Override
        public Integer call() {
            final List<GroupInfo> groups;
            try (JunctionClient client = server.connect()) {
                groups = client.groups(station);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                groups.forEach(g -> out.println(Json.group(g)));
            } else {
                out.println(table(groups));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a group.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(index = "0", paramLabel = "STATION")
        private String station;
        @Parameters(index = "1", paramLabel = "GROUP")
        private String group;
        @Option(names = "--json", description = "Print the group as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final GroupInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.group(station, group);
            }
            spec.commandLine().getOut().println(json ? Json.group(info) : describe(info));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a group: its acks, delivery counts and open dead letters. Refused while consumers "
                    + "are connected, unless --force.")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(index = "0", paramLabel = "STATION")
        private String station;
        @Parameters(index = "1", paramLabel = "GROUP")
        private String group;
        @Option(names = "--force", description = "Delete it even with consumers connected (they stop).")
        private boolean force;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.deleteGroup(station, group, force);
            }
            spec.commandLine().getOut().println("deleted group '" + group + "' of station '" + station + "'");
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = {"Move a group's position, like Kafka's offset reset: the group goes on from --to. "
                    + "Everything from there is delivered again, nothing before it; its open dead letters stay in "
                    + "the DLS. Refused while consumers are connected.", "Prints the group after the reset."})
    static final class Reset implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(index = "0", paramLabel = "STATION")
        private String station;
        @Parameters(index = "1", paramLabel = "GROUP")
        private String group;
        @Option(names = "--to", required = true, paramLabel = "POSITION",
                converter = Converters.PositionConverter.class,
                description = "earliest, latest, an offset (such as 42), a time (ISO-8601, such as "
                        + "2026-01-31T12:00:00Z: the first message at or after it) or last:N.")
        private io.junction.client.StartPosition to;
        @Option(names = "--partition", paramLabel = "N", description = "Only this partition (default: all).")
        private Integer partition;
        @Option(names = "--json", description = "Print the group after the reset as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            if (partition != null && partition < 0) {
                throw new ParameterException(spec.commandLine(), "--partition must be 0 or more, not " + partition);
            }
            final GroupInfo info;
            try (JunctionClient client = server.connect()) {
                info = partition == null ? client.resetGroup(station, group, to)
                        : client.resetGroup(station, group, to, partition);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.group(info));
            } else {
                out.println("reset group '" + group + "' of station '" + station + "' to " + to + " on "
                        + (partition == null ? "every partition" : "partition " + partition));
                out.println(describe(info));
            }
            return 0;
        }
    }

    static String table(List<GroupInfo> groups) {
        final StringBuilder sb = new StringBuilder(String.format("%-32s %12s %10s %8s", "GROUP", "LAG", "IN_FLIGHT",
                "MEMBERS"));
        for (GroupInfo g : groups) {
            sb.append(System.lineSeparator()).append(String.format("%-32s %12d %10d %8d", g.name(), g.lag(),
                    g.inFlight(), g.members().size()));
        }
        return sb.toString();
    }

    static String describe(GroupInfo g) {
        final String nl = System.lineSeparator();
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-15s %s", "group:", g.name())).append(nl);
        sb.append(String.format("%-15s %s", "station:", g.station())).append(nl);
        sb.append(String.format("%-15s %d", "lag:", g.lag())).append(nl);
        sb.append(String.format("%-15s %d", "in flight:", g.inFlight())).append(nl);
        sb.append(String.format("%-15s %s", "ordering:", g.ordering() == null ? "unknown" : g.ordering().wireName()))
                .append(nl);
        sb.append(String.format("%-15s %s", "on dead letter:", g.onDeadLetter() == null ? "unknown"
                : g.onDeadLetter().wireName())).append(nl);
        if (g.history() == io.junction.client.History.FULL) { // the compacted view is the default: not shown
            sb.append(String.format("%-15s %s", "history:", "full")).append(nl);
        }
        sb.append(String.format("%-15s %d", "dead letters:", g.deadLetters())).append(nl);
        sb.append(String.format("%-10s %16s %16s %12s %12s", "PARTITION", "ACK_FLOOR", "NEXT_OFFSET", "LAG",
                "SKIPPED"));
        for (GroupInfo.Partition p : g.partitions()) {
            sb.append(nl).append(String.format("%-10d %16d %16d %12d %12d", p.partition(), p.ackFloor(),
                    p.nextOffset(), p.lag(), p.skipped()));
        }
        sb.append(nl).append(String.format("%-24s %-20s %10s %8s", "MEMBER", "NAME", "IN_FLIGHT", "CREDITS"));
        for (GroupInfo.Member m : g.members()) {
            sb.append(nl).append(String.format("%-24s %-20s %10d %8d", m.memberId(), m.name(), m.inFlight(),
                    m.credits()));
        }
        return sb.toString();
    }
}
