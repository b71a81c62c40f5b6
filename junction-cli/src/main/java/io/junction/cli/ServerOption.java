package io.junction.cli;

import java.time.Duration;

import io.junction.client.JunctionClient;
import picocli.CommandLine.Option;

/** The {@code --server} option of every client command, and the client it connects. */
final class ServerOption {

    @Option(names = "--server", paramLabel = "HOST:PORT",
            defaultValue = "${env:" + JunctionClient.SERVER_ENV + ":-" + JunctionClient.DEFAULT_SERVER + "}",
            description = "The broker (default: $" + JunctionClient.SERVER_ENV + ", else "
                    + JunctionClient.DEFAULT_SERVER + "; now ${DEFAULT-VALUE}).")
    String server;

    JunctionClient connect() {
        return JunctionClient.builder().server(server).callTimeout(Duration.ofSeconds(10)).build();
    }
}
