package io.junction.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.JunctionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code junction logout}: ends the session {@code junction login} stored for the server and forgets it. When the
 * broker no longer knows the session (it expired, or a password change ended it), it is forgotten all the same;
 * when the broker cannot be reached, it is kept, so that logging out can be tried again.
 */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "End the session stored by 'junction login' for the server, and forget it.")
final class LogoutCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;
    @Mixin
    private ServerOption server;

    @Override
    public Integer call() {
        if (server.token != null) {
            throw new ParameterException(spec.commandLine(), "logout ends the session stored by 'junction login'; "
                    + "it takes no --token");
        }
        final Credentials credentials = ServerOption.credentials();
        final Optional<Credentials.Session> session = credentials.session(server.server);
        final PrintWriter out = spec.commandLine().getOut();
        if (session.isEmpty()) {
            out.println("no session stored for " + server.server + ": nothing to do");
            return 0;
        }
        final String who = session.get().user() + "@" + session.get().tenant();
        try (JunctionClient client = server.builder().token(session.get().token()).build()) {
            client.logout();
        } catch (JunctionException e) {
            if (e.code().clientSide()) {
                throw e; // the broker did not answer: the session may still be open there
            }
            credentials.remove(server.server);
            out.println("the broker had already ended the session of " + who + " (" + e.code() + "); forgot it");
            return 0;
        }
        credentials.remove(server.server);
        out.println("logged out " + who);
        return 0;
    }
}
