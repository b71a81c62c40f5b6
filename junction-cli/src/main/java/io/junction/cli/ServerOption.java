package io.junction.cli;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.junction.client.JunctionClient;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options every client command takes: the broker ({@code --server}), the tenant to act in ({@code --tenant})
 * and the credentials ({@code --token}), and the client they connect. Credentials, first found wins:
 * {@code --token}, {@code $JUNCTION_TOKEN}, the session {@code junction login} stored for the server
 * ({@link Credentials}), none (the broker's loopback rule, if it has it).
 */
final class ServerOption {

    static final String TOKEN_ENV = "JUNCTION_TOKEN";
    static final String TLS_CA_ENV = "JUNCTION_TLS_CA";
    static final String TLS_CERT_ENV = "JUNCTION_TLS_CERT";
    static final String TLS_KEY_ENV = "JUNCTION_TLS_KEY";
    /** The name of the field every command mixes this in as, which {@link #hint} looks for. */
    static final String MIXIN_NAME = "server";

    /** The environment the commands read ({@value #TOKEN_ENV}, {@value Credentials#XDG_CONFIG_HOME}); tests set it. */
    static Map<String, String> env = System.getenv();

    @Option(names = "--server", paramLabel = "HOST:PORT",
            defaultValue = "${env:" + JunctionClient.SERVER_ENV + ":-" + JunctionClient.DEFAULT_SERVER + "}",
            description = "The broker (default: $" + JunctionClient.SERVER_ENV + ", else "
                    + JunctionClient.DEFAULT_SERVER + "; now ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--tenant", paramLabel = "T",
            description = "The tenant to act in (default: that of the user or token you authenticate as; root's "
                    + "and a loopback caller's: " + JunctionClient.DEFAULT_TENANT + ").")
    String tenant = "";

    // No picocli default from the environment: the help would print the token.
    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Authenticate with this API or session token (default: $" + TOKEN_ENV + ", else the "
                    + "session stored by 'junction login' for the server). Other users may see command lines: "
                    + "prefer $" + TOKEN_ENV + ".")
    String token;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Talk TLS to the broker, trusting the CA certificates in FILE (PEM; default: $"
                    + TLS_CA_ENV + "; none: plaintext).")
    java.nio.file.Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "With --tls-ca: show this client certificate (PEM) to a broker that requires one; its CN "
                    + "names the user (default: $" + TLS_CERT_ENV + ").")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key (PEM, PKCS#8) of --tls-cert (default: $" + TLS_KEY_ENV + ").")
    java.nio.file.Path tlsKey;

    /** Where the token of the last {@link #connect()} came from, for {@link #hint}; null: not connected yet. */
    private Source source;

    private enum Source { NONE, OPTION, ENVIRONMENT, STORED_SESSION }

    JunctionClient connect() {
        final JunctionClient.Builder builder = builder();
        token().ifPresent(builder::token);
        return builder.build();
    }

    /** A builder for the server, tenant and TLS settings, without credentials. */
    JunctionClient.Builder builder() {
        final JunctionClient.Builder b = JunctionClient.builder().server(server).tenant(tenant)
                .callTimeout(Duration.ofSeconds(10));
        final java.nio.file.Path ca = orEnv(tlsCa, TLS_CA_ENV);
        final java.nio.file.Path cert = orEnv(tlsCert, TLS_CERT_ENV);
        final java.nio.file.Path key = orEnv(tlsKey, TLS_KEY_ENV);
        if ((cert == null) != (key == null)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--tls-cert and --tls-key go together: give both or neither");
        }
        if (cert != null && ca == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--tls-cert needs --tls-ca (the CA that signed the broker's certificate)");
        }
        if (ca != null) {
            b.tls(ca);
            if (cert != null) {
                b.tlsClientCertificate(cert, key);
            }
        }
        return b;
    }

    private static java.nio.file.Path orEnv(java.nio.file.Path given, String variable) {
        if (given != null) {
            return given;
        }
        final String value = env.get(variable);
        return value == null || value.isBlank() ? null : java.nio.file.Path.of(value.strip());
    }

    /** The token the calls authenticate with, by the precedence above; empty: none. */
    Optional<String> token() {
        if (token != null) {
            source = Source.OPTION;
            return Optional.of(token);
        }
        final String fromEnv = env.get(TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            source = Source.ENVIRONMENT;
            return Optional.of(fromEnv.strip());
        }
        final Optional<String> stored = credentials().session(server).map(Credentials.Session::token);
        source = stored.isPresent() ? Source.STORED_SESSION : Source.NONE;
        return stored;
    }

    /**
     * For an UNAUTHENTICATED answer to {@code command}: what to do about it, given where its credentials came from
     * (the broker cannot know); "" when the command has no such option or did not connect.
     */
    static String hint(CommandLine command) {
        final CommandSpec mixin = command.getCommandSpec().mixins().get(MIXIN_NAME);
        if (mixin == null || !(mixin.userObject() instanceof ServerOption option) || option.source == null) {
            return "";
        }
        return switch (option.source) {
            case NONE -> " (log in with 'junction login', or give --token or $" + TOKEN_ENV + ")";
            case OPTION -> "";
            case ENVIRONMENT -> " (the token in $" + TOKEN_ENV + ")";
            case STORED_SESSION -> " (the session stored by 'junction login' for " + option.server + ": log in again)";
        };
    }

    /** The file of stored sessions. */
    static Credentials credentials() {
        return new Credentials(Credentials.location(env, System.getProperty("user.home")));
    }
}
