package io.junction.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.AuditEntry;
import io.junction.client.JunctionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code junction audit list}: a tenant's audit log (admins and root). */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Show a tenant's audit log: admin changes, failed logins and permission denials.",
        subcommands = {AuditCommand.ListEntries.class})
final class AuditCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing an audit command: list");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The tenant's audit entries (the --tenant option's), oldest first.")
    static final class ListEntries implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--since", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                defaultValue = "1d", description = "Entries of this long back (default: ${DEFAULT-VALUE}).")
        private Duration since;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "At most this many entries (default: ${DEFAULT-VALUE}).")
        private int limit;
        @Option(names = "--json", description = "One JSON object per entry.")
        private boolean json;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 1_000_000) {
                throw new ParameterException(spec.commandLine(), "--limit must be in [1, 1000000]");
            }
            final List<AuditEntry> entries;
            try (JunctionClient client = server.connect()) {
                entries = client.audit(Instant.now().minus(since), limit);
            }
            final PrintWriter out = spec.commandLine().getOut();
            for (AuditEntry e : entries) {
                if (json) {
                    out.println(Json.auditEntry(e));
                } else {
                    out.println(e.time() + "  " + e.who() + (e.via().isEmpty() ? "" : " (" + e.via() + ")") + " from "
                            + e.address() + "  " + e.action() + (e.target().isEmpty() ? "" : " " + e.target())
                            + "  " + e.result() + (e.message().isEmpty() ? "" : ": " + e.message()));
                }
            }
            return 0;
        }
    }
}
