package io.junction.cli;

import io.junction.server.JunctionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top command, {@code junction}: only options common to all subcommands; the work is in the subcommands. */
@Command(name = "junction", mixinStandardHelpOptions = true, versionProvider = JunctionCommand.Version.class,
        description = "Junction, a lightweight message broker.",
        subcommands = {ServerCommand.class, StationCommand.class, ProduceCommand.class, ConsumeCommand.class,
            GroupCommand.class, DlsCommand.class, SchemaCommand.class, BenchCommand.class, LoginCommand.class,
            LogoutCommand.class, WhoAmICommand.class, TenantCommand.class, UserCommand.class, TokenCommand.class,
            AuditCommand.class, ConnectorCommand.class})
final class JunctionCommand implements Runnable {

    static final String VERBOSE = "--verbose";

    @Spec
    private CommandSpec spec;

    /** Read by {@link Main} through the parse result, which also sees it after a subcommand. */
    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "On an error, print its stack trace too (as does setting JUNCTION_DEBUG).")
    private boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a command, such as 'junction server'");
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"junction " + JunctionServer.VERSION};
        }
    }
}
