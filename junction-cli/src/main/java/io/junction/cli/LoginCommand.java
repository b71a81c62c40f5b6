package io.junction.cli;

import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.NewToken;
import io.junction.client.TokenInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code junction login}: exchanges a user's password for a session and stores its token for the server
 * ({@link Credentials}), so that later commands authenticate without the password. Prints neither.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Log in to the broker with a user's password and store the session for the server, for the "
            + "commands that follow (until it expires or 'junction logout').",
            "The password is read from the console, or with --password-stdin from the first line of standard input."})
final class LoginCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;

    @Option(names = "--user", paramLabel = "U", defaultValue = "root",
            description = "The user: NAME, or NAME@TENANT for a user of another tenant than default (the same as "
                    + "--tenant) (default: ${DEFAULT-VALUE}).")
    private String user;

    @Option(names = PasswordInput.STDIN_OPTION, description = "Read the password from the first line of standard "
            + "input instead of the console.")
    private boolean passwordStdin;

    @Option(names = "--json", description = "Print the session (never its token) as one JSON object.")
    private boolean json;

    @Override
    public Integer call() {
        if (server.token != null) {
            throw new ParameterException(spec.commandLine(), "login takes a password, not --token");
        }
        final String password = passwordStdin ? PasswordInput.fromStdin()
                : PasswordInput.fromConsole("Password for " + user + ": ", false);
        final NewToken session;
        try (JunctionClient client = server.builder().credentials(user, password).build()) {
            session = client.login();
        }
        final TokenInfo info = session.info();
        ServerOption.credentials().store(server.server, new Credentials.Session(session.secret(), info.name(),
                info.tenant(), info.expiresAt() == null ? 0 : info.expiresAt().toEpochMilli()));
        spec.commandLine().getOut().println(json ? Json.login(info) : "logged in as " + info.name() + "@"
                + info.tenant() + " (" + info.role() + ") until " + AccessText.expires(info.expiresAt()));
        final String fromEnv = ServerOption.env.get(ServerOption.TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            spec.commandLine().getErr().println("note: $" + ServerOption.TOKEN_ENV + " is set: commands use it, "
                    + "not this session, until you unset it");
        }
        return 0;
    }
}
