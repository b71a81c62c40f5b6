package io.junction.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.NewToken;
import io.junction.client.TokenInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction token create|list|revoke}: the API tokens of a tenant (the --tenant option's). {@code create}
 * is the only command that ever prints a secret, once; the broker keeps only its hash.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke the API tokens of a tenant.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a token command: create, list or revoke");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create an API token and print its secret, on a line of its own: it is shown only this "
                + "once.", "Use it with --token or $" + ServerOption.TOKEN_ENV + "."})
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--name", paramLabel = "N", required = true,
                description = "The token's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @Option(names = "--role", paramLabel = "ROLE", completionCandidates = UserCommand.RoleCandidates.class,
                description = "What it may do in the tenant: ${COMPLETION-CANDIDATES} (default: producer).")
        private String role;
        @Option(names = "--expires", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "It stops working this long from now, such as 90d (default: never).")
        private Duration expires;
        @Mixin
        private UserCommand.StationPatterns patterns;
        @Option(names = "--json", description = "Print name, role, secret and expiry as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            if (expires != null && (expires.isZero() || expires.isNegative())) {
                throw new ParameterException(spec.commandLine(), "--expires must be more than 0");
            }
            final NewToken token;
            try (JunctionClient client = server.connect()) {
                token = client.createToken(name, role, patterns.allow, patterns.deny, expires, patterns.readValues);
            }
            if (json) {
                spec.commandLine().getOut().println(Json.newToken(token));
            } else {
                // The secret alone on standard output, for SECRET=$(junction token create ...); the note aside.
                spec.commandLine().getOut().println(token.secret());
                spec.commandLine().getErr().println("created token '" + token.info().name() + "' ("
                        + token.info().role() + ", expires " + AccessText.expires(token.info().expiresAt())
                        + "); its secret above is shown only this once: keep it now");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the tokens of the tenant (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per token.")
        private boolean json;

        @Override
        public Integer call() {
            final List<TokenInfo> tokens;
            try (JunctionClient client = server.connect()) {
                tokens = client.tokens();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                tokens.forEach(t -> out.println(Json.token(t)));
            } else {
                out.println(AccessText.tokens(tokens));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token: calls made with it fail from now on.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.revokeToken(name);
            }
            spec.commandLine().getOut().println("revoked token '" + name + "'");
            return 0;
        }
    }
}
