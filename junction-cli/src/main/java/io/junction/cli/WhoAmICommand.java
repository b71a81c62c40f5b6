package io.junction.cli;

import java.util.concurrent.Callable;

import io.junction.client.Identity;
import io.junction.client.JunctionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code junction whoami}: who the broker takes the caller for, with these options and credentials. */
@Command(name = "whoami", mixinStandardHelpOptions = true,
        description = "Show who the broker takes you for: tenant, user or token, role, station patterns, how you "
                + "authenticated and until when.")
final class WhoAmICommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;
    @Option(names = "--json", description = "Print it as one JSON object.")
    private boolean json;

    @Override
    public Integer call() {
        final Identity identity;
        try (JunctionClient client = server.connect()) {
            identity = client.whoAmI();
        }
        spec.commandLine().getOut().println(json ? Json.identity(identity) : AccessText.identity(identity));
        return 0;
    }
}
